namespace CartoCreds.Core

open System

/// Whose credentials they are, as CARTO answers (SPEC §8): the legacy platform names a username
/// and a user id; CARTO 3 a user id, an email and a tenant domain.
type Identity =
    { Username: string option
      UserId: string option
      Email: string option
      TenantDomain: string option }

/// Why credentials could not be verified (SPEC §8).
[<RequireQualifiedAccess>]
type VerifyFailure =
    /// 401 or 403: the service refused the key, token or client credentials.
    | Rejected
    /// 404: a wrong base URL or account.
    | NotFound
    /// 429: too many requests; `RetryAfter` says when to try again, when the service said.
    | RateLimited
    /// Any other status, or a body that is not an account.
    | UnexpectedAnswer
    /// No connection, or no answer in time.
    | Unreachable
    /// 400 or 422 from the Tokens API (SPEC §12): CARTO refused what was asked; `Detail` holds
    /// its `error` and `description`, terminal-safe, every token masked. Verification never gives it.
    | InvalidRequest

/// What a verification asked: the advice on a failure depends on it.
[<RequireQualifiedAccess>]
type Endpoint =
    /// A legacy account, `{base_url}/api/v3/me`.
    | LegacyAccount
    /// A CARTO 3 account, `{accounts_url}/users/me`.
    | CloudAccount
    /// The token server, `{auth_url}/oauth/token`, for client credentials.
    | TokenServer
    /// The CARTO Data Warehouse's credentials, `{api_base_url}/v3/connections/carto-dw/token`.
    | DataWarehouse
    /// The Tokens API, `{api_base_url}/v3/tokens` (SPEC §12).
    | Tokens

/// A failed verification: what failed, what the service answered, and the URL asked, which never
/// holds a key or token.
type VerifyError =
    {
        Failure: VerifyFailure
        Endpoint: Endpoint
        Status: int option
        RetryAfter: TimeSpan option
        Url: string
        /// What the service or the connection said, in words (never a secret).
        Detail: string option
    }

/// SPEC §8's rules for attaching credentials to a request: to their own origin only.
[<RequireQualifiedAccess>]
module Attach =

    /// The query parameter that carries a legacy API key, as carto-python sends it.
    [<Literal>]
    let ApiKeyParameter = "api_key"

    /// Whether `target` has the scheme, host and port of `own`: credentials go nowhere else, so a
    /// key never reaches another host through an absolute URL.
    let sameOrigin (own: Uri) (target: Uri) : bool =
        not (isNull target)
        && target.IsAbsoluteUri
        && String.Equals(own.Scheme, target.Scheme, StringComparison.OrdinalIgnoreCase)
        && String.Equals(own.IdnHost, target.IdnHost, StringComparison.OrdinalIgnoreCase)
        && own.Port = target.Port

    /// Whether the query already names a parameter (the request's own choice, kept as it is).
    let hasParameter (name: string) (uri: Uri) : bool =
        uri.Query.TrimStart('?').Split('&')
        |> Array.exists (fun pair ->
            let key = (pair.Split('=')[0])
            String.Equals(Uri.UnescapeDataString key, name, StringComparison.Ordinal))

    /// The URL with `api_key=KEY` added after the query that is there, the key escaped.
    let withApiKey (key: string) (uri: Uri) : Uri =
        let query = uri.Query
        let pair = ApiKeyParameter + "=" + Uri.EscapeDataString key
        let joined = if query.Length <= 1 then "?" + pair else query + "&" + pair
        Uri(uri.GetLeftPart UriPartial.Path + joined + uri.Fragment, UriKind.Absolute)

    /// A request URL with the key of `credentials`, when it is theirs to carry: same origin as
    /// the base URL and no `api_key` of its own. `None`: send it untouched.
    let legacy (credentials: Credentials) (target: Uri) : Uri option =
        let own = Uri(BaseUrl.value credentials.BaseUrl)

        if sameOrigin own target && not (hasParameter ApiKeyParameter target) then
            Some(withApiKey (ApiKey.value credentials.ApiKey) target)
        else
            None

