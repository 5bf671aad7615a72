namespace CartoCreds.Core

open System
open System.Security.Cryptography
open System.Threading
open System.Threading.Tasks
open Microsoft.Extensions.Logging

/// Until when a cache that failed is skipped: one per store (its connection), whoever uses it.
type private Skip() =
    [<DefaultValue>]
    val mutable Until: DateTimeOffset

    /// Whether the cache has answered once: until then a call may take `FirstCallTimeout`, since
    /// the first call of a client includes its connection.
    [<DefaultValue>]
    val mutable Answered: bool

/// <summary>
/// SPEC §7.7's calls to a shared cache: each bounded (`CallTimeout`, and `FirstCallTimeout` until
/// the cache has answered once: the first call makes the connection); a cache that fails or is slow
/// is skipped, with a warning and a metric, and asked again no sooner than 30 s later, whoever
/// uses it (the skip is the store's). It never fails a caller: what it cannot give is a miss.
/// </summary>
type SharedCalls(cache: SharedStore, time: TimeProvider, log: ILogger) =

    static let skips = System.Runtime.CompilerServices.ConditionalWeakTable<SharedStore, Skip>()
    let skip = skips.GetValue(cache, fun _ -> Skip())

    /// How long one call may take before the cache is skipped (a call left behind goes on).
    static member CallTimeout = TimeSpan.FromMilliseconds 500.0

    /// How long the first call may take, before the cache has ever answered: a client's first call
    /// makes its connection (hosting's start-up connect has the same budget). A cold cache is a
    /// slow one, not a skipped one.
    static member FirstCallTimeout = TimeSpan.FromSeconds 5.0

    /// How long a cache that failed is skipped.
    static member Pause = TimeSpan.FromSeconds 30.0

    member _.Skipping = DateTimeOffset.op_LessThan (time.GetUtcNow(), lock skip (fun () -> skip.Until))

    member private _.Failed (operation: string) (reason: string) =
        let until = time.GetUtcNow() + SharedCalls.Pause
        // Said once per pause, however many callers met the failure at the same moment.
        let first =
            lock skip (fun () ->
                let first = not (DateTimeOffset.op_LessThan (time.GetUtcNow(), skip.Until))
                skip.Until <- until
                first)

        Telemetry.sharedCacheFailed operation

        if first then
            Log.sharedCacheFailed log operation reason until

    /// Runs one call within the bound; `None` when it failed or took too long (then the cache is
    /// skipped). A call left behind that succeeds after all (a connection that was being made)
    /// ends the pause: the cache is up. A read is not made while the cache is skipped; a write
    /// always is, since it may still land. The caller's own cancellation is raised as such.
    member this.Bounded
        (operation: string)
        (whileSkipped: bool)
        (call: CancellationToken -> Task<'T>)
        (cancel: CancellationToken)
        =
        task {
            if this.Skipping && not whileSkipped then
                return None
            else
                // A client that throws at once (one disposed, one misconfigured) fails like one that answers so.
                let pending =
                    try
                        call cancel
                    with e ->
                        Task.FromException<'T> e

                let bound =
                    if lock skip (fun () -> skip.Answered) then
                        SharedCalls.CallTimeout
                    else
                        SharedCalls.FirstCallTimeout

                try
                    let! result = pending.WaitAsync(bound, cancel)
                    lock skip (fun () -> skip.Answered <- true)
                    return Some result
                with
                | :? OperationCanceledException when cancel.IsCancellationRequested ->
                    return raise (OperationCanceledException cancel)
                | :? TimeoutException ->
                    this.Failed operation ("no answer within " + string bound.TotalMilliseconds + " ms")

                    pending.ContinueWith(fun (late: Task<'T>) ->
                        if late.IsCompletedSuccessfully then
                            lock skip (fun () ->
                                skip.Answered <- true
                                skip.Until <- DateTimeOffset.MinValue))
                    |> ignore

                    return None
                | e ->
                    this.Failed operation (e.GetType().Name)
                    return None
        }

    /// The store called.
    member _.Store = cache

    /// How long a claim is left to settle: longer than the spread of the claims of instances that
    /// fell due together, so that the last one written is the one every claimant reads back.
    static member Settle = TimeSpan.FromMilliseconds 150.0

    /// <summary>
    /// A claim on one piece of work a fleet does once (SPEC §7.7; the cache has no atomic write, so
    /// the last claim written wins): true when this instance should do it — its claim stood, its
    /// write failed, or the cache did not answer; false when another instance's live claim, or one
    /// written over this one's while it settled, says to wait for that instance. A claim lives
    /// until `until`.
    /// </summary>
    member this.ClaimAsync(claimKey: string, until: DateTimeOffset) : Task<bool> =
        let read () = this.Bounded "read" false (fun bound -> cache.Get claimKey bound) CancellationToken.None

        task {
            let! held = read ()

            let standing =
                match held with
                | Some claim when not (isNull claim) -> ClaimStanding.Claimed
                | Some _ -> ClaimStanding.Unclaimed
                | None -> ClaimStanding.CacheFailed

            match TokenRenewal.beforeClaim standing with
            | ClaimMove.WaitForClaimant -> return false
            | ClaimMove.ExchangeNow -> return true
            | ClaimMove.MakeClaim ->
                let mine = RandomNumberGenerator.GetBytes 16

                let set bound =
                    task {
                        do! cache.Set claimKey mine until bound
                        return ()
                    }

                let! written = this.Bounded "write" false set CancellationToken.None
                do! Task.Delay(SharedCalls.Settle, time)
                let! after = read ()
                return TokenRenewal.claimWon written.IsSome (after |> Option.bind Option.ofObj) mine
        }

/// <summary>
/// SPEC §7.7: one client's tokens in a cache shared by many machines (an `IDistributedCache`: Redis,
/// Garnet, SQL Server, …, as a `SharedStore`), sealed (`SharedToken`). Every call is bounded (`CallTimeout`, and
/// `FirstCallTimeout` until the cache has answered once: the first call makes the connection); a cache
/// that fails or is slow is skipped, with a warning and a metric, and asked again no sooner than
/// 30 s later. It never fails a caller: what it cannot give is a miss, what it cannot keep is lost.
/// </summary>
type SharedTokenCache(cache: SharedStore, endpoint: TokenEndpoint, time: TimeProvider, log: ILogger) =

    let key = SharedToken.key endpoint
    let calls = SharedCalls(cache, time, log)

    /// How long one call may take before the cache is skipped (a call left behind goes on).
    static member CallTimeout = SharedCalls.CallTimeout

    /// How long the first call may take, before the cache has ever answered.
    static member FirstCallTimeout = SharedCalls.FirstCallTimeout

    /// How long a cache that failed is skipped.
    static member Pause = SharedCalls.Pause

    member private _.Skipping = calls.Skipping

    member private _.Bounded operation whileSkipped call cancel = calls.Bounded operation whileSkipped call cancel

    /// The cache's key of this client's entry.
    member _.Key = key

    /// <summary>
    /// `token` as this instance keeps it: due a random moment earlier, within a quarter of the
    /// time to its `RefreshOn` and at most 60 s, so that of many instances holding one token one
    /// falls due first, renews and shares, and the others find its token when they fall due.
    /// </summary>
    static member Jitter (now: DateTimeOffset) (token: AccessToken) : AccessToken =
        match token.RefreshOn with
        | Some at when at > now ->
            let window = min (TimeSpan.FromSeconds 60.0) ((at - now) / 4.0)

            { token with RefreshOn = Some(at - window * Random.Shared.NextDouble()) }
        | _ -> token

    /// A token another instance shared that this one can serve at `now`: not due, not `current`
    /// (a peer's copy of the token held is no renewal), not the one the service refused.
    member this.NewerAsync(now: DateTimeOffset, current: AccessToken option, refused: string option) =
        task {
            let! found = this.GetAsync CancellationToken.None

            return
                found
                |> Option.filter (fun token ->
                    token.NotDueAt now
                    && not (Option.contains token.Value refused)
                    && current |> Option.forall (fun held -> held.Value <> token.Value))
        }

    /// A token another instance shared, newer than `current` and not due; none without a cache.
    static member NewerOf(cache: SharedTokenCache option, now, current, refused) =
        match cache with
        | Some cache -> cache.NewerAsync(now, current, refused)
        | None -> Task.FromResult None

    /// The token in the shared cache, when there is one that opens under this client's secret.
    member this.GetAsync(cancel: CancellationToken) : Task<AccessToken option> =
        task {
            match! this.Bounded "read" false (fun bound -> cache.Get key bound) cancel with
            | Some entry when not (isNull entry) ->
                match SharedToken.openEntry endpoint entry with
                | Some token -> return Some token
                | None -> return None // another secret's, tampered, or garbage: replaced by the next write
            | _ -> return None
        }

    /// How long a claim is left to settle.
    static member Settle = SharedCalls.Settle

    /// <summary>
    /// Just before an exchange, one instance of the fleet is chosen to make it (the cache has no
    /// atomic write, so the last claim written wins), by a claim on replacing the token it holds:
    /// a claim another instance made and that is still live, or a claim of its own overwritten
    /// while it settled, makes this one wait, up to
    /// `wait` (the exchange's own bound), for the token that instance shares. `Some` token when it
    /// came; `None` when this instance should exchange: it won, the claimant's token did not come,
    /// or the cache failed.
    /// </summary>
    member this.BeforeExchangeAsync(now: DateTimeOffset, current, refused, wait: TimeSpan) : Task<AccessToken option> =
        let claimKey = TokenRenewal.claimKey key current

        task {
            match! this.NewerAsync(now, current, refused) with
            | Some token -> return Some token
            | None ->
                let! won = calls.ClaimAsync(claimKey, now + wait + TimeSpan.FromSeconds 1.0)

                if won then
                    return None
                else
                    // The claimant's token, read every 100 ms until the deadline `wait` after the
                    // decision began, by the session's clock (a slow cache's reads count against
                    // it); none while the cache is skipped.
                    let step = TimeSpan.FromMilliseconds 100.0
                    let deadline = now + wait
                    let mutable found = None

                    while found.IsNone && not this.Skipping && TokenRenewal.keepWaiting (time.GetUtcNow()) deadline step do
                        do! Task.Delay(step, time)
                        let! shared = this.NewerAsync(time.GetUtcNow(), current, refused)
                        found <- shared

                    return found
        }

    /// Keeps `token` in the shared cache until it expires (or falls due, when its expiry is unknown).
    member this.SetAsync(token: AccessToken, cancel: CancellationToken) : Task =
        task {
            let salt = Convert.ToHexString(RandomNumberGenerator.GetBytes 16).ToLowerInvariant()
            let entry = SharedToken.seal endpoint (RandomNumberGenerator.GetBytes SharedToken.NonceSize) salt token

            // An exchanged token always has a time to replace it; one given whole is never shared.
            let expires =
                token.ExpiresOn |> Option.orElse token.RefreshOn |> Option.defaultValue DateTimeOffset.MinValue

            let! _ =
                this.Bounded
                    "write"
                    true
                    (fun bound ->
                        task {
                            do! cache.Set key entry expires bound
                            return ()
                        })
                    cancel

            return ()
        }
