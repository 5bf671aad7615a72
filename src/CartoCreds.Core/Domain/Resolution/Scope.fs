namespace CartoCreds.Core

/// Why an object has no effective credentials.
[<RequireQualifiedAccess>]
type ScopeError = | NoCredentials

/// SPEC §3: credentials attached to nested objects (a Source in a Layer in a Map).
[<RequireQualifiedAccess>]
module Scope =

    /// The innermost credentials set on the object or its enclosing scopes (innermost first,
    /// `None` skipped); else the default credentials; else an error.
    let effective (innermostFirst: 'C option list) (defaultCredentials: 'C option) : Result<'C, ScopeError> =
        match List.tryPick id innermostFirst |> Option.orElse defaultCredentials with
        | Some credentials -> Ok credentials
        | None -> Error ScopeError.NoCredentials
