namespace CartoCreds.Core

open System
open System.IO
open System.Net.Http
open System.Net.Http.Headers
open System.Threading
open System.Threading.Tasks

/// Where CARTO 3 credentials get their bearer token: the token itself, or an exchange.
[<RequireQualifiedAccess>]
type Bearer =
    | Token of string
    | Exchanged of TokenSource * authUrl: string

/// SPEC §8: verifies credentials by asking CARTO whose they are. One request (two for client
/// credentials whose token is refused: it is exchanged again once), bounded in time; the caller's
/// cancellation is honoured and raised as such, never taken for unreachability.
[<RequireQualifiedAccess>]
module Verify =

    let private unreachable (url: string) (detail: string) =
        Error
            { Failure = VerifyFailure.Unreachable
              Status = None
              RetryAfter = None
              Url = url
              Detail = Some detail }

    let private retryAfter (headers: RetryConditionHeaderValue) =
        if isNull headers then
            None
        else
            Verification.retryAfter
                (TimeProvider.System.GetUtcNow())
                (Option.ofNullable headers.Delta)
                (Option.ofNullable headers.Date)

    /// One GET: the answer's meaning, or unreachability after `timeout`.
    let private get
        (client: HttpClient)
        (timeout: TimeSpan)
        (legacy: bool)
        (shown: string)
        (prepare: HttpRequestMessage -> unit)
        (cancel: CancellationToken)
        : Task<Result<Identity, VerifyError>> =
        task {
            use timer = new CancellationTokenSource(timeout)
            use linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token)

            try
                use request = new HttpRequestMessage(HttpMethod.Get, shown)
                request.Headers.Accept.ParseAdd "application/json"
                prepare request

                use! response = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token)
                let! body = Http.readBounded response.Content Verification.MaxAnswer linked.Token

                return
                    Verification.answer
                        legacy
                        shown
                        (int response.StatusCode)
                        (retryAfter response.Headers.RetryAfter)
                        body
            with
            | :? OperationCanceledException when not cancel.IsCancellationRequested ->
                return unreachable shown ("no answer within " + string timeout.TotalSeconds + " s")
            | :? HttpRequestException as e when not cancel.IsCancellationRequested ->
                return unreachable shown ("the connection failed: " + string e.HttpRequestError)
            | :? IOException when not cancel.IsCancellationRequested ->
                return unreachable shown "the connection was closed before the answer was read"
        }

    /// Legacy credentials: `GET {base_url}/api/v3/me?api_key=KEY`.
    let legacy
        (client: HttpClient)
        (timeout: TimeSpan)
        (credentials: Credentials)
        (cancel: CancellationToken)
        : Task<Result<Identity, VerifyError>> =
        let shown = Verification.legacyUrl credentials
        let sent = Verification.legacyRequest credentials
        get client timeout true shown (fun request -> request.RequestUri <- sent) cancel

    let private token (bearer: Bearer) (cancel: CancellationToken) : Task<Result<string, VerifyError>> =
        task {
            match bearer with
            | Bearer.Token token -> return Ok token
            | Bearer.Exchanged(source, authUrl) ->
                try
                    let! token = source.GetAsync cancel
                    return Ok token.Value
                with :? TokenExchangeException as e ->
                    return Error(Verification.ofExchange authUrl e.Error e.Message)
        }

    /// CARTO 3 credentials: `GET {accounts_url}/users/me` with the bearer token. A token from
    /// client credentials that is refused is dropped, exchanged again and tried once more.
    let cloud
        (client: HttpClient)
        (timeout: TimeSpan)
        (accounts: ApiBaseUrl)
        (bearer: Bearer)
        (cancel: CancellationToken)
        : Task<Result<Identity, VerifyError>> =
        let shown = Verification.cloudUrl accounts

        let attempt () =
            task {
                match! token bearer cancel with
                | Error e -> return Error e, None
                | Ok value ->
                    let bearerHeader (request: HttpRequestMessage) =
                        request.Headers.Authorization <- AuthenticationHeaderValue("Bearer", value)

                    let! answer = get client timeout false shown bearerHeader cancel
                    return answer, Some value
            }

        task {
            let! first, sent = attempt ()

            match first, sent, bearer with
            | Error { Failure = VerifyFailure.Rejected; Status = Some 401 }, Some value, Bearer.Exchanged(source, _) ->
                source.Invalidate value
                let! again, _ = attempt ()
                return again
            | answer, _, _ -> return answer
        }
