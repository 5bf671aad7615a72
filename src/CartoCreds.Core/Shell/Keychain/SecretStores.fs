namespace CartoCreds.Core

open System
open System.Text
open System.Threading.Tasks

/// <summary>
/// SPEC §11 in the shell: which store this host uses (`CARTOCREDS_STORE`, else
/// `{config}/cartocreds/config.json`, else `file`), the host's keychain, and the legacy saved
/// session kept in whichever store is chosen. The keychain is asked only when it is chosen: with
/// the file store, nothing here costs more than reading the setting's small file.
/// </summary>
[<RequireQualifiedAccess>]
module SecretStores =

    /// How long one keychain call may take.
    let timeout = TimeSpan.FromSeconds 5.0

    let configPath (host: Host) = Location.storeConfigPath host.Platform host.GetVariable

    /// The store in use and what chose it: the action's own choice (`Host.Store`), else the
    /// setting; an error names the variable or file that is wrong.
    let choice (host: Host) : Result<StoreChoice, StoreSettingError> =
        match host.Store, host.GetVariable SecretStore.Variable |> Option.bind Input.given with
        | Some store, _ -> Ok { Store = store; ChosenBy = StoreChosenBy.Action }
        | None, (Some _ as variable) -> SecretStore.choose variable None
        | None, None ->
            match configPath host with
            | Error _ -> SecretStore.choose None None
            | Ok path ->
                match (CodecDisk.read path).Content with
                | Error ReadError.NotFound -> SecretStore.choose None None
                | Error e -> Error(StoreSettingError.ConfigUnreadable(path, e))
                | Ok bytes ->
                    SecretStore.decodeConfig path bytes
                    |> Result.bind (fun configured ->
                        SecretStore.choose None (configured |> Option.map (fun store -> path, store)))

    /// Writes the setting (atomic, private); the path written.
    let writeChoice (host: Host) (store: SecretStore) : Result<string, StoreError> =
        configPath host
        |> Result.mapError StoreError.NoLocation
        |> Result.bind (fun path -> CodecDisk.write path (SecretStore.encodeConfig store))

    /// How long a person may take to answer the keyring's unlock prompt.
    let promptWait = TimeSpan.FromMinutes 2.0

    /// `keychain` with every secret it finds bounded (`ReadError.MaxKeychainSecret`): a planted item of
    /// megabytes is an error, never a secret handed on.
    let private bounded (keychain: IKeychain) : IKeychain =
        { new IKeychain with
            member _.Find item =
                task {
                    match! keychain.Find item with
                    | Ok(Some secret) when Encoding.UTF8.GetByteCount secret > ReadError.MaxKeychainSecret ->
                        return
                            Error(
                                KeychainError.TooLarge(
                                    int64 (Encoding.UTF8.GetByteCount secret),
                                    ReadError.MaxKeychainSecret
                                )
                            )
                    | found -> return found
                }

            member _.Save(item, secret) = keychain.Save(item, secret)
            member _.Delete item = keychain.Delete item }

    /// This host's keychain: the Secret Service on the host's session bus, Keychain, or Credential
    /// Manager. The Secret Service's unlock prompt is shown only where there is a display.
    let keychain (host: Host) : IKeychain =
        let platform: IKeychain =
            match host.Platform with
            | Platform.Linux ->
                let display =
                    [ "DISPLAY"; "WAYLAND_DISPLAY" ]
                    |> List.exists (fun name -> host.GetVariable name |> Option.bind Input.given |> Option.isSome)

                SecretServiceKeychain(
                    host.GetVariable "DBUS_SESSION_BUS_ADDRESS" |> Option.bind Input.given,
                    timeout,
                    (if display then Some promptWait else None)
                )
            | Platform.MacOS -> MacKeychain()
            | Platform.Windows -> WindowsCredentialManager()

        bounded platform

    /// A keychain item's secret as a read of a file gives its bytes: an oversized item is the
    /// oversized file's error, any other failure the keychain's.
    let asRead (place: string) (found: Result<string option, KeychainError>) : FileRead =
        let content =
            match found with
            | Ok(Some text) -> Ok(ReadOnlyMemory(Encoding.UTF8.GetBytes text))
            | Ok None -> Error ReadError.NoItem
            | Error(KeychainError.TooLarge(size, limit)) -> Error(ReadError.TooLarge(size, limit))
            | Error e -> Error(ReadError.SecretStore(StoreProblem.Keychain e))

        { Path = place; Content = content; Exposure = None }

    /// This host's keychain, as a place.
    let keychainPlace (host: Host) : Place =
        match host.Platform with
        | Platform.Linux -> Place.Keychain KeychainBackend.SecretService
        | Platform.MacOS -> Place.Keychain KeychainBackend.MacKeychain
        | Platform.Windows -> Place.Keychain KeychainBackend.CredentialManager

    /// A keychain call for a synchronous caller, run on the thread pool: a caller on a UI thread
    /// (a synchronization context) is blocked, but never waited on by the call's continuations.
    let wait (work: unit -> Task<'T>) : 'T = Task.Run<'T>(Func<Task<'T>>(work)).GetAwaiter().GetResult()

    /// The saved session in the keychain, as a read of its file would give it.
    let readKeychainSession (host: Host) : FileRead =
        asRead
            (ValueMessages.place (keychainPlace host))
            (wait (fun () -> (keychain host).Find KeychainItem.legacySession))

    /// The saved session from the store chosen: the keychain's item, or CARTOframes' file.
    let readSavedSession (host: Host) : Result<FileRead, LocationError> =
        match choice host with
        | Ok { Store = SecretStore.Keychain } -> Ok(readKeychainSession host)
        | Ok _ -> CodecDisk.readSavedSession host
        | Error setting ->
            Ok
                { Path = "the secret store"
                  Content = Error(ReadError.SecretStore(StoreProblem.Setting setting))
                  Exposure = None }

    /// Saves `secret`, the saved session of `credentials` as written, in the keychain.
    let private saveKeychain (host: Host) (credentials: Credentials) (secret: string) =
        wait (fun () -> (keychain host).Save(KeychainItem.legacySessionOf credentials, secret))
        |> Result.map (fun () -> keychainPlace host)

    let private keychainFailed (e: KeychainError) = StoreError.SecretStore(StoreProblem.Keychain e)

    /// Saves the session in the keychain; the place, as a save to a file gives its path.
    let saveKeychainSession (host: Host) (credentials: Credentials) : Result<Place, StoreError> =
        saveKeychain host credentials (Encoding.UTF8.GetString(Codec.encode credentials))
        |> Result.mapError keychainFailed

    /// <summary>
    /// Saves the session in the keychain and gives the session it replaced, when one could be
    /// read: one user action, one bound (SPEC §11). A keychain that did not answer the read, or
    /// is not there, is not asked again for the save: its error is the save's.
    /// </summary>
    let replaceKeychainSession
        (host: Host)
        (credentials: Credentials)
        : Result<Place * Credentials option, StoreError> =
        let store = keychain host
        let failed (e: KeychainError) = Error(keychainFailed e)

        match wait (fun () -> store.Find KeychainItem.legacySession) with
        | Error(KeychainError.TimedOut _ | KeychainError.NoSessionBus _ | KeychainError.NoService as e) -> failed e
        | found ->
            let previous =
                match found with
                | Ok(Some text) ->
                    match Codec.decode (ReadOnlyMemory(Encoding.UTF8.GetBytes text)) with
                    | Ok credentials -> Some credentials
                    | Error _ -> None
                | _ -> None

            let secret = Encoding.UTF8.GetString(Codec.encode credentials)

            match wait (fun () -> store.Save(KeychainItem.legacySessionOf credentials, secret)) with
            | Ok() -> Ok(keychainPlace host, previous)
            | Error e -> failed e

    /// Saves a saved session's file, byte for byte (a migration), in the keychain; the place, or
    /// an error when the file holds no session.
    let copyToKeychain (host: Host) (bytes: byte[]) : Result<Place, MigrationError> =
        match Codec.decode (ReadOnlyMemory bytes) with
        | Error e -> Error(MigrationError.NotASession e)
        | Ok credentials ->
            saveKeychain host credentials (Encoding.UTF8.GetString bytes)
            |> Result.mapError (StoreProblem.Keychain >> MigrationError.Store)

    /// Removes the keychain's saved session; true when there was one.
    let deleteKeychainSession (host: Host) : Result<bool, StoreError> =
        wait (fun () -> (keychain host).Delete KeychainItem.legacySession) |> Result.mapError keychainFailed