/// SPEC §8's verification, without I/O: where to ask, and what the answer means.
[<RequireQualifiedAccess>]
module Verification =

    /// How long a verification waits for an answer before it calls the service unreachable.
    let defaultTimeout = TimeSpan.FromSeconds 10.0

    /// The most of an answer that is read: an account is a few kilobytes.
    [<Literal>]
    let MaxAnswer = 262144

    /// The legacy account URL as shown: `{base_url}/api/v3/me`, without the key.
    let legacyUrl (credentials: Credentials) : string = BaseUrl.value credentials.BaseUrl + "/api/v3/me"

    /// The legacy account URL as sent: with `api_key=KEY`.
    let legacyRequest (credentials: Credentials) : Uri =
        Attach.withApiKey (ApiKey.value credentials.ApiKey) (Uri(legacyUrl credentials))

    /// The CARTO 3 account URL: `{accounts_url}/users/me`.
    let cloudUrl (accounts: ServiceUrl) : string = ServiceUrl.value accounts + "/users/me"

    /// The failure a status means; `None` for success.
    let failureOf (status: int) : VerifyFailure option =
        match status with
        | s when s >= 200 && s < 300 -> None
        | 401
        | 403 -> Some VerifyFailure.Rejected
        | 404 -> Some VerifyFailure.NotFound
        | 429 -> Some VerifyFailure.RateLimited
        | _ -> Some VerifyFailure.UnexpectedAnswer

    /// `Retry-After` as a wait: its seconds, or the time to its date (never negative).
    /// The longest wait a `Retry-After` is shown as: a server may say anything.
    let maxShownRetryAfter = TimeSpan.FromDays 1.0

    /// A `Retry-After` as a wait from `now`, at most a day.
    let retryAfter (now: DateTimeOffset) (delta: TimeSpan option) (date: DateTimeOffset option) : TimeSpan option =
        let wait =
            match delta, date with
            | Some wait, _ -> Some wait
            | None, Some at -> Some(if at > now then at - now else TimeSpan.Zero)
            | None, None -> None

        wait |> Option.map (fun w -> if w > maxShownRetryAfter then maxShownRetryAfter else w)

    /// A redirect, which verification never follows: an unexpected answer naming the status and
    /// the other origin, so that no other server can claim the account.
    let redirected (endpoint: Endpoint) (shown: string) (status: int) (target: string) : VerifyError =
        { Failure = VerifyFailure.UnexpectedAnswer
          Endpoint = endpoint
          Status = Some status
          RetryAfter = None
          Url = shown
          Detail =
            Some(
                if target = "" then
                    "a redirect, which is not followed"
                else
                    "a redirect to " + target + ", which is not followed"
            ) }

    /// A string or number member, when given; anything else is none.
    let private text (name: string) (value: Json) : string option =
        match Decode.optionalField name Decode.stringOrNumber value with
        | Ok(Some text) -> Input.given text
        | _ -> None

    /// The identity in an answer: legacy `user_data.username` and `user_data.id`; CARTO 3
    /// `user_id`, `email`, `user_metadata.tenant_domain`. `None` when the body is not a JSON object
    /// naming an account (a proxy's `{}` or an HTML page verifies nothing). Read by the decoders
    /// every file and reply shares.
    let identity (endpoint: Endpoint) (body: ReadOnlyMemory<byte>) : Identity option =
        // An identity names an account when it has at least one of its two keys.
        let naming (one: string option) (other: string option) (identity: Identity) =
            if one.IsSome || other.IsSome then Some identity else None

        match Decode.fromBytes Ok body with
        | Ok(Json.Object _ as root) when endpoint = Endpoint.LegacyAccount ->
            let user = Decode.child "user_data" root
            let username, id = text "username" user, text "id" user

            naming
                username
                id
                { Username = username
                  UserId = id
                  Email = text "email" user
                  TenantDomain = None }
        | Ok(Json.Object _ as root) ->
            let id, email = text "user_id" root, text "email" root

            naming
                id
                email
                { Username = None
                  UserId = id
                  Email = email
                  TenantDomain = text "tenant_domain" (Decode.child "user_metadata" root) }
        | _ -> None

    /// A failure answered with `status`: `Retry-After` kept for 429 alone.
    let failedWith
        (endpoint: Endpoint)
        (url: string)
        (status: int)
        (retry: TimeSpan option)
        (failure: VerifyFailure)
        (detail: string option)
        : VerifyError =
        { Failure = failure
          Endpoint = endpoint
          Status = Some status
          RetryAfter = (if failure = VerifyFailure.RateLimited then retry else None)
          Url = url
          Detail = detail }

    /// What an answer means: the identity, or the failure with the status and when to retry.
    let answer
        (endpoint: Endpoint)
        (url: string)
        (status: int)
        (retry: TimeSpan option)
        (body: ReadOnlyMemory<byte> option)
        : Result<Identity, VerifyError> =
        let failed failure detail = Error(failedWith endpoint url status retry failure detail)

        match failureOf status with
        | Some failure -> failed failure None
        | None ->
            match body |> Option.bind (identity endpoint) with
            | Some found -> Ok found
            | None when body.IsNone ->
                failed VerifyFailure.UnexpectedAnswer (Some "an answer too large to be an account")
            | None -> failed VerifyFailure.UnexpectedAnswer (Some "an answer that is not an account")

    /// A failure to get a token from client credentials, as a verification failure: the token
    /// server's refusal is a rejection, its silence unreachability.
    let ofExchange (authUrl: string) (error: ExchangeError) (detail: string) : VerifyError =
        let failure, status =
            match error with
            | ExchangeError.Refused((400 | 401 | 403) as s, _, _) -> VerifyFailure.Rejected, Some s
            | ExchangeError.Refused(404, _, _) -> VerifyFailure.NotFound, Some 404
            | ExchangeError.Refused(429, _, _) -> VerifyFailure.RateLimited, Some 429
            | ExchangeError.Refused(s, _, _)
            | ExchangeError.UnexpectedAnswer s
            | ExchangeError.BadExpiry s
            | ExchangeError.Redirected(s, _) -> VerifyFailure.UnexpectedAnswer, Some s
            | ExchangeError.Unreachable _
            | ExchangeError.TimedOut _ -> VerifyFailure.Unreachable, None

        { Failure = failure
          Endpoint = Endpoint.TokenServer
          Status = status
          RetryAfter = None
          Url = authUrl + "/oauth/token"
          Detail = Some detail }
