namespace CartoCreds.Core

open System
open System.IO
open System.Net.Http
open System.Threading
open System.Threading.Tasks

/// Client credentials could not be exchanged and no valid token is left (SPEC §7.4).
type TokenExchangeException(error: ExchangeError) =
    inherit Exception(Messages.exchangeError error)
    member _.Error = error

/// A token and when to replace it, swapped whole.
type private Cached = { Token: AccessToken; RefreshAt: DateTimeOffset }

/// SPEC §7.4: exchanges client credentials for access tokens at `{authUrl}/oauth/token`. A token is
/// reused until it is due for replacement; any number of concurrent callers cause one request; a
/// failed replacement while the current token is still valid serves it and waits 30 s before the
/// next try; tokens are cached on disk (atomic, 0600) for other processes when a directory is given.
/// The HTTP client is made only when a request is needed: a token from the cache costs none.
/// A cache that another user could have written (a looser mode or owner, a symbolic link) is
/// neither read nor written, and `warn` is told why.
type TokenSource
    (
        clientId: CloudText,
        secret: CloudText,
        authUrl: ApiBaseUrl,
        http: Lazy<HttpClient>,
        time: TimeProvider,
        cacheDirectory: string option,
        timeout: TimeSpan,
        warn: Exposure -> unit
    ) =

    let gate = obj ()
    let mutable cached: Cached option = None
    let mutable pending: Task<AccessToken> = null
    let mutable retryNotBefore = DateTimeOffset.MinValue
    let mutable diskChecked = false
    let auth = ApiBaseUrl.value authUrl

    let cachePath =
        cacheDirectory |> Option.map (fun dir -> Path.Combine(dir, TokenExchange.cacheName auth clientId))

    let keep (token: AccessToken) (issued: DateTimeOffset) =
        Volatile.Write(&cached, Some { Token = token; RefreshAt = TokenExchange.refreshAt issued token })

    let fromDisk (now: DateTimeOffset) =
        match cachePath with
        | Some path when not diskChecked ->
            diskChecked <- true

            match Disk.readPrivate path |> Result.map (fun read -> read.Content) with
            | Error exposure ->
                warn exposure
                None
            | Ok(Ok bytes) ->
                match TokenExchange.ofCache auth clientId bytes with
                | Some token when TokenExchange.isValid now token ->
                    // Its issue time is unknown: it is due `early` before it expires; kept either
                    // way, to be served if the exchange that replaces it fails.
                    let due = TokenExchange.refreshAtUnknownIssue token
                    Volatile.Write(&cached, Some { Token = token; RefreshAt = due })
                    if DateTimeOffset.op_LessThan (now, due) then Some token else None
                | _ -> None
            | Ok(Error _) -> None
        | _ -> None

    /// Writes the cache file for other processes, unless its directories could be another user's.
    let toDisk (token: AccessToken) =
        match cachePath with
        | Some path ->
            match Disk.privateDirectories path with
            | Some exposure -> warn exposure
            | None -> Store.write path (TokenExchange.cacheBytes auth clientId token) |> ignore
        | None -> ()

    let postOnce () : Task<Result<AccessToken, ExchangeError>> =
        task {
            use cancel = new CancellationTokenSource(timeout)
            let issued = time.GetUtcNow()

            try
                use content =
                    new FormUrlEncodedContent(
                        TokenExchange.requestForm clientId secret
                        |> List.map (fun (k, v) -> Collections.Generic.KeyValuePair(k, v))
                    )

                use request = new HttpRequestMessage(HttpMethod.Post, auth + "/oauth/token", Content = content)

                use! response = http.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token)

                // A reply is read to a bound: a server that sends more is not answering a token request.
                match! Http.readBounded response.Content TokenExchange.MaxReply cancel.Token with
                | None -> return Error(ExchangeError.UnexpectedAnswer(int response.StatusCode))
                | Some body -> return TokenExchange.reply issued (int response.StatusCode) body
            with
            | :? OperationCanceledException -> return Error(ExchangeError.TimedOut timeout.TotalSeconds)
            | :? HttpRequestException as e -> return Error(ExchangeError.Unreachable(string e.HttpRequestError))
            | :? IOException as e -> return Error(ExchangeError.Unreachable(e.GetType().Name))
        }

    /// One retry after a failure to connect or send: a pooled connection the server has closed
    /// fails a POST, which .NET does not retry itself. Asking for a token twice is harmless.
    let post () : Task<Result<AccessToken, ExchangeError>> =
        task {
            match! postOnce () with
            | Error(ExchangeError.Unreachable _) -> return! postOnce ()
            | answer -> return answer
        }

    let exchange () : Task<AccessToken> =
        task {
            try
                let now = time.GetUtcNow()

                match fromDisk now with
                | Some token -> return token
                | None ->
                    let! answer = post ()

                    match answer, cached with
                    | Ok token, _ ->
                        keep token (time.GetUtcNow())
                        toDisk token
                        return token
                    | Error _, Some current when TokenExchange.isValid (time.GetUtcNow()) current.Token ->
                        lock gate (fun () -> retryNotBefore <- time.GetUtcNow() + TokenExchange.backOff)
                        return current.Token
                    | Error error, _ -> return raise (TokenExchangeException error)
            finally
                lock gate (fun () -> pending <- null)
        }

    /// A source whose cache warnings go nowhere.
    new(clientId, secret, authUrl, http, time, cacheDirectory, timeout) =
        TokenSource(clientId, secret, authUrl, http, time, cacheDirectory, timeout, ignore)

    /// Drops `token` when it is the current one (the service refused it before it expired): the
    /// next caller exchanges again, without waiting for the back-off. A caller holding an older
    /// token drops nothing newer.
    member _.Invalidate(token: string) =
        lock gate (fun () ->
            match cached with
            | Some c when c.Token.Value = token ->
                cached <- None
                retryNotBefore <- DateTimeOffset.MinValue
                // The disk cache holds the same token: the next exchange replaces it.
                diskChecked <- true
            | _ -> ())

    /// A valid token: the current one while it is not due for replacement (no allocation), else
    /// one exchange shared by every caller waiting meanwhile.
    member _.GetAsync(cancellationToken: CancellationToken) : ValueTask<AccessToken> =
        let now = time.GetUtcNow()

        match Volatile.Read(&cached) with
        // DateTimeOffset.op_LessThan, not F#'s generic `<`, which boxes both sides.
        | Some c when DateTimeOffset.op_LessThan (now, c.RefreshAt) -> ValueTask<AccessToken>(c.Token)
        | _ ->
            let work =
                lock gate (fun () ->
                    match cached with
                    | Some c when now < retryNotBefore && TokenExchange.isValid now c.Token -> Task.FromResult c.Token
                    | _ ->
                        if isNull pending then
                            pending <- exchange ()

                        pending)

            ValueTask<AccessToken>(work.WaitAsync cancellationToken)
