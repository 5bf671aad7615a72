namespace CartoCreds.Core

open System
open System.Text

/// What `ProfileTokens.copy` copied to a store, for `ProfileTokens.clear` to remove from the other.
type CopiedTokens =
    {
        /// The store the tokens were copied to.
        Target: SecretStore
        /// The CARTO CLI file.
        Path: string
        /// Each profile with the token copied: only a token still the same is removed from the old place.
        Tokens: (string * string) list
    }

/// <summary>
/// SPEC §11 for CARTO 3: with the keychain store, a profile of the CARTO CLI file keeps everything
/// but its token in the file, and the token in the keychain (an item of kind `profile-token`, its
/// account the profile). Only the default file does so: a file named by path is written as asked,
/// as `save PATH` writes a file. A token found in the file is used before the keychain's.
/// </summary>
[<RequireQualifiedAccess>]
module ProfileTokens =

    let private keychainError (e: KeychainError) = ProfileError.Store(StoreError.SecretStore(StoreProblem.Keychain e))

    let private find host profile =
        SecretStores.wait (fun () -> (SecretStores.keychain host).Find(KeychainItem.profileToken profile ""))

    let private keep (host: Host) (profile: string) (url: string) (token: string) =
        SecretStores.wait (fun () -> (SecretStores.keychain host).Save(KeychainItem.profileToken profile url, token))

    let private forget (host: Host) (profile: string) =
        SecretStores.wait (fun () -> (SecretStores.keychain host).Delete(KeychainItem.profileToken profile ""))

    /// Whether a save to or a delete from the CARTO CLI file at `path` keeps the token in the
    /// keychain: the default file, with the keychain store chosen.
    let inKeychain (host: Host) (path: string option) : Result<bool, ProfileError> =
        match Input.givenOption path with
        | Some _ -> Ok false
        | None ->
            SecretStores.choice host
            |> Result.map (fun choice -> choice.Store = SecretStore.Keychain)
            |> Result.mapError (StoreProblem.Setting >> StoreError.SecretStore >> ProfileError.Store)

    /// A profile's token in the keychain, as a read of a file gives its bytes.
    let read (host: Host) (profile: string) : FileRead =
        SecretStores.asRead (ValueMessages.place (SecretStores.keychainPlace host)) (find host profile)

    /// The saved session's lookup (`CloudSaved.KeychainToken`): a profile's token from the
    /// keychain when that store is chosen; `None` with the file store, so no keychain is asked.
    /// The choice is read at the first lookup, which comes only for a profile with no token.
    let lookup (host: Host) : string -> FileRead option =
        let choice = lazy (SecretStores.choice host)

        fun profile ->
            match choice.Value with
            | Ok { Store = SecretStore.File } -> None
            | Ok _ -> Some(read host profile)
            | Error setting ->
                Some
                    { Path = "the secret store"
                      Content = Error(ReadError.SecretStore(StoreProblem.Setting setting))
                      Exposure = None }

    /// <summary>
    /// SPEC §7.3 and §11: saves an access token as a profile of the CARTO CLI file, with the
    /// `extra` keys. With the keychain store and the default file, the token goes to the keychain
    /// first, then the file without it, under the file's lock: a failure of either leaves the file
    /// as it was. Returns the path and the profile.
    /// </summary>
    let saveWith extra (host: Host) (profile: string option) (path: string option) (credentials: CloudCredentials) =
        inKeychain host path
        |> Result.bind (fun keychain ->
            let toKeychain =
                match credentials.Grant with
                | Grant.AccessToken(token, _) when keychain ->
                    Some(fun name ->
                        keep host name (ApiBaseUrl.value credentials.ApiBaseUrl) (CloudText.value token)
                        |> Result.mapError keychainError)
                | _ -> None

            CliProfilesDisk.saveTo toKeychain extra host profile path credentials)

    /// `saveWith` no extra keys.
    let save host profile path credentials = saveWith [] host profile path credentials

    /// Removes a profile of the CARTO CLI file and, with the keychain store, its token in the
    /// keychain (first: a keychain that cannot be reached leaves the file as it was).
    let delete (host: Host) (profile: string option) (path: string option) =
        inKeychain host path
        |> Result.bind (fun keychain ->
            let forget name =
                if keychain then
                    forget host name |> Result.map ignore |> Result.mapError keychainError
                else
                    Ok()

            CliProfilesDisk.deleteWith forget host profile path)

    /// The profiles of the file (a repeated name counts once, the last).
    let private profilesOf (path: string) (bytes: ReadOnlyMemory<byte>) =
        match CloudFile.decode bytes with
        | Ok(CloudFile.Profiles(_, profiles)) -> Ok(profiles |> List.rev |> List.distinctBy fst |> List.rev)
        | Ok _ -> Error(MigrationError.NotACliFile path)
        | Error e -> Error(MigrationError.Profiles(ProfileError.NotACliFile(path, e)))

    let private given (value: string option) = (Input.givenOption value).IsSome

    /// The tokens in the file of the profiles with one, with their URLs.
    let private inFile (path: string) (bytes: ReadOnlyMemory<byte>) =
        profilesOf path bytes
        |> Result.map (
            List.choose (fun (name, input) ->
                match input.Token with
                | Some token when given input.Token && not (given input.ClientId) ->
                    let url =
                        match CloudSource.credentials input with
                        | Ok c -> ApiBaseUrl.value c.ApiBaseUrl
                        | Error _ -> ""

                    Some(name, token, url)
                | _ -> None)
        )

    let private keychainFailed (e: KeychainError) = MigrationError.Store(StoreProblem.Keychain e)

    /// Copies each token of `tokens` to the keychain and reads it back.
    let private copyToKeychain (host: Host) (path: string) (tokens: (string * string * string) list) =
        let keychain = SecretStores.keychainPlace host

        tokens
        |> List.fold
            (fun copied (name, token, url) ->
                copied
                |> Result.bind (fun copied ->
                    match keep host name url token |> Result.bind (fun () -> find host name) with
                    | Ok(Some back) when back = token -> Ok(copied @ [ name, token ])
                    | Ok _ -> Error(MigrationError.NotGivenBack(Migrated.Tokens, keychain, Place.File path))
                    | Error e -> Error(keychainFailed e)))
            (Ok [])

    /// The keychain's tokens of the file's profiles that hold none.
    let private fromKeychain (host: Host) (path: string) (bytes: ReadOnlyMemory<byte>) =
        profilesOf path bytes
        |> Result.bind (fun profiles ->
            profiles
            |> List.filter (fun (_, input) -> CloudSource.holdsNoSecret input)
            |> List.fold
                (fun found (name, _) ->
                    found
                    |> Result.bind (fun found ->
                        match find host name with
                        | Ok(Some token) -> Ok(found @ [ name, token ])
                        | Ok None -> Ok found
                        | Error e -> Error(keychainFailed e)))
                (Ok []))

    /// <summary>
    /// SPEC §11's migration of the default CARTO CLI file's tokens, first step: copies them to
    /// `target` and reads them back, taking nothing from where they were. To the keychain: each
    /// token in the file, as an item read back. To the file: each keychain token of a profile that
    /// holds none, written under the file's lock and read back. A failure loses nothing.
    /// </summary>
    let copy (host: Host) (target: SecretStore) : Result<CopiedTokens, MigrationError> =
        let location = CliProfilesDisk.location host None |> Result.mapError MigrationError.Profiles

        let existing path =
            CliProfilesDisk.existing (Resolve.strictPermissions host.GetVariable) path
            |> Result.mapError MigrationError.Profiles

        location
        |> Result.bind (fun path ->
            let copied tokens = { Target = target; Path = path; Tokens = tokens }

            match target, existing path with
            | _, Error e -> Error e
            | _, Ok None -> Ok(copied [])
            | SecretStore.Keychain, Ok(Some bytes) ->
                inFile path bytes |> Result.bind (copyToKeychain host path) |> Result.map copied
            | SecretStore.File, Ok(Some _) ->
                // The keychain's failure, kept apart from the file's while the file is locked.
                let keychainError = ref None

                let written =
                    CliProfilesDisk.update host None (fun target before ->
                        match before with
                        | None -> Ok None
                        | Some bytes ->
                            match fromKeychain host target bytes with
                            | Error e ->
                                keychainError.Value <- Some e
                                Ok None
                            | Ok [] -> Ok None
                            | Ok found ->
                                CliProfiles.setTokens target bytes (found |> List.map (fun (n, t) -> n, Some t))
                                |> Result.map (fun bytes -> Some(bytes, found)))

                match keychainError.Value, written with
                | Some e, _ -> Error e
                | None, Error e -> Error(MigrationError.Profiles e)
                | None, Ok written ->
                    let found = written |> Option.map snd |> Option.defaultValue []

                    match existing path |> Result.map (Option.map (inFile path)) with
                    | Ok(Some(Ok back)) when
                        found |> List.forall (fun (n, t) -> back |> List.exists (fun (m, u, _) -> m = n && u = t))
                        ->
                        Ok(copied found)
                    | _ when found.IsEmpty -> Ok(copied [])
                    | _ ->
                        Error(
                            MigrationError.NotGivenBack(
                                Migrated.Tokens,
                                Place.File path,
                                SecretStores.keychainPlace host
                            )
                        ))

    /// <summary>
    /// The migration's last step, once the setting names the new store: removes from the old
    /// place each token copied, when it is still the one copied (a token saved meanwhile is kept).
    /// </summary>
    let clear (host: Host) (copied: CopiedTokens) : Result<unit, MigrationError> =
        match copied.Target, copied.Tokens with
        | _, [] -> Ok()
        | SecretStore.File, tokens ->
            tokens
            |> List.fold
                (fun result (name, token) ->
                    result
                    |> Result.bind (fun () ->
                        match find host name with
                        | Ok(Some now) when now <> token -> Ok()
                        | Ok _ -> forget host name |> Result.map ignore |> Result.mapError keychainFailed
                        | Error e -> Error(keychainFailed e)))
                (Ok())
        | SecretStore.Keychain, tokens ->
            CliProfilesDisk.update host None (fun target before ->
                match before with
                | None -> Ok None
                | Some bytes ->
                    match inFile target bytes with
                    | Error _ -> Ok None
                    | Ok now ->
                        let same =
                            tokens |> List.filter (fun (n, t) -> now |> List.exists (fun (m, u, _) -> m = n && u = t))

                        CliProfiles.setTokens target bytes (same |> List.map (fun (n, _) -> n, None))
                        |> Result.map (fun bytes -> Some(bytes, ())))
            |> Result.map ignore
            |> Result.mapError MigrationError.Profiles
