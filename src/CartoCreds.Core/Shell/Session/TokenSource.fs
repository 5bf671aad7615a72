namespace CartoCreds.Core

open System
open System.Threading
open System.Threading.Tasks
open Microsoft.Extensions.Logging

/// Where a token source stands, swapped whole under one lock (as Azure.Identity keeps a token
/// cache's state in one place).
type private Phase =
    /// No token held. The disk cache is read on the way out of this state, skipping `refused`
    /// (a token the service refused, which the disk may still hold).
    | Empty of refused: string option
    /// A token, served as it is until its `RefreshOn`.
    | Fresh of AccessToken
    /// One exchange in flight, shared by every caller; `current` is served if it fails while valid.
    | Refreshing of current: AccessToken option * Task<Result<AccessToken, ExchangeError>>
    /// No exchange before `until`: a failed replacement (30 s) or a `429` (its `Retry-After`, at
    /// most 60 s). `current` is served meanwhile while valid, else `error` is answered; `refused`
    /// is still skipped on the disk afterwards.
    | BackingOff of current: AccessToken option * until: DateTimeOffset * error: ExchangeError * refused: string option

/// <summary>
/// SPEC §7.4: client credentials exchanged for access tokens at `{authUrl}/oauth/token`. A token is
/// reused until its `RefreshOn`; any number of concurrent callers cause one request; a failed
/// replacement while the current token is valid serves it and waits 30 s, a `429` waits its
/// `Retry-After`; a refused token is dropped. Tokens are cached on disk (atomic, 0600) for other
/// processes when a directory is given, bound to a salted hash of the secret, and a token read
/// from there is the same as one just exchanged: replaced when due, never served past its expiry.
/// No redirect is followed. A cache that another user could have written is neither read nor
/// written, and `warn` is told why. What it does is logged to `log` (SPEC §10). Errors are values.
/// </summary>
type TokenSource(endpoint: TokenEndpoint, cacheDirectory: string option, options: SessionOptions) =

    let http, time, timeout = options.Client, options.Clock, options.Timeout
    let warn, log = options.Warn, options.Log
    let gate = obj ()
    let mutable phase = Empty None
    let auth = endpoint.Auth
    let client = CloudText.value endpoint.ClientId

    let cachePath = cacheDirectory |> Option.map (fun dir -> TokenCacheDisk.path dir endpoint)

    /// Told when the cache is skipped because another user could have written it.
    let ignored (exposure: Exposure) =
        warn exposure
        Log.cacheIgnored log exposure

    /// The token in the disk cache, when it is this client's and secret's, unexpired, and not the refused one.
    let fromDisk (now: DateTimeOffset) (refused: string option) : AccessToken option =
        match cachePath |> Option.map (fun path -> TokenCacheDisk.read path endpoint) with
        | Some(Ok token) ->
            token |> Option.filter (fun t -> TokenExchange.isValid now t && not (Option.contains t.Value refused))
        | Some(Error exposure) ->
            ignored exposure
            None
        | None -> None

    /// Writes the cache file for other processes, unless its directories could be another user's.
    let toDisk (token: AccessToken) =
        match cachePath |> Option.map (fun path -> TokenCacheDisk.write path endpoint token) with
        | Some(Error exposure) -> ignored exposure
        | Some(Ok())
        | None -> ()

    let post () = TokenExchangeHttp.post http.Value time timeout endpoint

    let shared =
        options.SharedCache |> Option.map (fun store -> SharedTokenCache(store, endpoint, time, log))

    /// What this instance keeps: with a shared cache, due a random moment early (SPEC §7.7).
    let kept (token: AccessToken) =
        match shared with
        | Some _ -> SharedTokenCache.Jitter (time.GetUtcNow()) token
        | None -> token

    /// A token from the shared cache: served, and kept on disk for this machine's processes.
    let servedFromShared (token: AccessToken) =
        Telemetry.cacheHit "shared"
        Log.fromShared log client token
        toDisk token
        let token = kept token
        Fresh token, Ok token

    /// A token from the disk cache, served as one just exchanged.
    let servedFromDisk (token: AccessToken) =
        Telemetry.cacheHit "disk"
        cachePath |> Option.iter (fun path -> Log.fromDisk log client path token)
        let token = kept token
        Fresh token, Ok token

    /// The way out of `Empty`, `Fresh` (due) and `BackingOff` (over): the disk first when nothing
    /// is held, then an exchange; the next phase, and what the waiting callers get.
    let refresh (current: AccessToken option) (refused: string option) =
        task {
            let now = time.GetUtcNow()
            // SPEC §7.7's order on a memory miss: the shared cache, the disk, an exchange.
            let! sharedFirst = SharedTokenCache.NewerOf(shared, now, current, refused)
            let onDisk = if current.IsNone && sharedFirst.IsNone then fromDisk now refused else None

            match TokenRenewal.firstLook now sharedFirst onDisk with
            | FirstLook.FromShared token -> return servedFromShared token
            | FirstLook.FromDisk token -> return servedFromDisk token
            | FirstLook.Exchange ->
                // One exchange per machine (SPEC §7.4): under this client's lock the disk is read
                // again, for what another process exchanged meanwhile.
                use! exclusive =
                    match cachePath with
                    | Some path -> TokenCacheDisk.lockExchange path options.ExchangeLockWait
                    | None -> Task.FromResult ExchangeLock.Unavailable

                let now = time.GetUtcNow()

                let peer =
                    match exclusive with
                    | ExchangeLock.Held _ -> TokenRenewal.peer now current (fromDisk now refused)
                    | ExchangeLock.Waited(lockPath, waited) ->
                        Log.exchangeLockWaited log client lockPath waited
                        None
                    | ExchangeLock.Unavailable -> None

                // Just before an exchange: what another machine renewed meanwhile, or the one it is making.
                let! sharedAgain =
                    match shared, peer with
                    | Some cache, None -> cache.BeforeExchangeAsync(now, current, refused, timeout)
                    | _ -> Task.FromResult None

                match sharedAgain, peer with
                | Some token, _ -> return servedFromShared token
                | None, Some token -> return servedFromDisk token
                | None, None ->
                    Telemetry.cacheHit "miss"
                    let held = Option.orElse onDisk current
                    let! answer, wait = Telemetry.exchange auth post
                    let now = time.GetUtcNow()

                    match TokenRenewal.afterExchange now answer held wait with
                    | ExchangeOutcome.Exchanged token ->
                        Log.exchanged log client auth (held |> Option.filter (TokenExchange.isValid now)) token
                        toDisk token

                        match shared with
                        | Some cache -> do! cache.SetAsync(token, CancellationToken.None)
                        | None -> ()

                        let token = kept token
                        return Fresh token, Ok token
                    | ExchangeOutcome.KeepHeld(token, until, error) ->
                        Log.replacementFailed log client error token until
                        return BackingOff(Some token, until, error, refused), Ok token
                    | ExchangeOutcome.RateLimited(until, error) ->
                        Log.backingOff log client error until
                        return BackingOff(None, until, error, refused), Error error
                    | ExchangeOutcome.Failed error ->
                        Log.exchangeFailed log client error
                        return Empty refused, Error error
        }

    /// Sets up the one exchange (under the lock): the phase becomes `Refreshing` before any of the
    /// work runs. The work is run by the caller that set it up, after the lock is released, on its
    /// own thread (a disk hit completes at once, with no thread pool); the waiting callers wake
    /// after the phase that follows is set.
    let prepare (current: AccessToken option) (refused: string option) =
        let done' =
            TaskCompletionSource<Result<AccessToken, ExchangeError>>(TaskCreationOptions.RunContinuationsAsynchronously)

        phase <- Refreshing(current, done'.Task)

        let work () =
            task {
                let! next, outcome =
                    task {
                        try
                            return! refresh current refused
                        with e ->
                            return Empty refused, Error(ExchangeError.Unreachable(e.GetType().Name))
                    }

                lock gate (fun () -> phase <- next)
                done'.SetResult outcome
            }
            |> ignore

        done'.Task, Some work

    /// The server this source exchanges with.
    member _.AuthUrl = auth

    /// The token server, client id and secret tokens are exchanged with.
    member _.Endpoint = endpoint

    /// Drops `token` when it is the one held (the service refused it before it expired): the next
    /// caller exchanges again, without waiting for a back-off, and never takes it from the disk
    /// again. A caller holding an older token drops nothing newer.
    member _.Invalidate(token: string) =
        let dropped =
            lock gate (fun () ->
                match phase with
                | Fresh held
                | BackingOff(Some held, _, _, _) when held.Value = token ->
                    phase <- Empty(Some token)
                    true
                | Refreshing(Some held, pending) when held.Value = token ->
                    phase <- Refreshing(None, pending)
                    true
                | _ -> false)

        if dropped then
            Log.dropped log client

    /// A valid token: the current one while it is not due (no allocation, no lock), else the one
    /// exchange shared by every caller waiting meanwhile.
    member _.GetAsync(cancellationToken: CancellationToken) : ValueTask<Result<AccessToken, ExchangeError>> =
        let now = time.GetUtcNow()

        match Volatile.Read(&phase) with
        | Fresh token when token.NotDueAt now ->
            Telemetry.cacheHit "memory"
            ValueTask<_>(Ok token)
        | _ ->
            let answer =
                lock gate (fun () ->
                    let now = time.GetUtcNow()

                    match phase with
                    | Fresh token when token.NotDueAt now ->
                        Telemetry.cacheHit "memory"
                        Choice1Of2(Ok token)
                    | Fresh token -> Choice2Of2(prepare (Some token) None)
                    | Refreshing(_, pending) -> Choice2Of2(pending, None)
                    | BackingOff(current, until, error, _) when DateTimeOffset.op_LessThan (now, until) ->
                        match current with
                        | Some token when TokenExchange.isValid now token -> Choice1Of2(Ok token)
                        | _ -> Choice1Of2(Error error)
                    | BackingOff(current, _, _, refused) ->
                        Choice2Of2(prepare (current |> Option.filter (TokenExchange.isValid now)) refused)
                    | Empty refused -> Choice2Of2(prepare None refused))

            match answer with
            | Choice1Of2 result -> ValueTask<_>(result)
            | Choice2Of2(pending, work) ->
                // Outside the lock: the one caller that set the exchange up runs it.
                work |> Option.iter (fun run -> run ())
                ValueTask<Result<AccessToken, ExchangeError>>(pending.WaitAsync cancellationToken)
