namespace CartoCreds.Core

open System

/// What a CARTO 3 source gives, before SPEC §7's validation: a token, or a client id and secret,
/// with an API base URL or a tenant id; an expiry where a token cache says one.
type CloudInput =
    { Token: string option
      ClientId: string option
      ClientSecret: string option
      ApiBaseUrl: string option
      TenantId: string option
      Expiration: DateTimeOffset option }

    static member Empty =
        { Token = None
          ClientId = None
          ClientSecret = None
          ApiBaseUrl = None
          TenantId = None
          Expiration = None }

/// The CARTO 3 files (SPEC §7.2, §7.3), told apart by their keys.
[<RequireQualifiedAccess>]
type CloudFile =
    /// carto-auth's machine-to-machine file: `{"api_base_url", "client_id", "client_secret"}`.
    | ClientCredentials of CloudInput
    /// The CARTO CLI's `~/.carto_credentials.json`: named profiles and the current one (the old
    /// format, one profile's keys at the root, reads as a profile named `default`).
    | Profiles of current: string option * profiles: (string * CloudInput) list
    /// carto-auth's token cache: `{"api_base_url", "access_token", "expiration"}`.
    | TokenCache of CloudInput

/// Decoders of the CARTO 3 files: plain functions over a parsed document that name the path of a
/// bad field, as `Decode` does for the CARTOframes file.
[<RequireQualifiedAccess>]
module CloudFile =

    /// The most of a CARTO CLI file that is read (SPEC §7.3): it holds a profile per login, so it
    /// may grow past §4's 64 KiB, which carto-auth's files keep.
    [<Literal>]
    let MaxCliFileSize = 1048576

    /// An optional string field; null counts as absent.
    let private text (name: string) : Decoder<string option> = Decode.optionalNullableField name Decode.string

    // Each field's decoder made once, not once a profile.
    let private tokenField = text "token"
    let private accessTokenField = text "access_token"
    let private clientIdField = text "client_id"
    let private clientSecretField = text "client_secret"
    let private apiBaseUrlField = text "api_base_url"
    let private tenantIdField = text "tenant_id"
    let private currentProfileField = text "current_profile"
    let private expirationField = Decode.optionalNullableField "expiration" Decode.epochSeconds

    let private input: Decoder<CloudInput> =
        fun value ->
            result {
                let! token = tokenField value
                let! accessToken = accessTokenField value
                let! clientId = clientIdField value
                let! clientSecret = clientSecretField value
                let! apiBaseUrl = apiBaseUrlField value
                let! tenantId = tenantIdField value
                let! expiration = expirationField value

                return
                    { Token = Option.orElse accessToken token
                      ClientId = clientId
                      ClientSecret = clientSecret
                      ApiBaseUrl = apiBaseUrl
                      TenantId = tenantId
                      Expiration = expiration }
            }

    /// A profile: an object of a CARTO CLI file's keys.
    let private profile: Decoder<CloudInput> =
        fun value ->
            match value with
            | Json.Object _ -> input value
            | other -> Error(DecodeError.BadField("", "an object", Json.kind other))

    let private profiles (root: Json) : Result<CloudFile, DecodeError> =
        result {
            let! current = currentProfileField root

            let! named =
                match Decode.child "profiles" root with
                | Json.Object _ as all -> Decode.keyValuePairs profile all |> Result.mapError (Decode.under ".profiles")
                | other -> Error(DecodeError.BadField(".profiles", "an object", Json.kind other))

            return CloudFile.Profiles(current, named)
        }

    let private ofRoot (root: Json) : Result<CloudFile, DecodeError> =
        let has name = Decode.has name root

        match root with
        | Json.Object _ when has "profiles" -> profiles root
        | Json.Object _ when has "client_id" || has "client_secret" ->
            input root |> Result.map CloudFile.ClientCredentials
        | Json.Object _ when has "access_token" -> input root |> Result.map CloudFile.TokenCache
        | Json.Object _ when has "token" || has "tenant_id" ->
            input root |> Result.map (fun p -> CloudFile.Profiles(Some "default", [ "default", p ]))
        | Json.Object _ when has "api_key" || has "username" || has "base_url" -> Error DecodeError.LegacyCredentials
        | Json.Object _ ->
            Error(
                DecodeError.BadField(
                    "",
                    "carto-auth's or the CARTO CLI's keys (client_id, access_token, profiles or token)",
                    "none of them"
                )
            )
        | other -> Error(DecodeError.NotAnObject(Json.kind other))

    /// <summary>
    /// Decodes a CARTO 3 file's bytes by the decoders every file shares (UTF-8, a byte-order mark
    /// skipped, a repeated key read last). Never throws.
    /// </summary>
    let decode (bytes: ReadOnlyMemory<byte>) : Result<CloudFile, DecodeError> = Decode.fromBytes ofRoot bytes
