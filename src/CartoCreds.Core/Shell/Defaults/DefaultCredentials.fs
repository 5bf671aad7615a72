namespace CartoCreds.Core

open System.Threading

/// The process-wide default credentials (SPEC §3): an immutable value swapped atomically.
[<RequireQualifiedAccess>]
module DefaultCredentials =

    let private current: Resolved<Credentials> option ref = ref None

    /// The default credentials, `None` when unset.
    let get () : Resolved<Credentials> option = Volatile.Read(&current.contents)

    /// Sets the default credentials.
    let set (resolved: Resolved<Credentials>) : unit = Volatile.Write(&current.contents, Some resolved)

    /// Unsets the default credentials.
    let unset () : unit = Volatile.Write(&current.contents, None)

    /// Resolves a source and, when it resolves, makes it the default; otherwise changes nothing.
    let setFrom (host: Host) (source: DefaultSource) : Result<Resolved<Credentials>, ResolveError> =
        Shell.ofDefaultSource host source
        |> Result.map (fun resolved ->
            set resolved
            resolved)
