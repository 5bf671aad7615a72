namespace CartoCreds.Core

open System
open System.Net.Http
open System.Net.Http.Headers
open System.Threading
open System.Threading.Tasks
open Microsoft.Extensions.Logging
open Microsoft.Extensions.Logging.Abstractions

/// A value task mapped without a state machine when it has already completed (the common case).
module private Pending =
    let inline map ([<InlineIfLambda>] f: 'T -> 'U) (pending: ValueTask<'T>) : ValueTask<'U> =
        if pending.IsCompletedSuccessfully then
            ValueTask<'U>(f pending.Result)
        else
            ValueTask<'U>(
                task {
                    let! result = pending
                    return f result
                }
            )

/// <summary>
/// One CARTO 3 session (SPEC §7.4, §8): resolved credentials with the HTTP client and the clock
/// they use, the token source of client credentials (its disk cache under the host's
/// configuration directory), and all that is done with them: a valid token, a request
/// authenticated for its own origin, a verification. The C# facade, its handler and the tool
/// each make and use it in one line.
/// </summary>
type CloudSession
    private
    (
        credentials: CloudCredentials,
        tokens: TokenSource option,
        http: Lazy<HttpClient>,
        time: TimeProvider,
        accounts: Result<ServiceUrl, CloudValueError>,
        timeout: TimeSpan
    ) =

    let own = Uri(ApiBaseUrl.value credentials.ApiBaseUrl + "/")

    let exchanged (result: Result<AccessToken, ExchangeError>) = Result.mapError TokenError.Exchange result

    /// <summary>
    /// A session for resolved credentials on a host: `http` and `time` when the caller hands them
    /// in (`IHttpClientFactory`, a container's clock), else the library's client and the system
    /// clock; `timeout` bounds each token exchange, and is the session's `Timeout`. Fails only when
    /// `CARTO_AUTH_URL` is invalid (for client credentials). Token exchanges and the disk cache
    /// are logged to `log` (SPEC §10).
    /// </summary>
    static member Create
        (
            host: Host,
            credentials: CloudCredentials,
            http: HttpClient option,
            time: TimeProvider option,
            warn: Exposure -> unit,
            timeout: TimeSpan,
            log: ILogger
        ) : Result<CloudSession, CloudValueError> =
        let http =
            match http with
            | Some client -> Lazy<HttpClient>.CreateFromValue client
            | None -> Http.shared

        let time = defaultArg time TimeProvider.System
        let accounts = Verification.accountsUrl host.GetVariable

        match credentials.Grant with
        | Grant.AccessToken _ -> Ok(CloudSession(credentials, None, http, time, accounts, timeout))
        | Grant.ClientCredentials(id, secret) ->
            TokenExchange.authUrl host.GetVariable
            |> Result.map (fun authUrl ->
                let cache =
                    match Location.tokenCacheDirectory host.Platform host.GetVariable with
                    | Ok dir -> Some dir
                    | Error _ -> None

                let endpoint = { AuthUrl = authUrl; ClientId = id; Secret = secret }
                let tokens = TokenSource(endpoint, http, time, cache, timeout, warn, log)

                CloudSession(credentials, Some tokens, http, time, accounts, timeout))

    /// As above, logging nothing.
    static member Create
        (
            host: Host,
            credentials: CloudCredentials,
            http: HttpClient option,
            time: TimeProvider option,
            warn: Exposure -> unit,
            timeout: TimeSpan
        ) : Result<CloudSession, CloudValueError> =
        CloudSession.Create(host, credentials, http, time, warn, timeout, NullLogger.Instance)

    /// As above, with the default timeout of 10 s.
    static member Create
        (
            host: Host,
            credentials: CloudCredentials,
            http: HttpClient option,
            time: TimeProvider option,
            warn: Exposure -> unit
        ) : Result<CloudSession, CloudValueError> =
        CloudSession.Create(host, credentials, http, time, warn, Verification.defaultTimeout)

    member _.Credentials = credentials

    /// How long a token exchange, and a verification by default, may take.
    member _.Timeout = timeout

    /// The API base URL, ending with `/`.
    member _.BaseAddress = own

    /// The token server of client credentials; `None` for an access token.
    member _.AuthUrl = tokens |> Option.map (fun t -> t.AuthUrl)

    /// <summary>
    /// A valid token: an access token until it expires (then `TokenError.Expired`), or one
    /// exchanged for client credentials, shared and replaced as SPEC §7.4 says. No allocation
    /// while a held token is not due.
    /// </summary>
    member _.GetTokenAsync(cancellationToken: CancellationToken) : ValueTask<Result<AccessToken, TokenError>> =
        match credentials.Grant, tokens with
        | Grant.AccessToken(token, expires), _ ->
            match expires with
            | Some at when not (DateTimeOffset.op_LessThan (time.GetUtcNow(), at)) ->
                ValueTask<_>(Error(TokenError.Expired at))
            | _ ->
                ValueTask<_>(
                    Ok
                        { Value = CloudText.value token
                          ExpiresOn = expires
                          RefreshOn = defaultArg expires DateTimeOffset.MaxValue }
                )
        | Grant.ClientCredentials _, Some source -> Pending.map exchanged (source.GetAsync cancellationToken)
        | Grant.ClientCredentials _, None -> invalidOp "client credentials without a token source"

    /// How requests to `origin` (scheme, host and port) are authenticated with the bearer token;
    /// any other request, or one that already has an `Authorization` header, is left as it is.
    member this.AuthenticateTo(origin: Uri) : Authenticate =
        { Attach =
            fun request cancel ->
                let target = request.RequestUri

                if
                    isNull target
                    || not target.IsAbsoluteUri
                    || not (isNull request.Headers.Authorization)
                    || not (Attach.sameOrigin origin target)
                then
                    ValueTask<_>(Ok())
                else
                    this.GetTokenAsync cancel
                    |> Pending.map (
                        Result.map (fun token ->
                            request.Headers.Authorization <- AuthenticationHeaderValue("Bearer", token.Value))
                    )
          Drop = tokens |> Option.map (fun source -> source.Invalidate) }

    /// Requests to the API base URL's own origin (SPEC §8).
    member this.Authenticate: Authenticate = this.AuthenticateTo own

    /// Adds the bearer token to a request to the API base URL's own origin (for C#).
    member this.AttachAsync
        (request: HttpRequestMessage, cancellationToken: CancellationToken)
        : ValueTask<Result<unit, TokenError>> =
        this.Authenticate.Attach request cancellationToken

    /// <summary>
    /// SPEC §8: `GET {accounts_url}/users/me` with the bearer token, through this session's client,
    /// within `timeout`; a refused token from client credentials is replaced once. An invalid
    /// `CARTO_ACCOUNTS_URL` is its own error.
    /// </summary>
    member this.VerifyAsync
        (timeout: TimeSpan, cancellationToken: CancellationToken)
        : Task<Result<Result<Identity, VerifyError>, CloudValueError>> =
        this.VerifyAsync(http.Value, timeout, cancellationToken)

    /// As `VerifyAsync`, sending the account request through `client`.
    member this.VerifyAsync
        (client: HttpClient, timeout: TimeSpan, cancellationToken: CancellationToken)
        : Task<Result<Result<Identity, VerifyError>, CloudValueError>> =
        match accounts with
        | Error e -> Task.FromResult(Error e)
        | Ok url ->
            task {
                let authenticate = this.AuthenticateTo(Uri(ServiceUrl.value url + "/"))
                let authUrl = defaultArg this.AuthUrl ""
                let! verified = Verify.cloud client timeout url authenticate authUrl cancellationToken
                return Ok verified
            }
