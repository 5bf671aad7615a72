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

/// What the default credentials are set from (SPEC §3).
[<RequireQualifiedAccess>]
type DefaultSource =
    | Values of Arguments
    | File of path: string
    | SavedSession

[<RequireQualifiedAccess>]
module DefaultSource =

    let private isUrl (text: string) =
        text.StartsWith("http://", System.StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("https://", System.StringComparison.OrdinalIgnoreCase)

    let private isJsonPath (text: string) = text.EndsWith(".json", System.StringComparison.OrdinalIgnoreCase)

    let private conflict names =
        Error(
            ResolveError.InvalidLayer(
                Layer.Arguments,
                String.concat ", " names,
                LayerProblem.ConflictingArguments names
            )
        )

    /// CARTOframes' `set_default_credentials(first, second)`: `first` is a base URL when it starts
    /// with `http://` or `https://`, a file when it ends in `.json`, otherwise a username; with
    /// nothing given, the saved session.
    let ofArguments
        (first: string option)
        (apiKey: string option)
        (baseUrl: string option)
        (filePath: string option)
        (allowNonSecure: bool)
        : Result<DefaultSource, ResolveError> =
        let first = Input.givenOption first
        let apiKey = Input.givenOption apiKey
        let baseUrl = Input.givenOption baseUrl

        let filePath = Input.givenOption filePath

        let values username url =
            DefaultSource.Values
                { Arguments.None with
                    Username = username
                    ApiKey = apiKey
                    BaseUrl = url
                    AllowNonSecure = allowNonSecure }

        let file = filePath |> Option.orElse (first |> Option.filter (fun f -> isJsonPath f && not (isUrl f)))

        match filePath, first, file with
        | Some _, Some _, _ -> conflict [ "file_path"; "username" ]
        | _, _, Some path ->
            match apiKey, baseUrl with
            | Some _, _ -> conflict [ "file_path"; "api_key" ]
            | _, Some _ -> conflict [ "file_path"; "base_url" ]
            | None, None -> Ok(DefaultSource.File path)
        | _, Some f, None when isUrl f ->
            match baseUrl with
            | Some url when url <> f -> conflict [ "username"; "base_url" ]
            | _ -> Ok(values None (Some f))
        | _, Some name, None -> Ok(values (Some name) baseUrl)
        | _, None, None when baseUrl.IsSome || apiKey.IsSome -> Ok(values None baseUrl)
        | _, None, None -> Ok DefaultSource.SavedSession
