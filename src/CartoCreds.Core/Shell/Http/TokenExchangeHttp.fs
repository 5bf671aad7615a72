namespace CartoCreds.Core

open System
open System.IO
open System.Net.Http
open System.Threading
open System.Threading.Tasks

/// SPEC §7.4's request: client credentials posted to `{authUrl}/oauth/token`, the reply read to a
/// bound, a reply from another origin (a caller's client that followed a redirect) refused.
[<RequireQualifiedAccess>]
module TokenExchangeHttp =

    /// The wait a `Retry-After` header asks for, by its delay or its date.
    let private retryAfter (time: TimeProvider) (response: HttpResponseMessage) =
        match response.Headers.RetryAfter with
        | null -> None
        | header ->
            match Option.ofNullable header.Delta, Option.ofNullable header.Date with
            | Some wait, _ -> Some wait
            | None, Some at -> Some(at - time.GetUtcNow())
            | None, None -> None

    /// One POST of the client credentials: the answer, and the `Retry-After` it gave.
    let private once
        (http: HttpClient)
        (time: TimeProvider)
        (timeout: TimeSpan)
        (endpoint: TokenEndpoint)
        : Task<Result<AccessToken, ExchangeError> * TimeSpan option> =
        task {
            use cancel = new CancellationTokenSource(timeout)
            let issued = time.GetUtcNow()

            try
                use content =
                    new FormUrlEncodedContent(
                        TokenExchange.requestForm endpoint.ClientId endpoint.Secret
                        |> List.map (fun (k, v) -> Collections.Generic.KeyValuePair(k, v))
                    )

                use request = new HttpRequestMessage(HttpMethod.Post, endpoint.Auth + "/oauth/token", Content = content)
                use! response = http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token)
                let status = int response.StatusCode
                let answered = response.RequestMessage.RequestUri

                if not (isNull answered) && answered.GetLeftPart UriPartial.Authority <> endpoint.Origin then
                    // A client of the caller's own followed a redirect: its token is not taken.
                    return Error(ExchangeError.Redirected(status, TokenExchange.originOf (Some answered))), None
                else
                    let location = Option.ofObj response.Headers.Location

                    // A reply is read to a bound: a server that sends more is not answering a token request.
                    match! Http.readBounded response.Content TokenExchange.MaxReply cancel.Token with
                    | None -> return Error(ExchangeError.UnexpectedAnswer status), None
                    | Some body ->
                        return
                            TokenExchange.reply (CloudText.value endpoint.Secret) issued status location body,
                            retryAfter time response
            with
            | :? OperationCanceledException -> return Error(ExchangeError.TimedOut timeout.TotalSeconds), None
            | :? HttpRequestException as e -> return Error(ExchangeError.Unreachable(Http.failure e)), None
            | :? IOException -> return Error(ExchangeError.Unreachable Http.closedEarly), None
        }

    /// The POST, with one retry after a failure to connect or send: a pooled connection the server
    /// has closed fails a POST, which .NET does not retry itself. Asking for a token twice is harmless.
    let post (http: HttpClient) (time: TimeProvider) (timeout: TimeSpan) (endpoint: TokenEndpoint) =
        task {
            match! once http time timeout endpoint with
            | Error(ExchangeError.Unreachable _), _ -> return! once http time timeout endpoint
            | answer -> return answer
        }
