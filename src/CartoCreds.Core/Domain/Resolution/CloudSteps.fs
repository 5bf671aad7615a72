namespace CartoCreds.Core

open System

/// SPEC §7.2: what each CARTO 3 layer gives, as `Resolve`'s steps do for §2. Pure.
[<RequireQualifiedAccess>]
module CloudSteps =

    let private presentAt
        (origin: Origin)
        warnings
        (result: Result<CloudCredentials, LayerProblem>)
        : Outcome<CloudCredentials> =
        match result with
        | Ok credentials -> Outcome.Present(Ok { Credentials = credentials; Origin = origin; Warnings = warnings })
        | Error problem ->
            Outcome.Present(
                Error(ResolveError.InvalidLayer(CredentialsKind.Cloud, origin.Layer, origin.Where, problem))
            )

    let private present layer location warnings result = presentAt (Origin.At(layer, location)) warnings result

    /// "token, api_base_url": the names of the values given, in a fixed order.
    let private names (pairs: (string * string option) list) =
        pairs
        |> List.choose (fun (name, value) -> Input.givenOption value |> Option.map (fun _ -> name))
        |> String.concat ", "

    /// A values layer: absent when nothing is given; an API base URL alone is an error.
    let private valuesLayer layer (absent: Absence) (location: string) (input: CloudInput) : Outcome<CloudCredentials> =
        match Input.givenOption input.Token, Input.givenOption input.ClientId, Input.givenOption input.ClientSecret with
        | None, None, None when (Input.givenOption input.ApiBaseUrl).IsNone -> Outcome.Absent absent
        | _ -> CloudSource.credentials input |> present layer (Some location) []

    /// Layer 1: a value handed over whole.
    let explicitLayer (credentials: CloudCredentials option) : Outcome<CloudCredentials> =
        match credentials with
        | Some c -> present Layer.Explicit None [] (Ok c)
        | None -> Outcome.Absent Absence.NoneGiven

    /// Layer 2: `token`, or `client_id` + `client_secret`, with `api_base_url` or `tenant_id`.
    let argumentsLayer (arguments: CloudArguments) : Outcome<CloudCredentials> =
        let values = { arguments.Values with Expiration = None }

        let location =
            names
                [ "token", values.Token
                  "client_id", values.ClientId
                  "client_secret", values.ClientSecret
                  "api_base_url", values.ApiBaseUrl
                  "tenant_id", values.TenantId ]

        valuesLayer Layer.Arguments Absence.NoTokenOrClient location values

    /// The profile of a CARTO CLI file: the one asked for, else the current one.
    let private profile (asked: string option) (current: string option) (profiles: (string * CloudInput) list) =
        match Input.givenOption asked |> Option.orElse (Input.givenOption current) with
        | None -> Error LayerProblem.NoProfile
        | Some name ->
            match List.tryFind (fst >> (=) name) profiles with
            | Some(_, input) -> Ok(name, input)
            | None -> Error(LayerProblem.NoSuchProfile name)

    /// A saved profile that holds no token or client: its token from the keychain, when the store
    /// is the keychain (SPEC §11); the keychain not answering makes the layer absent, with why.
    let private withKeychainToken
        (keychain: string -> FileRead option)
        (origin: Origin)
        (name: string)
        (input: CloudInput)
        warnings
        : Outcome<CloudCredentials> =
        let problem p = present origin.Layer origin.Location [] (Error p)

        match keychain name with
        | None -> problem (LayerProblem.NoProfileToken(name, None))
        | Some read ->
            match read.Content with
            | Error(ReadError.NotFound | ReadError.NoItem) ->
                problem (LayerProblem.NoProfileToken(name, Some read.Path))
            | Error(ReadError.SecretStore reason) -> Outcome.Absent(Absence.StoreUnavailable(read.Path, reason))
            | Error e -> problem (LayerProblem.Unreadable e)
            | Ok bytes ->
                let token = Text.Encoding.UTF8.GetString bytes.Span

                let origin =
                    { origin with
                        Location = origin.Location |> Option.map (fun path -> path + " and " + read.Path) }

                CloudSource.credentials { input with Token = Some token } |> presentAt origin warnings

    /// A file that was asked for: carto-auth's file or the CARTO CLI's, told apart by their keys;
    /// `keychain` gives the token of a saved profile that holds none (the saved session's only).
    let private fileContentOf
        decoded
        layer
        (keychain: (string -> FileRead option) option)
        (profileName: string option)
        (read: FileRead)
        : Outcome<CloudCredentials> =
        let warnings = read.Exposure |> Option.map Warning.Exposed |> Option.toList

        match read.Content with
        | Error e -> present layer (Some read.Path) [] (Error(LayerProblem.Unreadable e))
        | Ok bytes ->
            match decoded |> Option.defaultWith (fun () -> CloudFile.decode bytes) with
            | Error e -> present layer (Some read.Path) [] (Error(LayerProblem.Undecodable e))
            | Ok(CloudFile.ClientCredentials _ | CloudFile.TokenCache _) when bytes.Length > Codec.MaxFileSize ->
                // Only the CARTO CLI's file may pass §4's bound: it was read to its own.
                let tooLarge = ReadError.TooLarge(int64 bytes.Length, Codec.MaxFileSize)
                present layer (Some read.Path) [] (Error(LayerProblem.Unreadable tooLarge))
            | Ok(CloudFile.ClientCredentials input)
            | Ok(CloudFile.TokenCache input) -> CloudSource.credentials input |> present layer (Some read.Path) warnings
            | Ok(CloudFile.Profiles(current, profiles)) ->
                match profile profileName current profiles with
                | Error problem -> present layer (Some read.Path) [] (Error problem)
                | Ok(name, input) ->
                    let origin = { Layer = layer; Location = Some read.Path; Profile = Some name }

                    match keychain with
                    | Some keychain when CloudSource.holdsNoSecret input ->
                        withKeychainToken keychain origin name input warnings
                    | _ -> CloudSource.credentials input |> presentAt origin warnings

    /// Layer 3: a file named by path, read only now.
    let fileLayer (profileName: string option) (file: (unit -> FileRead) option) : Outcome<CloudCredentials> =
        match file with
        | None -> Outcome.Absent Absence.NoneGiven
        | Some read -> fileContentOf None Layer.File None profileName (read ())

    /// Layer 4: `CARTO_API_TOKEN`, or `CARTO_CLIENT_ID` + `CARTO_CLIENT_SECRET`, with `CARTO_API_BASE_URL`.
    let environmentLayer (getVariable: string -> string option) : Outcome<CloudCredentials> =
        let read name = getVariable name |> Input.givenOption

        let input =
            { CloudInput.Empty with
                Token = read CloudVariables.Token
                ClientId = read CloudVariables.ClientId
                ClientSecret = read CloudVariables.ClientSecret
                ApiBaseUrl = read CloudVariables.ApiBaseUrl }

        let location =
            names
                [ CloudVariables.Token, input.Token
                  CloudVariables.ClientId, input.ClientId
                  CloudVariables.ClientSecret, input.ClientSecret
                  CloudVariables.ApiBaseUrl, input.ApiBaseUrl ]

        valuesLayer
            Layer.Environment
            (Absence.VariablesNotSet [ CloudVariables.Token; CloudVariables.ClientId; CloudVariables.ClientSecret ])
            location
            input

    /// A token cache while unexpired; refused, as the CARTO CLI file, when `strict` and exposed.
    let private cache
        (strict: bool)
        (now: DateTimeOffset)
        (read: FileRead)
        : Choice<Outcome<CloudCredentials>, Absence> =
        let warnings = read.Exposure |> Option.map Warning.Exposed |> Option.toList

        match read.Content, read.Exposure with
        | Error ReadError.NotFound, _ -> Choice2Of2(Absence.NoSavedFiles [ read.Path ])
        | Error e, _ -> Choice1Of2(present Layer.SavedSession (Some read.Path) [] (Error(LayerProblem.Unreadable e)))
        | Ok _, Some exposure when strict ->
            Choice1Of2(present Layer.SavedSession (Some read.Path) [] (Error(LayerProblem.Exposed exposure)))
        | Ok bytes, _ ->
            match CloudFile.decode bytes with
            | Ok(CloudFile.TokenCache input) ->
                let expiry = input.Token |> Option.bind Jwt.expiry |> Option.orElse input.Expiration

                match expiry with
                | Some at when at <= now -> Choice2Of2(Absence.Expired(read.Path, at))
                | _ -> Choice1Of2(CloudSource.credentials input |> present Layer.SavedSession (Some read.Path) warnings)
            | Ok _ ->
                Choice1Of2(
                    present
                        Layer.SavedSession
                        (Some read.Path)
                        []
                        (Error(LayerProblem.Undecodable(DecodeError.BadField("$", "a token cache", "another file"))))
                )
            | Error e -> Choice1Of2(present Layer.SavedSession (Some read.Path) [] (Error(LayerProblem.Undecodable e)))

    /// carto-auth's caches in turn, each read only when the one before gave nothing; the absence
    /// reported is the most telling one (an expired cache over a CARTO CLI file with no current
    /// profile, that over a missing cache).
    let rec private caches
        (strict: bool)
        (now: DateTimeOffset)
        (reads: (unit -> FileRead) list)
        (why: Absence)
        : Outcome<CloudCredentials> =
        match reads with
        | [] -> Outcome.Absent why
        | next :: rest ->
            match cache strict now (next ()), why with
            | Choice1Of2 outcome, _ -> outcome
            | Choice2Of2(Absence.NoSavedFiles more), Absence.NoSavedFiles seen ->
                caches strict now rest (Absence.NoSavedFiles(seen @ more))
            | Choice2Of2(Absence.Expired _ as expired), (Absence.NoSavedFiles _ | Absence.NoCurrentProfile _) ->
                caches strict now rest expired
            | Choice2Of2 _, earlier -> caches strict now rest earlier

    /// A decoded CARTO CLI file with no current profile (every profile logged out of).
    let private hasNoCurrent (decoded: Result<CloudFile, DecodeError> option) =
        match decoded with
        | Some(Ok(CloudFile.Profiles(current, _))) -> (Input.givenOption current).IsNone
        | _ -> false

    /// Layer 5: the CARTO CLI file's profile (`profile`, else `CARTO_PROFILE`, else its current
    /// one; a named profile that is not there is an error), then carto-auth's caches, unexpired.
    let savedSessionLayer
        (strict: bool)
        (profileName: string option)
        (now: DateTimeOffset)
        (find: unit -> Result<CloudSaved, LocationError>)
        : Outcome<CloudCredentials> =
        match find () with
        | Error e -> Outcome.Absent(Absence.NoHomeDirectory e)
        | Ok saved ->
            let cli = saved.CliFile()
            // Decoded once: to see whether it has a current profile, then to read it.
            let decoded =
                match cli.Content with
                | Ok bytes -> Some(CloudFile.decode bytes)
                | Error _ -> None

            match cli.Content with
            | Error ReadError.NotFound when profileName.IsSome ->
                present
                    Layer.SavedSession
                    (Some cli.Path)
                    []
                    (Error(LayerProblem.NoFileForProfile(cli.Path, profileName.Value)))
            | Error ReadError.NotFound ->
                caches strict now [ saved.OAuthCache; saved.M2MCache ] (Absence.NoSavedFiles [ cli.Path ])
            | Ok _ when profileName.IsNone && hasNoCurrent decoded ->
                caches strict now [ saved.OAuthCache; saved.M2MCache ] (Absence.NoCurrentProfile cli.Path)
            | _ ->
                match fileContentOf decoded Layer.SavedSession (Some saved.KeychainToken) profileName cli with
                | Outcome.Present(Ok resolved) when strict && not resolved.Warnings.IsEmpty ->
                    // The saved session is strict (SPEC §4's strict modes): an exposed file is refused.
                    match resolved.Warnings with
                    | Warning.Exposed e :: _ ->
                        present Layer.SavedSession (Some cli.Path) [] (Error(LayerProblem.Exposed e))
                    | [] -> Outcome.Present(Ok resolved)
                | outcome -> outcome
