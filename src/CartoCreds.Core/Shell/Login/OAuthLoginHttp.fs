namespace CartoCreds.Core

open System
open System.Net.Http
open System.Net.Http.Headers
open System.Security.Cryptography
open System.Text
open System.Threading
open System.Threading.Tasks

/// SPEC §7.5: a person logs in with the authorization code flow and PKCE, on a loopback listener
/// up only while the login runs; the code is exchanged (no redirect followed), the API base URL
/// found as carto-auth finds it, and the token saved as a profile of the CARTO CLI file that the
/// CARTO CLI reads too. Nothing is saved unless every step succeeded. Errors are values.
///
/// What a login's code is exchanged with, and where its account is found: the auth server, the
/// client id, the redirect URI and the PKCE secrets the authorize URL carried, the accounts service.
type CodeGrant =
    { Services: CloudServices
      ClientId: string
      Redirect: string
      Secrets: LoginSecrets }

    member this.Auth = ServiceUrl.value this.Services.Auth

[<RequireQualifiedAccess>]
module OAuthLoginHttp =

    /// `GET url` with the bearer token, read to `limit`, refused if answered from another origin.
    let private get
        (http: HttpClient)
        (wait: TimeSpan)
        (url: Uri)
        (token: string option)
        (limit: int)
        (outer: CancellationToken)
        =
        task {
            use timer = CancellationTokenSource.CreateLinkedTokenSource outer
            timer.CancelAfter wait
            let cancel = timer.Token

            try
                use request = new HttpRequestMessage(HttpMethod.Get, url)
                token |> Option.iter (fun t -> request.Headers.Authorization <- AuthenticationHeaderValue("Bearer", t))
                use! response = http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel)
                let answered = response.RequestMessage.RequestUri
                let status = int response.StatusCode

                if
                    not (isNull answered)
                    && answered.GetLeftPart UriPartial.Authority <> url.GetLeftPart UriPartial.Authority
                then
                    return Error(ApiLookupError.Fetch(url.Host, FetchProblem.Redirected))
                elif status <> 200 then
                    return Error(ApiLookupError.Fetch(url.Host, FetchProblem.Status status))
                else
                    match! Http.readBounded response.Content limit cancel with
                    | Some body -> return Ok body
                    | None -> return Error(ApiLookupError.Fetch(url.Host, FetchProblem.TooLarge limit))
            with
            | :? HttpRequestException as e ->
                return Error(ApiLookupError.Fetch(url.Host, FetchProblem.Failed(Http.failure e)))
            | :? OperationCanceledException when not outer.IsCancellationRequested ->
                return Error(ApiLookupError.Fetch(url.Host, FetchProblem.TimedOut wait.TotalSeconds))
        }

    /// The API base URL as carto-auth finds it: the accounts service's `tenant_domain`, then that
    /// tenant's `config.yaml` and its `apis.baseUrl`.
    let private tenantApi
        (http: HttpClient)
        (wait: TimeSpan)
        (accounts: ServiceUrl)
        (token: string)
        (cancel: CancellationToken)
        =
        taskResult {
            let accountsUri = Uri(ServiceUrl.value accounts + "/accounts")
            let! body = get http wait accountsUri (Some token) TokenExchange.MaxReply cancel

            let! domain =
                match Decode.fromBytes Ok body |> Result.map (TokenExchange.stringField "tenant_domain") with
                | Ok(Some domain) -> Ok domain
                | _ -> Error ApiLookupError.NoTenantDomain

            let! config = TenantConfig.url domain
            let! yaml = get http wait config None TenantConfig.MaxSize cancel
            let! url = TenantConfig.apiBaseUrl (Encoding.UTF8.GetString yaml.Span)
            return! ApiBaseUrl.create url |> Result.mapError (List.singleton >> ApiLookupError.Invalid)
        }

    /// The code exchanged for a token (`POST {auth_url}/oauth/token`), the verifier unsaid in any error.
    let private exchange
        (http: HttpClient)
        (wait: TimeSpan)
        (auth: string)
        clientId
        code
        redirect
        (secrets: LoginSecrets)
        (outer: CancellationToken)
        =
        task {
            use timer = CancellationTokenSource.CreateLinkedTokenSource outer
            timer.CancelAfter wait
            let cancel = timer.Token

            try
                use content =
                    new FormUrlEncodedContent(
                        OAuthLogin.tokenForm clientId code redirect secrets.Verifier
                        |> List.map (fun (k, v) -> Collections.Generic.KeyValuePair(k, v))
                    )

                use request = new HttpRequestMessage(HttpMethod.Post, auth + "/oauth/token", Content = content)
                let issued = DateTimeOffset.UtcNow
                use! response = http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel)
                let status = int response.StatusCode

                match! Http.readBounded response.Content TokenExchange.MaxReply cancel with
                | None -> return Error(ExchangeError.UnexpectedAnswer status)
                | Some body ->
                    return
                        TokenExchange.reply secrets.Verifier issued status (Option.ofObj response.Headers.Location) body
            with
            | :? HttpRequestException as e -> return Error(ExchangeError.Unreachable(Http.failure e))
            | :? OperationCanceledException when not outer.IsCancellationRequested ->
                return Error(ExchangeError.TimedOut wait.TotalSeconds)
        }

    /// After the callback: the code exchanged, the API base URL found (unless given), the account
    /// verified and the profile saved.
    let private afterCode
        (host: Host)
        (http: HttpClient)
        (request: LoginRequest)
        (grant: CodeGrant)
        (code: string)
        (cancel: CancellationToken)
        =
        taskResult {
            let! token =
                exchange http request.RequestTimeout grant.Auth grant.ClientId code grant.Redirect grant.Secrets cancel
                |> TaskResult.mapError LoginError.Token

            let! api =
                match request.ApiBaseUrl with
                | Some url -> Task.FromResult(Ok url)
                | None ->
                    tenantApi http request.RequestTimeout grant.Services.Accounts token.Value cancel
                    |> TaskResult.mapError LoginError.ApiBaseUrl

            let reached = { Client = http; Services = grant.Services; Token = token; ApiBaseUrl = api }

            return! LoginProfile.finish host request reached cancel
        }

    /// <summary>
    /// Logs a person in (SPEC §7.5): the authorize URL shown and opened, the code received as
    /// `request.Receipt` says within `request.Timeout` (or until `cancel`), the code exchanged, the
    /// API base URL and the account found, and the profile saved under the CARTO CLI file's lock.
    /// </summary>
    let run
        (host: Host)
        (http: HttpClient)
        (request: LoginRequest)
        (cancel: CancellationToken)
        : Task<Result<LoggedIn, LoginError>> =
        taskResult {
            let! services = CloudServices.ofVariables host.GetVariable |> Result.mapError LoginError.Service
            let secrets = OAuthLogin.secrets (RandomNumberGenerator.GetBytes OAuthLogin.RandomBytes)
            let clientId = OAuthLogin.clientId host.GetVariable
            let redirect = CodeReceiver.redirect request.Receipt

            let url =
                Uri(
                    OAuthLogin.authorizeUrl
                        (ServiceUrl.value services.Auth)
                        clientId
                        redirect
                        secrets
                        request.Organization
                )

            let! code = CodeReceiver.receive request url secrets.State cancel

            return!
                task {
                    try
                        let grant =
                            { Services = services
                              ClientId = clientId
                              Redirect = redirect
                              Secrets = secrets }

                        return! afterCode host http request grant code cancel
                    with :? OperationCanceledException when cancel.IsCancellationRequested ->
                        return Error LoginError.Cancelled
                }
        }
