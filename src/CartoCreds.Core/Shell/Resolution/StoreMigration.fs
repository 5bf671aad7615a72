namespace CartoCreds.Core

open System

/// <summary>
/// SPEC §11's `config store migrate` (the plan in `Migration`): the legacy saved session and the
/// tokens of the CARTO CLI file's profiles are copied to the new store and read back; then the
/// setting is written; only then are they removed from where they were. A failure before the
/// setting changes nothing that is read; one after it leaves a copy in the old place, reported.
/// </summary>
[<RequireQualifiedAccess>]
module StoreMigration =

    /// Where `store` keeps the legacy saved session on this host.
    let private sessionPlace (host: Host) (store: SecretStore) : Result<Place, MigrationError> =
        match store with
        | SecretStore.Keychain -> Ok(SecretStores.keychainPlace host)
        | SecretStore.File ->
            Shell.defaultPath host
            |> Result.map Place.File
            |> Result.mapError (StoreError.NoLocation >> MigrationError.Setting)

    /// The legacy saved session as kept in `store`.
    let private readFrom (host: Host) (store: SecretStore) : Result<FileRead, MigrationError> =
        match store with
        | SecretStore.Keychain -> Ok(SecretStores.readKeychainSession host)
        | SecretStore.File ->
            CodecDisk.readSavedSession host |> Result.mapError (StoreError.NoLocation >> MigrationError.Setting)

    let private writeTo (host: Host) (store: SecretStore) (bytes: byte[]) : Result<Place, MigrationError> =
        match store with
        | SecretStore.Keychain -> SecretStores.copyToKeychain host bytes
        | SecretStore.File ->
            Shell.defaultPath host
            |> Result.mapError StoreError.NoLocation
            |> Result.bind (fun path -> CodecDisk.write path bytes)
            |> Result.map Place.File
            |> Result.mapError MigrationError.Setting

    /// Copies the saved session from the other store to `target` and reads it back, removing
    /// nothing: where it was, and where it is now; `None` when there was none.
    let private copySession (host: Host) (target: SecretStore) =
        let source = Migration.source target

        sessionPlace host source
        |> Result.bind (fun from ->
            readFrom host source
            |> Result.bind (fun read ->
                match read.Content with
                | Error(ReadError.NotFound | ReadError.NoItem) -> Ok None
                | Error(ReadError.SecretStore problem) -> Error(MigrationError.Store problem)
                | Error e -> Error(MigrationError.Unreadable(from, e))
                | Ok bytes ->
                    let bytes = bytes.ToArray()

                    match writeTo host target bytes with
                    | Error e -> Error(MigrationError.NotWritten(e, from))
                    | Ok place ->
                        match readFrom host target |> Result.map _.Content with
                        | Ok(Ok back) when back.Span.SequenceEqual(ReadOnlySpan bytes) -> Ok(Some(from, place))
                        | _ -> Error(MigrationError.NotGivenBack(Migrated.Session, place, from))))

    /// Moves the saved secrets to `target`: what moved, or why nothing did.
    let run (host: Host) (target: SecretStore) : Result<MigrationReport, MigrationError> =
        let source = Migration.source target

        copySession host target
        |> Result.bind (fun session -> ProfileTokens.copy host target |> Result.map (fun tokens -> session, tokens))
        |> Result.bind (fun (session, tokens) ->
            SecretStores.writeChoice host target
            |> Result.mapError MigrationError.Setting
            |> Result.map (fun settingPath ->
                let sessionCleared =
                    match session with
                    | None -> []
                    | Some _ ->
                        match Shell.delete (Host.withStore source host) None with
                        | Ok _ -> []
                        | Error e -> [ Migrated.Session, MigrationError.Setting e ]

                let tokensCleared =
                    match ProfileTokens.clear host tokens with
                    | Ok() -> []
                    | Error e -> [ Migrated.Tokens, e ]

                let keychain = SecretStores.keychainPlace host

                let from, into =
                    match target with
                    | SecretStore.Keychain -> Place.File tokens.Path, keychain
                    | SecretStore.File -> keychain, Place.File tokens.Path

                { Target = target
                  Session = session
                  Tokens = List.map fst tokens.Tokens, from, into
                  SettingPath = settingPath
                  LeftBehind = sessionCleared @ tokensCleared }))
