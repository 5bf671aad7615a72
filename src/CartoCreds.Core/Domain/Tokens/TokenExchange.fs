namespace CartoCreds.Core

open System
open System.Text

/// An access token, when it expires (when known), and when it is due for replacement, as
/// Azure.Identity's `AccessToken` carries `ExpiresOn` and `RefreshOn`: `None` for a token given
/// whole, which nothing replaces.
[<Struct>]
type AccessToken =
    { Value: string
      ExpiresOn: DateTimeOffset option
      RefreshOn: DateTimeOffset option }

    /// Whether the token may still be served at `now` without a replacement. (The operator of
    /// `DateTimeOffset` itself: F#'s `<` on a struct compares through boxes, 64 B a memory hit.)
    member this.NotDueAt(now: DateTimeOffset) =
        match this.RefreshOn with
        | Some at -> DateTimeOffset.op_LessThan (now, at)
        | None -> true

    /// The token masked, as every text form shows it.
    override this.ToString() = "AccessToken(" + Secret.mask this.Value + ")"

/// Why client credentials could not be exchanged for a token (SPEC §7.4): what the server
/// answered, with the secret and any token in its text replaced by `****`, never the secret.
[<RequireQualifiedAccess>]
type ExchangeError =
    /// The server answered with an error status, and its `error` / `error_description` when given.
    | Refused of status: int * error: string option * description: string option
    /// A success status whose body is not `{"access_token", …}`.
    | UnexpectedAnswer of status: int
    /// A success status whose `expires_in` is not a positive number of seconds.
    | BadExpiry of status: int
    /// A redirect (3xx), which is never followed: the secret is posted to the auth URL only.
    /// `target` is the other origin's scheme and host, or empty when the answer named none.
    | Redirected of status: int * target: string
    | Unreachable of reason: string
    | TimedOut of seconds: float

/// Why no valid token can be handed out: an access token that has expired, or client
/// credentials that could not be exchanged.
[<RequireQualifiedAccess>]
type TokenError =
    | Expired of at: DateTimeOffset
    | Exchange of ExchangeError
    /// The auth server's variable (`CARTO_AUTH_URL`) is invalid, so no exchange can be made.
    | Service of ServiceUrlError

/// Where and as whom client credentials are exchanged for tokens (SPEC §7.4): the auth server,
/// the client id and its secret, which stays typed until the request's form is built.
type TokenEndpoint =
    { AuthUrl: ServiceUrl
      ClientId: CloudText
      Secret: CloudText }

    /// The auth server as text, without a trailing `/`.
    member this.Auth = ServiceUrl.value this.AuthUrl

    /// `scheme://host[:port]` of the auth server: a reply from any other origin is refused.
    member this.Origin = Uri(this.Auth + "/").GetLeftPart UriPartial.Authority

