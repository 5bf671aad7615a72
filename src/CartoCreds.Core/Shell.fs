namespace CartoCreds.Core

open System

/// The impure shell over the pure core: gathers the layers from a `Host` and the disk, calls
/// `Resolve`, and saves or deletes files. Each function takes the host, so callers choose between
/// the process (`Host.current`) and a host of their own (tests, tools).
[<RequireQualifiedAccess>]
module Shell =

    /// The layers of a request as this host supplies them; nothing is read until `Resolve`
    /// reaches a layer.
    let layers (host: Host) (request: Request) : Layers =
        { Explicit = request.Explicit
          Arguments = request.Arguments
          File = Input.givenOption request.CredFile |> Option.map (fun path () -> Store.read path)
          Environment = host.GetVariable
          SavedSession = fun () -> Store.readSavedSession host }

    /// <summary>
    /// SPEC §2 resolution of a request (a value, arguments, a named file), then the host's
    /// environment and its saved session.
    /// </summary>
    /// <example>
    /// <code>
    /// let request = { Request.None with Arguments = { Arguments.None with Username = Some "ana" } }
    ///
    /// match Shell.resolve Host.current request with
    /// | Ok resolved -> printfn "%O from %s" resolved.Credentials (Messages.origin resolved.Origin)
    /// | Error e -> eprintfn "%s" (Messages.resolveError e)
    /// </code>
    /// </example>
    let resolve (host: Host) (request: Request) : Result<Resolved, ResolveError> = Resolve.resolve (layers host request)

    /// The CARTO CLI file, read up to its own bound (SPEC §7.3).
    let private readCliFile (path: string) : FileRead = Disk.readUpTo CloudFile.MaxCliFileSize path

    /// The CARTO 3 layers of a request as this host supplies them, with `now` for expiries.
    let cloudLayers (host: Host) (now: DateTimeOffset) (request: CloudRequest) : CloudLayers =
        { Explicit = request.Explicit
          Arguments = request.Arguments
          // A named file may be the CARTO CLI's: read to its bound, and held to §4's if it is not.
          File = Input.givenOption request.CredFile |> Option.map (fun path () -> readCliFile path)
          Environment = host.GetVariable
          SavedSession =
            fun () ->
                Location.cloudPaths host.Platform host.GetVariable
                |> Result.map (fun (cli, oauth, m2m) ->
                    { CliFile = fun () -> readCliFile cli
                      OAuthCache = fun () -> Store.read oauth
                      M2MCache = fun () -> Store.read m2m })
          Now = now }

    /// <summary>
    /// SPEC §7.2 resolution of a CARTO 3 request, then the host's environment and saved session
    /// (the CARTO CLI's profile, carto-auth's caches); `now` judges expiries. No network.
    /// </summary>
    let resolveCloud
        (host: Host)
        (now: DateTimeOffset)
        (request: CloudRequest)
        : Result<CloudResolved, CloudResolveError> =
        CloudResolve.resolve (cloudLayers host now request)

    /// The CARTO CLI file: the given path, or `~/.carto_credentials.json`.
    let private cliFile (host: Host) (path: string option) : Result<string, ProfileError> =
        match Input.givenOption path with
        | Some path -> Ok path
        | None ->
            Location.cloudPaths host.Platform host.GetVariable
            |> Result.map (fun (cli, _, _) -> cli)
            |> Result.mapError (StoreError.NoLocation >> ProfileError.Store)

    /// What is in the CARTO CLI file now: `None` when there is no file. A file a strict read
    /// refuses is refused here too, with the same message: a save never adopts a planted file.
    let private existing (strict: bool) (path: string) : Result<ReadOnlyMemory<byte> option, ProfileError> =
        let read = readCliFile path

        match read.Content, read.Exposure with
        | Ok _, Some exposure when strict -> Error(ProfileError.Exposed exposure)
        | Ok bytes, _ -> Ok(Some bytes)
        | Error ReadError.NotFound, _ -> Ok None
        | Error e, _ -> Error(ProfileError.Unreadable(path, e))

    /// A directory where another user could replace the file (not sticky, or another's) is
    /// refused before anything is made in it: the next strict read would refuse what was saved.
    let private trustedDirectory (strict: bool) (path: string) : Result<unit, ProfileError> =
        match
            (if strict then
                 Disk.directoryExposure (IO.Path.GetDirectoryName(IO.Path.GetFullPath path))
             else
                 None)
        with
        | Some exposure -> Error(ProfileError.Exposed exposure)
        | None -> Ok()

    /// A read-modify-write of the CARTO CLI file under its lock (SPEC §7.3), so that writers in
    /// other processes run one after another: `change` gets what is there now and gives the new
    /// bytes, or `None` to leave the file as it is.
    let private modifyCliFile
        (host: Host)
        (path: string option)
        (change: string -> ReadOnlyMemory<byte> option -> Result<(byte[] * 'T) option, ProfileError>)
        : Result<(string * 'T) option, ProfileError> =
        result {
            let! target = cliFile host path
            let strict = Resolve.strictPermissions host.GetVariable
            do! Store.ensureParent target |> Result.mapError ProfileError.Store
            do! trustedDirectory strict target

            return!
                FileLock.within
                    target
                    FileLock.wait
                    (fun () ->
                        result {
                            let! before = existing strict target

                            match! change target before with
                            | None -> return None
                            | Some(bytes, answer) ->
                                let! written = Store.write target bytes |> Result.mapError ProfileError.Store
                                return Some(written, answer)
                        })
                    ProfileError.Store
        }

    /// <summary>
    /// SPEC §7.3: writes an access token as a profile of the CARTO CLI file (the given path, else
    /// `~/.carto_credentials.json`), keeping every other profile and key, atomically and privately,
    /// under the file's lock. A file that is not a CARTO CLI file is never overwritten. Returns the
    /// path and the profile.
    /// </summary>
    let saveProfile
        (host: Host)
        (profile: string option)
        (path: string option)
        (credentials: CloudCredentials)
        : Result<string * string, ProfileError> =
        modifyCliFile host path (fun target before ->
            CliProfiles.save target before profile credentials |> Result.map (fun (bytes, name) -> Some(bytes, name)))
        |> Result.map Option.get

    /// Removes a profile of the CARTO CLI file (the current one when none is named), keeping every
    /// other, under the file's lock; `None` when there was no such profile or no file.
    let deleteProfile
        (host: Host)
        (profile: string option)
        (path: string option)
        : Result<(string * string) option, ProfileError> =
        match cliFile host path with
        | Error e -> Error e
        | Ok target when not (IO.Path.Exists target) -> Ok None // no file: nothing to lock or change
        | Ok _ ->
            modifyCliFile host path (fun target before ->
                match before with
                | None -> Ok None
                | Some bytes -> CliProfiles.delete target bytes profile)

    /// The credentials in a file: the given path, or the saved session when none is given.
    /// Either way the file was asked for, so a missing one is an error.
    let load (host: Host) (path: string option) : Result<Resolved, ResolveError> =
        match Input.givenOption path with
        | Some path -> Resolve.first [ Layer.File, (fun () -> Resolve.fileLayer (Some(fun () -> Store.read path))) ]
        | None ->
            Resolve.first
                [ Layer.SavedSession,
                  (fun () ->
                      Resolve.requiredSavedSession (Resolve.strictPermissions host.GetVariable) (fun () ->
                          Store.readSavedSession host)) ]

    /// Where `save` writes when given no path: `creds.json` at the default location.
    let defaultPath (host: Host) : Result<string, LocationError> = Location.defaultPath host.Platform host.GetVariable

    let private target host path =
        match Input.givenOption path with
        | Some path -> Ok path
        | None -> defaultPath host |> Result.mapError StoreError.NoLocation

    /// Saves to the given path or the default location; returns the full path written.
    let save (host: Host) (path: string option) (credentials: Credentials) : Result<string, StoreError> =
        target host path |> Result.bind (fun p -> Store.save p credentials)

    /// Deletes the given file, or the saved session (with its legacy `cartocreds.json`, which
    /// would otherwise be read in its place); true when a file was removed.
    let delete (host: Host) (path: string option) : Result<bool, StoreError> =
        match Input.givenOption path with
        | Some path -> Store.delete path
        | None ->
            target host None
            |> Result.bind (fun current ->
                Store.delete current
                |> Result.bind (fun removed ->
                    Store.delete (Location.legacyPath host.Platform current)
                    |> Result.map (fun legacyRemoved -> removed || legacyRemoved)))

    /// The credentials that a `DefaultSource` names.
    let ofDefaultSource (host: Host) (source: DefaultSource) : Result<Resolved, ResolveError> =
        match source with
        | DefaultSource.Values arguments -> Resolve.fromArguments arguments
        | DefaultSource.File path -> load host (Some path)
        | DefaultSource.SavedSession -> load host None
