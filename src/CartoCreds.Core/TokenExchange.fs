namespace CartoCreds.Core

open System
open System.Text
open System.Text.Json

/// An access token and when it expires, when known.
[<Struct>]
type AccessToken =
    { Value: string
      ExpiresOn: DateTimeOffset option }

    /// The token masked, as every text form shows it.
    override this.ToString() = "AccessToken(" + Secret.mask this.Value + ")"

/// Why client credentials could not be exchanged for a token (SPEC §7.4): what the server
/// answered, never the secret.
[<RequireQualifiedAccess>]
type ExchangeError =
    /// The server answered with an error status, and its `error` / `error_description` when given.
    | Refused of status: int * error: string option * description: string option
    /// A success status whose body is not `{"access_token", …}`.
    | UnexpectedAnswer of status: int
    | Unreachable of reason: string
    | TimedOut of seconds: float

/// SPEC §7.4's decisions, without I/O: the request, the reply, when to replace a token, and the
/// name of its cache file.
[<RequireQualifiedAccess>]
module TokenExchange =

    /// `https://auth.carto.com`, unless `CARTO_AUTH_URL` names another.
    [<Literal>]
    let DefaultAuthUrl = "https://auth.carto.com"

    [<Literal>]
    let AuthUrlVariable = "CARTO_AUTH_URL"

    [<Literal>]
    let Audience = "carto-cloud-native-api"

    /// The most of a reply that is read: a token reply is a few kilobytes.
    [<Literal>]
    let MaxReply = 65536

    /// The token server: `CARTO_AUTH_URL` when set (API base URL rules), else the default.
    let authUrl (getVariable: string -> string option) : Result<ApiBaseUrl, CloudValueError> =
        getVariable AuthUrlVariable |> Input.givenOption |> Option.defaultValue DefaultAuthUrl |> ApiBaseUrl.create

    /// How early a token is replaced: 5 minutes before it expires, or half its lifetime when shorter.
    let early = TimeSpan.FromMinutes 5.0

    /// After a failed replacement while the current token is still valid, no retry before this.
    let backOff = TimeSpan.FromSeconds 30.0

    /// The form body of the token request.
    let requestForm (clientId: CloudText) (secret: CloudText) : (string * string) list =
        [ "grant_type", "client_credentials"
          "audience", Audience
          "client_id", CloudText.value clientId
          "client_secret", CloudText.value secret ]

    /// When a token issued at `issued` should be replaced: `early` before it expires, or half its
    /// lifetime when that is shorter; with no known expiry, `early` after it was issued.
    let refreshAt (issued: DateTimeOffset) (token: AccessToken) : DateTimeOffset =
        match token.ExpiresOn with
        | Some expires ->
            let lifetime = expires - issued

            let margin =
                if lifetime < early + early then
                    TimeSpan.FromTicks(lifetime.Ticks / 2L)
                else
                    early

            expires - margin
        | None -> issued + early

    /// When a token of unknown issue time (one read from a cache) should be replaced: `early`
    /// before it expires.
    let refreshAtUnknownIssue (token: AccessToken) : DateTimeOffset =
        match token.ExpiresOn with
        | Some expires -> expires - early
        | None -> DateTimeOffset.MinValue

    /// Whether a token may still be sent at `now`.
    let isValid (now: DateTimeOffset) (token: AccessToken) =
        match token.ExpiresOn with
        | Some expires -> DateTimeOffset.op_LessThan (now, expires) // F#'s generic `<` would box both
        | None -> true

    let private bounded (text: string) = if text.Length > 200 then text.Substring(0, 200) + "…" else text

    let private stringField (root: JsonElement) (name: string) =
        match root.TryGetProperty name with
        | true, value when value.ValueKind = JsonValueKind.String -> Input.given (value.GetString())
        | _ -> None

    /// The server's answer: a token with its expiry (`expires_in`, else the JWT's `exp`), or what
    /// went wrong.
    let reply (issued: DateTimeOffset) (status: int) (body: ReadOnlyMemory<byte>) : Result<AccessToken, ExchangeError> =
        let parsed =
            try
                use document = JsonDocument.Parse body

                if document.RootElement.ValueKind = JsonValueKind.Object then
                    let root = document.RootElement

                    let expiresIn =
                        match root.TryGetProperty "expires_in" with
                        | true, value when value.ValueKind = JsonValueKind.Number ->
                            match value.TryGetInt64() with
                            | true, seconds when seconds > 0L && seconds < 100_000_000L -> Some seconds
                            | _ -> None
                        | _ -> None

                    Some(
                        stringField root "access_token",
                        expiresIn,
                        stringField root "error",
                        stringField root "error_description"
                    )
                else
                    None
            with
            | :? JsonException
            | :? InvalidOperationException -> None

        match parsed with
        | Some(Some token, expiresIn, _, _) when status >= 200 && status < 300 && (Secret.firstRefused token).IsNone ->
            let expires =
                match expiresIn with
                | Some seconds -> Some(issued.AddSeconds(float seconds))
                | None -> Jwt.expiry token

            Ok { Value = token; ExpiresOn = expires }
        | _ when status >= 200 && status < 300 -> Error(ExchangeError.UnexpectedAnswer status)
        | Some(_, _, error, description) ->
            Error(ExchangeError.Refused(status, Option.map bounded error, Option.map bounded description))
        | None -> Error(ExchangeError.Refused(status, None, None))

    /// The cache file's name: the first 16 hex characters of SHA-256 of `auth_url + "\n" + client_id`.
    let cacheName (authUrl: string) (clientId: CloudText) : string =
        let hash = Sha256.hash (Encoding.UTF8.GetBytes(authUrl + "\n" + CloudText.value clientId))
        Convert.ToHexString(hash).Substring(0, 16).ToLowerInvariant() + ".json"

    /// The cache file's bytes: the token, its expiry, and whose it is, so that a file of another
    /// client or server is never taken for this one's.
    let cacheBytes (authUrl: string) (clientId: CloudText) (token: AccessToken) : byte[] =
        let buffer = Buffers.ArrayBufferWriter<byte>(512)

        do
            use writer = new Utf8JsonWriter(buffer)
            writer.WriteStartObject()
            writer.WriteString("auth_url", authUrl)
            writer.WriteString("client_id", CloudText.value clientId)
            writer.WriteString("access_token", token.Value)

            match token.ExpiresOn with
            | Some expires -> writer.WriteNumber("expires_on", expires.ToUnixTimeSeconds())
            | None -> writer.WriteNull "expires_on"

            writer.WriteEndObject()

        buffer.WrittenSpan.ToArray()

    /// A cached token, when the file is this client's and server's; anything else (corrupt,
    /// foreign) is `None`, to be replaced.
    let ofCache (authUrl: string) (clientId: CloudText) (bytes: ReadOnlyMemory<byte>) : AccessToken option =
        try
            use document = JsonDocument.Parse bytes
            let root = document.RootElement

            if
                root.ValueKind = JsonValueKind.Object
                && Option.contains authUrl (stringField root "auth_url")
                && Option.contains (CloudText.value clientId) (stringField root "client_id")
            then
                match stringField root "access_token" with
                | Some token when (Secret.firstRefused token).IsNone ->
                    let expires =
                        match root.TryGetProperty "expires_on" with
                        | true, value when value.ValueKind = JsonValueKind.Number ->
                            match value.TryGetInt64() with
                            | true, seconds when seconds > 0L && seconds < 253402300800L ->
                                Some(DateTimeOffset.FromUnixTimeSeconds seconds)
                            | _ -> None
                        | _ -> None

                    Some { Value = token; ExpiresOn = expires }
                | _ -> None
            else
                None
        with
        | :? JsonException
        | :? InvalidOperationException -> None
