namespace CartoCreds.Core

open System

/// Where a saved profile's token is kept (SPEC §11): in the CARTO CLI file with the rest of the
/// profile, or elsewhere (the keychain), the file keeping everything but the token.
[<RequireQualifiedAccess>]
type TokenPlace =
    | InFile
    | Elsewhere

/// SPEC §7.3: one profile of the CARTO CLI file written or removed, every other profile and every
/// key it does not know kept as it was. Pure: bytes in, bytes out.
[<RequireQualifiedAccess>]
module CliProfiles =

    open CliProfileTree

    [<Literal>]
    let DefaultProfile = CliProfileTree.DefaultProfile

    let private expiresAt (at: DateTimeOffset) =
        Json.String(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Globalization.CultureInfo.InvariantCulture))

    /// A profile's fields with its token kept (`Some`) or taken out (`None`). A token taken out
    /// leaves its expiry, when the token says one, as `expires_at`, so that `cloud list` still
    /// tells when it ends; an expiry it does not say is removed rather than left stale.
    let private withToken (token: string option) (expiry: DateTimeOffset option) (fields: struct (string * Json)[]) =
        match token with
        | Some token -> fields |> set "token" (Json.String token)
        | None ->
            let fields = fields |> remove "token"

            match expiry with
            | Some at -> fields |> set "expires_at" (expiresAt at)
            | None -> fields |> remove "expires_at"

    /// <summary>
    /// The file with the profile set to the token (or, with `TokenPlace.Elsewhere`, everything
    /// but the token) and its API base URL (`tenant_id` when the URL is a tenant's, else
    /// `api_base_url`), and the `extra` keys (a login's `user_email`, …); with no name, the
    /// current profile, else `default`, made current when there was none. Every other profile
    /// and key is kept as it was. Returns the new bytes and the profile written.
    /// </summary>
    let saveTo
        (place: TokenPlace)
        (extra: (string * Json) list)
        (path: string)
        (existing: ReadOnlyMemory<byte> option)
        (profile: string option)
        (credentials: CloudCredentials)
        : Result<byte[] * string, ProfileError> =
        parse path existing
        |> Result.bind (fun root ->
            match credentials.Grant with
            | Grant.ClientCredentials _ -> Error ProfileError.NotAToken
            | Grant.AccessToken(token, _) ->
                let name =
                    Input.givenOption profile |> Option.orElse (currentOf root) |> Option.defaultValue DefaultProfile

                let profiles = fieldsOf (Decode.child "profiles" root)

                let kept =
                    match place with
                    | TokenPlace.InFile -> Some(CloudText.value token)
                    | TokenPlace.Elsewhere -> None

                let entry =
                    fieldsOf (Decode.child name (Json.Object profiles))
                    |> withToken kept (Jwt.expiry (CloudText.value token))

                let entry =
                    match ApiBaseUrl.tenant credentials.ApiBaseUrl with
                    | Some tenant -> entry |> set "tenant_id" (Json.String tenant) |> remove "api_base_url"
                    | None -> entry |> set "api_base_url" (Json.String(ApiBaseUrl.value credentials.ApiBaseUrl))

                let entry = extra |> List.fold (fun fields (name, value) -> set name value fields) entry

                let fields = fieldsOf root |> set "profiles" (Json.Object(profiles |> set name (Json.Object entry)))

                let fields =
                    if (currentOf root).IsNone then
                        fields |> set "current_profile" (Json.String name)
                    else
                        fields

                write path (Json.Object fields) |> Result.map (fun bytes -> bytes, name))

    /// `saveTo` the file.
    let saveWith extra path existing profile credentials =
        saveTo TokenPlace.InFile extra path existing profile credentials

    /// `saveWith` no extra keys.
    let save path existing profile credentials = saveWith [] path existing profile credentials

    /// <summary>
    /// SPEC §11's migration: the file with the tokens of the profiles named set (`Some`) or taken
    /// out (`None`, as `saveTo` with `TokenPlace.Elsewhere` does); every other key kept. A
    /// profile the file does not hold is left out.
    /// </summary>
    let setTokens
        (path: string)
        (existing: ReadOnlyMemory<byte>)
        (tokens: (string * string option) list)
        : Result<byte[], ProfileError> =
        parse path (Some existing)
        |> Result.bind (fun root ->
            let profiles = fieldsOf (Decode.child "profiles" root)

            let changed =
                tokens
                |> List.fold
                    (fun profiles (name, token) ->
                        match Decode.child name (Json.Object profiles) with
                        | Json.Object entry ->
                            let expiry =
                                match Decode.optionalField "token" Decode.string (Json.Object entry) with
                                | Ok(Some old) -> Jwt.expiry old
                                | _ -> None

                            // A token that says no expiry leaves `expires_at` as the file has it.
                            let entry =
                                match token, expiry with
                                | None, None -> remove "token" entry
                                | _ -> withToken token expiry entry

                            profiles |> set name (Json.Object entry)
                        | _ -> profiles)
                    profiles

            write path (Json.Object(fieldsOf root |> set "profiles" (Json.Object changed))))

    /// The file without the profile (the current one when none is named; a current profile
    /// removed is current no more); `None` when there was no such profile.
    let delete
        (path: string)
        (existing: ReadOnlyMemory<byte>)
        (profile: string option)
        : Result<(byte[] * string) option, ProfileError> =
        parse path (Some existing)
        |> Result.bind (fun root ->
            let current = currentOf root

            match Input.givenOption profile |> Option.orElse current, Decode.child "profiles" root with
            | Some name, (Json.Object profiles as all) when Decode.has name all ->
                let fields = fieldsOf root |> set "profiles" (Json.Object(remove name profiles))
                let fields = if Option.contains name current then remove "current_profile" fields else fields
                write path (Json.Object fields) |> Result.map (fun bytes -> Some(bytes, name))
            | _ -> Ok None)

    /// <summary>
    /// SPEC §7.6: the file with `name` as its `current_profile`, every profile and key kept as it
    /// was; a name the file does not hold is an error listing the ones it does.
    /// </summary>
    let makeCurrent
        (path: string)
        (existing: ReadOnlyMemory<byte> option)
        (name: string)
        : Result<byte[], ProfileError> =
        parse path existing
        |> Result.bind (fun root ->
            let profiles = Decode.child "profiles" root

            if Decode.has name profiles then
                write path (Json.Object(fieldsOf root |> set "current_profile" (Json.String name)))
            else
                let available = fieldsOf profiles |> Array.map (fun (struct (n, _)) -> n) |> Array.distinct
                Error(ProfileError.NoSuchProfile(path, name, List.ofArray available)))
