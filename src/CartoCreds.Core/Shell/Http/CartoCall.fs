namespace CartoCreds.Core

open System
open System.IO
open System.Net.Http
open System.Net.Http.Headers
open System.Threading
open System.Threading.Tasks

/// One bearer call of a CARTO 3 session: the client it is sent through, how long it may take, how
/// the token is attached, and the token server when the token comes from client credentials
/// (`None` for an access token, which nothing exchanges).
type BearerRequest =
    { Client: HttpClient
      Timeout: TimeSpan
      Authenticate: Authenticate
      AuthUrl: string option }

/// How a call is sent: the answer, or why no request could be made.
type internal Send = HttpRequestMessage -> CancellationToken -> Task<Result<HttpResponseMessage, VerifyError>>

/// What a bounded answer means: the URL shown, the status, `Retry-After`, the body (`None`: too large).
type internal Read<'T> = string -> int -> TimeSpan option -> ReadOnlyMemory<byte> option -> Result<'T, VerifyError>

/// One call to CARTO: what it asks, its method, at which URL (as shown, never with a secret), how
/// the message is prepared beyond that method and URL (a body, another URL sent), and what its
/// answer means.
type internal Asked<'T> =
    { Endpoint: Endpoint
      Method: HttpMethod
      Shown: string
      Prepare: HttpRequestMessage -> unit
      Read: Read<'T> }

/// SPEC §8: one call to CARTO, bounded in time, following no redirect; the caller's cancellation
/// is honoured and raised as such, never taken for unreachability. Verification (SPEC §8, §7.8)
/// and the Tokens API (SPEC §12) are made of it.
[<RequireQualifiedAccess>]
module internal CartoCall =

    let private unreachable (endpoint: Endpoint) (url: string) (detail: string) =
        Error
            { Failure = VerifyFailure.Unreachable
              Endpoint = endpoint
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

    /// A GET of `shown` read by `read`, with nothing else to prepare.
    let plainly (endpoint: Endpoint) (shown: string) (read: Read<'T>) : Asked<'T> =
        { Endpoint = endpoint
          Method = HttpMethod.Get
          Shown = shown
          Prepare = ignore
          Read = read }

    /// What an answer means. A redirect is never followed, and an answer from another origin (a
    /// caller's client that followed one) is not taken: no other server may answer for CARTO.
    let private meaning
        (asked: Asked<'T>)
        (response: HttpResponseMessage)
        (cancel: CancellationToken)
        : Task<Result<'T, VerifyError>> =
        let endpoint, shown = asked.Endpoint, asked.Shown

        task {
            let status = int response.StatusCode
            let answered = response.RequestMessage.RequestUri

            if status >= 300 && status < 400 then
                let target = TokenExchange.originOf (Option.ofObj response.Headers.Location)
                return Error(Verification.redirected endpoint shown status target)
            elif
                not (isNull answered)
                && answered.GetLeftPart UriPartial.Authority <> Uri(shown).GetLeftPart UriPartial.Authority
            then
                return Error(Verification.redirected endpoint shown status (TokenExchange.originOf (Some answered)))
            else
                let! body = Http.readBounded response.Content Verification.MaxAnswer cancel
                return asked.Read shown status (retryAfter response.Headers.RetryAfter) body
        }

    /// One call: the answer's meaning, or unreachability after `timeout`.
    let send (send: Send) (timeout: TimeSpan) (asked: Asked<'T>) (cancel: CancellationToken) =
        let endpoint, shown = asked.Endpoint, asked.Shown

        task {
            use timer = new CancellationTokenSource(timeout)
            use linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token)

            try
                use request = new HttpRequestMessage(asked.Method, shown)
                request.Headers.Accept.ParseAdd "application/json"
                asked.Prepare request

                match! send request linked.Token with
                | Error e -> return Error e
                | Ok response ->
                    use response = response
                    return! meaning asked response linked.Token
            with
            | :? OperationCanceledException when not cancel.IsCancellationRequested ->
                return unreachable endpoint shown ("no answer within " + string timeout.TotalSeconds + " s")
            | :? HttpRequestException as e when not cancel.IsCancellationRequested ->
                return unreachable endpoint shown (Http.failure e)
            | :? IOException when not cancel.IsCancellationRequested ->
                return unreachable endpoint shown Http.closedEarly
        }

    /// Sent as it is, through `client`.
    let plain (client: HttpClient) : Send =
        fun request cancel ->
            task {
                let! response = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel)
                return Ok response
            }

    /// Sends with the bearer token by the one renewal rule (a token from client credentials that is
    /// refused is dropped, exchanged again and tried once more, with the same body). A token that
    /// cannot be had is an error naming the token server or the expiry.
    let bearer (request: BearerRequest) (endpoint: Endpoint) (shown: string) : Send =
        let client = request.Client
        let authenticate = request.Authenticate
        // Only a token from client credentials is exchanged, so only then is there a token server to name.
        let authUrl = request.AuthUrl |> Option.defaultValue shown

        fun request cancel ->
            task {
                // An HttpClient sends a message once: the retry with a renewed token is a copy.
                let mutable sent = false

                let send =
                    Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>(fun r c ->
                        let message =
                            if not sent then
                                sent <- true
                                r
                            else
                                let copy = new HttpRequestMessage(r.Method, r.RequestUri, Content = r.Content)

                                for header in r.Headers do
                                    copy.Headers.TryAddWithoutValidation(header.Key, header.Value) |> ignore

                                copy

                        client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, c))

                match! Renewal.sendAsync authenticate send request cancel with
                | Ok response -> return Ok response
                | Error(TokenError.Exchange e) ->
                    return Error(Verification.ofExchange authUrl e (CallMessages.exchangeError e))
                | Error(TokenError.Expired _ | TokenError.Service _ as e) ->
                    return
                        Error
                            { Failure = VerifyFailure.Rejected
                              Endpoint = endpoint
                              Status = None
                              RetryAfter = None
                              Url = shown
                              Detail = Some(CallMessages.tokenError e) }
            }

    /// How the token of a request is had, for a trace: exchanged or given.
    let kind (request: BearerRequest) =
        match request.AuthUrl with
        | Some _ -> "client_credentials"
        | None -> "access_token"

    /// One call with the bearer token, traced as `activity` with `outcome`.
    let withBearer
        (activity: string)
        (outcome: Result<'T, VerifyError> -> string)
        (asked: Asked<'T>)
        (request: BearerRequest)
        (cancel: CancellationToken)
        : Task<Result<'T, VerifyError>> =
        Telemetry.traced activity (kind request) asked.Shown outcome (fun () ->
            send (bearer request asked.Endpoint asked.Shown) request.Timeout asked cancel)
