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

/// Where a session's tokens come from: the access token it was given, or the token source of
/// client credentials (or why there is none: an invalid `CARTO_AUTH_URL`).
type private Tokens =
    | Given of token: CloudText * expires: DateTimeOffset option
    | Exchanged of Result<TokenSource, TokenError>

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
        tokens: Tokens,
        services: Result<CloudServices, ServiceUrlError>,
        options: SessionOptions
    ) =

    let own = Uri(ApiBaseUrl.value credentials.ApiBaseUrl + "/")
    let http, time, timeout = options.Client, options.Clock, options.Timeout

    let exchanged (result: Result<AccessToken, ExchangeError>) = Result.mapError TokenError.Exchange result

    let source =
        match tokens with
        | Exchanged(Ok source) -> Some source
        | _ -> None

    /// <summary>
    /// A session for credentials on a host, used with `services` (as resolution read them), done
    /// as `options` say (the library's client, the system clock and a 10 s bound unless they say
    /// otherwise). Never fails: services that are invalid are an error of the token or the
    /// verification that needs them, naming the variable.
    /// </summary>
    static member Create
        (
            host: Host,
            credentials: CloudCredentials,
            services: Result<CloudServices, ServiceUrlError>,
            options: SessionOptions
        ) : CloudSession =
        let tokens =
            match credentials.Grant, services with
            | Grant.AccessToken(token, expires), _ -> Given(token, expires)
            | Grant.ClientCredentials _, Error e -> Exchanged(Error(TokenError.Service e))
            | Grant.ClientCredentials(id, secret), Ok services ->
                let cache =
                    match Location.tokenCacheDirectory host.Platform host.GetVariable with
                    | Ok dir -> Some dir
                    | Error _ -> None

                let endpoint = { AuthUrl = services.Auth; ClientId = id; Secret = secret }
                Exchanged(Ok(TokenSource(endpoint, cache, options)))

        CloudSession(credentials, tokens, services, options)

    /// A session for resolved credentials with the services resolution read.
    static member Create(host: Host, resolution: CloudResolution, options: SessionOptions) : CloudSession =
        CloudSession.Create(host, resolution.Resolved.Credentials, Ok resolution.Services, options)

    member _.Credentials = credentials

    /// How long a token exchange, and a verification by default, may take.
    member _.Timeout = timeout

    /// The API base URL, ending with `/`.
    member _.BaseAddress = own

    /// The token server of client credentials; `None` for an access token.
    member _.AuthUrl = source |> Option.map (fun t -> t.AuthUrl)

    /// The token server, client id and secret of client credentials; `None` for an access token.
    member _.Endpoint = source |> Option.map (fun t -> t.Endpoint)

    /// The clock expiries are judged by.
    member _.Clock = time

    /// How the session does its work: its client, clock, log and shared cache.
    member _.Options = options

    /// <summary>
    /// A valid token: an access token until it expires (then `TokenError.Expired`), or one
    /// exchanged for client credentials, shared and replaced as SPEC §7.4 says. No allocation
    /// while a held token is not due.
    /// </summary>
    member _.GetTokenAsync(cancellationToken: CancellationToken) : ValueTask<Result<AccessToken, TokenError>> =
        match tokens with
        | Given(token, expires) ->
            match expires with
            | Some at when not (DateTimeOffset.op_LessThan (time.GetUtcNow(), at)) ->
                ValueTask<_>(Error(TokenError.Expired at))
            | _ -> ValueTask<_>(Ok { Value = CloudText.value token; ExpiresOn = expires; RefreshOn = None })
        | Exchanged(Ok source) -> Pending.map exchanged (source.GetAsync cancellationToken)
        | Exchanged(Error e) -> ValueTask<_>(Error e)

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
          Drop = source |> Option.map (fun source -> source.Invalidate) }

    /// Requests to the API base URL's own origin (SPEC §8).
    member this.Authenticate: Authenticate = this.AuthenticateTo own

    /// Adds the bearer token to a request to the API base URL's own origin (for C#).
    member this.AttachAsync
        (request: HttpRequestMessage, cancellationToken: CancellationToken)
        : ValueTask<Result<unit, TokenError>> =
        this.Authenticate.Attach request cancellationToken

    /// <summary>
    /// SPEC §8: `GET {accounts_url}/users/me` with the bearer token, through this session's client,
    /// within `timeout`; a refused token from client credentials is replaced once. A service
    /// variable that is invalid (`CARTO_ACCOUNTS_URL`, or `CARTO_AUTH_URL` for client credentials)
    /// is its own error, with the variable's name.
    /// </summary>
    member this.VerifyAsync
        (timeout: TimeSpan, cancellationToken: CancellationToken)
        : Task<Result<Result<Identity, VerifyError>, ServiceUrlError>> =
        this.VerifyAsync(http.Value, timeout, cancellationToken)

    /// As `VerifyAsync`, sending the account request through `client`.
    member this.VerifyAsync
        (client: HttpClient, timeout: TimeSpan, cancellationToken: CancellationToken)
        : Task<Result<Result<Identity, VerifyError>, ServiceUrlError>> =
        match services with
        | Error e -> Task.FromResult(Error e)
        | Ok { Accounts = url } ->
            task {
                let request =
                    { Client = client
                      Timeout = timeout
                      Authenticate = this.AuthenticateTo(Uri(ServiceUrl.value url + "/"))
                      AuthUrl = this.AuthUrl }

                let! verified = VerificationHttp.cloud request url cancellationToken
                return Ok verified
            }

    /// <summary>
    /// SPEC §7.8: the CARTO Data Warehouse's project and token, `GET
    /// {api_base_url}/v3/connections/carto-dw/token` with the bearer token, through this session's
    /// client, within `timeout`; a refused token from client credentials is replaced once. An
    /// invalid `CARTO_AUTH_URL` (client credentials) is its own error, with the variable's name.
    /// </summary>
    member this.DataWarehouseAsync
        (timeout: TimeSpan, cancellationToken: CancellationToken)
        : Task<Result<Result<DwCredentials, VerifyError>, ServiceUrlError>> =
        match tokens with
        | Exchanged(Error(TokenError.Service e)) -> Task.FromResult(Error e)
        | _ ->
            task {
                let request =
                    { Client = http.Value
                      Timeout = timeout
                      Authenticate = this.Authenticate
                      AuthUrl = this.AuthUrl }

                let! answered = VerificationHttp.dataWarehouse request credentials.ApiBaseUrl cancellationToken

                return Ok answered
            }

    /// The bearer call of the Tokens API, or why none may be made (SPEC §12): an API Access Token
    /// cannot manage tokens, and an invalid `CARTO_AUTH_URL` is its own error.
    member private this.TokensCall() : Result<BearerRequest, TokensCallError> =
        match tokens with
        | Given(token, _) when ApiTokens.isApiAccessToken (CloudText.value token) ->
            Error TokensCallError.ApiAccessTokenCredentials
        | Exchanged(Error(TokenError.Service e)) -> Error(TokensCallError.Service e)
        | _ ->
            Ok
                { Client = http.Value
                  Timeout = timeout
                  Authenticate = this.Authenticate
                  AuthUrl = this.AuthUrl }

    /// One call of the Tokens API, logged when it fails (`operation`: create, list or delete).
    member private this.TokensAsync
        (operation: string, call: BearerRequest -> Task<Result<'T, VerifyError>>)
        : Task<Result<'T, TokensCallError>> =
        match this.TokensCall() with
        | Error e -> Task.FromResult(Error e)
        | Ok request ->
            task {
                let! answered = call request

                match answered with
                | Error e -> Log.apiTokenFailed options.Log operation (CallMessages.verifyError e)
                | Ok _ -> ()

                return Result.mapError TokensCallError.Call answered
            }

    /// SPEC §12: `POST {api_base_url}/v3/tokens` → a new API Access Token of a checked request,
    /// within this session's timeout; its connections and APIs logged, never the token.
    member this.CreateApiTokenAsync
        (request: ApiTokenRequest, cancellationToken: CancellationToken)
        : Task<Result<ApiToken, TokensCallError>> =
        task {
            let! created =
                this.TokensAsync(
                    "create",
                    fun call -> ApiTokensHttp.create call credentials.ApiBaseUrl request cancellationToken
                )

            match created with
            | Ok token -> Log.apiTokenCreated options.Log token
            | Error _ -> ()

            return created
        }

    /// SPEC §12: `GET {api_base_url}/v3/tokens` → the caller's API Access Tokens.
    member this.ListApiTokensAsync
        (cancellationToken: CancellationToken)
        : Task<Result<ApiToken list, TokensCallError>> =
        this.TokensAsync("list", fun call -> ApiTokensHttp.list call credentials.ApiBaseUrl cancellationToken)

    /// SPEC §12: `DELETE {api_base_url}/v3/tokens/{token}` → whether the token was there.
    member this.DeleteApiTokenAsync
        (token: CloudText, cancellationToken: CancellationToken)
        : Task<Result<bool, TokensCallError>> =
        task {
            let! deleted =
                this.TokensAsync(
                    "delete",
                    fun call ->
                        ApiTokensHttp.delete call credentials.ApiBaseUrl (CloudText.value token) cancellationToken
                )

            match deleted with
            | Ok wasThere -> Log.apiTokenDeleted options.Log (CloudText.value token) wasThere
            | Error _ -> ()

            return deleted
        }
