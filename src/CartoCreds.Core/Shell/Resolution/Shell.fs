namespace CartoCreds.Core

open System
open Microsoft.Extensions.Logging

/// The impure shell over the pure core: gathers the layers from a `Host` and the disk, calls
/// `Resolve`, and saves or deletes files. Each function takes the host, so callers choose between
/// the process (`Host.current`) and a host of their own (tests, tools).
[<RequireQualifiedAccess>]
module Shell =

    /// The layers of a request as this host supplies them; nothing is read until `Resolve`
    /// reaches a layer.
    let layers (host: Host) (request: LegacyRequest) : LegacyLayers =
        { Explicit = request.Explicit
          Arguments = request.Arguments
          File = Input.givenOption request.CredFile |> Option.map (fun path () -> CodecDisk.read path)
          Environment = host.GetVariable
          SavedSession = fun () -> SecretStores.readSavedSession host
          Now = DateTimeOffset.UnixEpoch }

    /// <summary>
    /// SPEC §2 resolution of a request (a value, arguments, a named file), then the host's
    /// environment and its saved session.
    /// </summary>
    /// <example>
    /// <code>
    /// let request = Request.ofArguments { Arguments.None with Username = Some "ana" }
    ///
    /// match Shell.resolve Host.current request with
    /// | Ok resolved -> printfn "%O from %s" resolved.Credentials (Messages.origin resolved.Origin)
    /// | Error e -> eprintfn "%s" (Messages.resolveError e)
    /// </code>
    /// </example>
    let resolve (host: Host) (request: LegacyRequest) : Result<Resolved<Credentials>, ResolveError> =
        Resolve.resolve (layers host request)

    /// `resolve`, logged (SPEC §10): each layer passed over at Debug, the one used at Information.
    let resolveLogged
        (log: ILogger)
        (host: Host)
        (request: LegacyRequest)
        : Result<Resolved<Credentials>, ResolveError> =
        let struct (result, passed) = Resolve.trace (layers host request)
        Log.resolution log (fun (c: Credentials) -> c.Text) passed result
        result

    /// The CARTO 3 layers of a request as this host supplies them, with `now` for expiries.
    let cloudLayers (host: Host) (now: DateTimeOffset) (request: CloudRequest) : CloudLayers =
        { Explicit = request.Explicit
          Arguments = request.Arguments
          // A named file may be the CARTO CLI's: read to its bound, and held to §4's if it is not.
          File = Input.givenOption request.CredFile |> Option.map (fun path () -> CliProfilesDisk.read path)
          Environment = host.GetVariable
          SavedSession =
            fun () ->
                Location.cloudPaths host.Platform host.GetVariable
                |> Result.map (fun (cli, oauth, m2m) ->
                    { CliFile = fun () -> CliProfilesDisk.read cli
                      OAuthCache = fun () -> CodecDisk.read oauth
                      M2MCache = fun () -> CodecDisk.read m2m
                      KeychainToken = ProfileTokens.lookup host })
          Now = now }

    /// <summary>
    /// SPEC §7.2 resolution of a CARTO 3 request, then the host's environment and saved session
    /// (the CARTO CLI's profile, carto-auth's caches); `now` judges expiries. No network.
    /// </summary>
    let resolveCloud
        (host: Host)
        (now: DateTimeOffset)
        (request: CloudRequest)
        : Result<CloudResolution, ResolveError> =
        CloudResolve.resolve (cloudLayers host now request)

    /// `resolveCloud`, logged as `resolveLogged` is.
    let resolveCloudLogged
        (log: ILogger)
        (host: Host)
        (now: DateTimeOffset)
        (request: CloudRequest)
        : Result<CloudResolution, ResolveError> =
        let struct (result, passed) = CloudResolve.trace (cloudLayers host now request)
        Log.resolution log (fun (c: CloudCredentials) -> c.Text) passed (result |> Result.map _.Resolved)
        result

    /// The credentials in a file: the given path, or the saved session when none is given.
    /// Either way the file was asked for, so a missing one is an error.
    let load (host: Host) (path: string option) : Result<Resolved<Credentials>, ResolveError> =
        match Input.givenOption path with
        | Some path -> Resolve.first [ Layer.File, (fun () -> Resolve.fileLayer (Some(fun () -> CodecDisk.read path))) ]
        | None ->
            Resolve.first
                [ Layer.SavedSession,
                  (fun () ->
                      Resolve.requiredSavedSession (Resolve.strictPermissions host.GetVariable) (fun () ->
                          SecretStores.readSavedSession host)) ]

    /// Where `save` writes when given no path: `creds.json` at the default location.
    let defaultPath (host: Host) : Result<string, LocationError> = Location.defaultPath host.Platform host.GetVariable

    let private target host path =
        match Input.givenOption path with
        | Some path -> Ok path
        | None -> defaultPath host |> Result.mapError StoreError.NoLocation

    /// The store the saved session goes to: the keychain, or CARTOframes' file (SPEC §11).
    let private toKeychain (host: Host) : Result<bool, StoreError> =
        SecretStores.choice host
        |> Result.map (fun choice -> choice.Store = SecretStore.Keychain)
        |> Result.mapError (StoreProblem.Setting >> StoreError.SecretStore)

    /// Where the saved session is kept: `creds.json`'s path, or the keychain.
    let savedPlace (host: Host) : Result<Place, StoreError> =
        toKeychain host
        |> Result.bind (fun keychain ->
            if keychain then
                Ok(SecretStores.keychainPlace host)
            else
                defaultPath host |> Result.map Place.File |> Result.mapError StoreError.NoLocation)

    /// Saves to the given path, or as the saved session in the store chosen (SPEC §11); returns
    /// the file written (its full path), or the keychain.
    let save (host: Host) (path: string option) (credentials: Credentials) : Result<Place, StoreError> =
        match Input.givenOption path with
        | Some path -> CodecDisk.save path credentials |> Result.map Place.File
        | None ->
            toKeychain host
            |> Result.bind (fun keychain ->
                if keychain then
                    SecretStores.saveKeychainSession host credentials
                else
                    target host None |> Result.bind (fun p -> CodecDisk.save p credentials) |> Result.map Place.File)

    /// `save`, giving also the credentials it replaced when they could be read (a save that
    /// replaces another account's session says so). The keychain is asked once for both, within
    /// one bound (SPEC §11).
    let saveReplacing
        (host: Host)
        (path: string option)
        (credentials: Credentials)
        : Result<Place * Credentials option, StoreError> =
        match Input.givenOption path, toKeychain host with
        | None, Ok true -> SecretStores.replaceKeychainSession host credentials
        | _ ->
            let previous =
                match load host path with
                | Ok loaded -> Some loaded.Credentials
                | Error _ -> None

            save host path credentials |> Result.map (fun place -> place, previous)

    /// Deletes the given file, or the saved session in the store chosen (a file, with its legacy
    /// `cartocreds.json`, which would otherwise be read in its place); true when one was removed.
    let delete (host: Host) (path: string option) : Result<bool, StoreError> =
        match Input.givenOption path with
        | Some path -> CodecDisk.delete path
        | None ->
            toKeychain host
            |> Result.bind (fun keychain ->
                if keychain then
                    SecretStores.deleteKeychainSession host
                else
                    target host None
                    |> Result.bind (fun current ->
                        CodecDisk.delete current
                        |> Result.bind (fun removed ->
                            CodecDisk.delete (Location.legacyPath host.Platform current)
                            |> Result.map (fun legacyRemoved -> removed || legacyRemoved))))

    /// The credentials that a `DefaultSource` names.
    let ofDefaultSource (host: Host) (source: DefaultSource) : Result<Resolved<Credentials>, ResolveError> =
        match source with
        | DefaultSource.Values arguments -> Resolve.fromArguments arguments
        | DefaultSource.File path -> load host (Some path)
        | DefaultSource.SavedSession -> load host None