/// SPEC §7.4's decisions, without I/O: the request, the reply, when to replace a token, and the
/// cache file.
[<RequireQualifiedAccess>]
module TokenExchange =

    [<Literal>]
    let Audience = "carto-cloud-native-api"

    /// The most of a reply that is read: a token reply is a few kilobytes.
    [<Literal>]
    let MaxReply = 65536

    /// How early a token is replaced: 5 minutes before it expires, or half its lifetime when shorter.
    let early = TimeSpan.FromMinutes 5.0

    /// After a failed replacement while the current token is still valid, no retry before this.
    let backOff = TimeSpan.FromSeconds 30.0

    /// The longest a `429`'s `Retry-After` holds the next exchange back.
    let maxRetryAfter = TimeSpan.FromSeconds 60.0

    /// How long to wait before the next exchange after a `429`: its `Retry-After`, at most a
    /// minute; the usual back-off when it says none.
    let rateLimitWait (retryAfter: TimeSpan option) : TimeSpan =
        match retryAfter with
        | Some wait when wait > maxRetryAfter -> maxRetryAfter
        | Some wait when wait > TimeSpan.Zero -> wait
        | _ -> backOff

    /// The form body of the token request.
    let requestForm (clientId: CloudText) (secret: CloudText) : (string * string) list =
        [ "grant_type", "client_credentials"
          "audience", Audience
          "client_id", CloudText.value clientId
          "client_secret", CloudText.value secret ]

    /// The earlier of two optional instants.
    let earliest (a: DateTimeOffset option) (b: DateTimeOffset option) =
        match a, b with
        | Some x, Some y -> Some(if DateTimeOffset.op_LessThan (x, y) then x else y)
        | Some _, None -> a
        | None, _ -> b

    /// When a token issued at `issued` should be replaced: `early` before it expires, or half its
    /// lifetime when that is shorter; with no known expiry, `early` after it was issued.
    let refreshAt (issued: DateTimeOffset) (expires: DateTimeOffset option) : DateTimeOffset =
        match expires with
        | Some expires ->
            let lifetime = expires - issued

            let margin =
                if lifetime < early + early then
                    TimeSpan.FromTicks(lifetime.Ticks / 2L)
                else
                    early

            expires - margin
        | None -> issued + early

    /// A token issued at `issued`, with the earlier of its JWT `exp` and the expiry stated for it.
    let token (issued: DateTimeOffset) (value: string) (stated: DateTimeOffset option) : AccessToken =
        let expires = earliest (Jwt.expiry value) stated

        { Value = value
          ExpiresOn = expires
          RefreshOn = Some(refreshAt issued expires) }

    /// Whether a token may still be sent at `now`.
    let isValid (now: DateTimeOffset) (token: AccessToken) =
        match token.ExpiresOn with
        | Some expires -> DateTimeOffset.op_LessThan (now, expires) // F#'s generic `<` would box both
        | None -> true

    /// Server text as it may be shown: every word that looks like a token replaced by `****`;
    /// terminal-safe and bounded (SPEC §6, §12). A word ends at any white space (a token after a
    /// line break or a tab is a word too); the white space is kept.
    let masked (text: string) : string =
        let builder = Text.StringBuilder(text.Length)

        let word (w: string) =
            let bare = w.Trim([| '"'; '\''; ','; '.'; ';'; ':'; '('; ')' |])

            if bare.Length > 0 && (Refused.looksLikeToken bare || bare.StartsWith("eyJ", StringComparison.Ordinal)) then
                w.Replace(bare, "****")
            else
                w

        let mutable start = 0

        for i in 0 .. text.Length do
            if i = text.Length || Char.IsWhiteSpace text[i] then
                builder.Append(word (text.Substring(start, i - start))) |> ignore

                if i < text.Length then
                    builder.Append text[i] |> ignore

                start <- i + 1

        Refused.terminalSafe (builder.ToString())

    /// Server text as it may be shown: every occurrence of the secret, and every word that looks
    /// like a token, replaced by `****`; terminal-safe and bounded (SPEC §6, §7.4).
    let redact (secret: string) (text: string) : string = masked (text.Replace(secret, "****"))

    /// A string member, when given (not empty, not blank); anything else is none.
    let internal stringField (name: string) (root: Json) : string option =
        match Decode.optionalField name Decode.string root with
        | Ok(Some text) -> Input.given text
        | _ -> None

    /// "https://host[:port]": the origin a redirect names, or empty when it names none.
    let originOf (location: Uri option) : string =
        match location with
        // Scheme, host and port only: a URL's user-info (`user:password@`) is never shown.
        | Some uri when uri.IsAbsoluteUri -> Refused.terminalSafe (uri.Scheme + "://" + uri.Authority)
        | _ -> ""

    /// <summary>
    /// The server's answer: a token whose expiry is the earlier of `expires_in` and its JWT `exp`,
    /// or what went wrong. A redirect is an error naming the other origin; the server's `error`
    /// and `error_description` are kept with `hidden` (the client secret, or a login's verifier)
    /// and any token replaced by `****`.
    /// </summary>
    let reply
        (hidden: string)
        (issued: DateTimeOffset)
        (status: int)
        (location: Uri option)
        (body: ReadOnlyMemory<byte>)
        : Result<AccessToken, ExchangeError> =
        // One decoder vocabulary: the reply is read as every file is (a repeated key read last).
        let parsed =
            match Decode.fromBytes Ok body with
            | Ok(Json.Object _ as root) ->
                let expiresIn =
                    match Decode.optionalField "expires_in" Decode.positiveSeconds root with
                    | Ok seconds -> Ok seconds
                    | Error _ -> Error()

                Some(
                    stringField "access_token" root,
                    expiresIn,
                    stringField "error" root,
                    stringField "error_description" root
                )
            | _ -> None

        let shown = Option.map (redact hidden)

        match parsed with
        | _ when status >= 300 && status < 400 -> Error(ExchangeError.Redirected(status, originOf location))
        | Some(Some _, Error(), _, _) when status >= 200 && status < 300 -> Error(ExchangeError.BadExpiry status)
        | Some(Some value, Ok seconds, _, _) when status >= 200 && status < 300 && (Secret.firstRefused value).IsNone ->
            Ok(token issued value (seconds |> Option.map (fun s -> issued.AddSeconds(float s))))
        | _ when status >= 200 && status < 300 -> Error(ExchangeError.UnexpectedAnswer status)
        | Some(_, _, error, description) -> Error(ExchangeError.Refused(status, shown error, shown description))
        | None -> Error(ExchangeError.Refused(status, None, None))
