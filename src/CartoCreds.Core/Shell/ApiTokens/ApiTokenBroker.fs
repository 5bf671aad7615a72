namespace CartoCreds.Core

open System
open System.Security.Cryptography
open System.Threading
open System.Threading.Tasks

/// A flight: the creation (or the fleet's token) every waiting caller shares.
type private Flight = Task<Result<Brokered, TokensCallError>>

/// <summary>
/// SPEC §12's broker: API Access Tokens of one request for an application, each created with
/// `expiration_date` = now + `lifetime`, reused until half its lifetime has passed, then replaced
/// (one creation for any number of callers; callers are handed the current token meanwhile while
/// a quarter of its lifetime is left). A replaced token this instance created is deleted once it
/// has expired; `DisposeAsync` deletes the rest (best effort, bounded), except the one a fleet
/// still shares. With a shared cache and client credentials, every instance of a fleet hands out
/// the fleet's token: one instance claims the creation, the others wait for the token it shares.
/// The state is one value (`BrokerState`) under one lock; the clock is the session's.
/// </summary>
type ApiTokenBroker(session: CloudSession, request: ApiTokenRequest, lifetime: TimeSpan) =

    let gate = obj ()
    let time = session.Clock
    let log = session.Options.Log
    let mutable state: BrokerState<Flight> = Idle(None, [], DateTimeOffset.MinValue)
    let mutable deletions: Task list = []

    /// `f` under the broker's lock (a function of its own rather than F#'s inlined `lock`, whose
    /// closures here would carry no source position into the symbols).
    let locked (f: unit -> 'T) : 'T =
        Monitor.Enter gate

        try
            f ()
        finally
            Monitor.Exit gate

    /// The fleet's cache, entry key and client, when there is a shared cache and client credentials.
    let fleet =
        match session.Options.SharedCache, session.Endpoint with
        | Some store, Some endpoint ->
            Some(SharedCalls(store, time, log), endpoint, Broker.key endpoint (ApiTokens.canonical request))
        | _ -> None

    /// A token created by this instance now.
    let create () : Flight =
        task {
            let now = time.GetUtcNow()
            let expires = now + lifetime
            let! created = session.CreateApiTokenAsync(ApiTokens.expiring expires request, CancellationToken.None)

            return
                created
                |> Result.map (fun token -> { Token = token; CreatedOn = now; ExpiresOn = expires; Mine = true })
        }

    /// The fleet's token, when one opens that is not `current` and is fresh at the clock's now.
    let shared (calls: SharedCalls) endpoint key (current: Brokered option) =
        task {
            let! entry = calls.Bounded "read" false (fun bound -> calls.Store.Get key bound) CancellationToken.None

            return
                entry
                |> Option.bind Option.ofObj
                |> Option.bind (Broker.openEntry endpoint key request)
                |> Option.filter (fun token ->
                    Broker.fresh (time.GetUtcNow()) token
                    && current |> Option.forall (fun held -> held.Token.Value <> token.Token.Value))
        }

    /// A fleet's flight: its token when one is fresh; else a claim on the creation, which one
    /// instance wins (it creates and shares); the others wait, up to the session's timeout, for
    /// the token it shares, and create their own when none came.
    let fleetFlight (calls: SharedCalls) endpoint key (current: Brokered option) : Flight =
        task {
            match! shared calls endpoint key current with
            | Some token -> return Ok token
            | None ->
                let! won =
                    calls.ClaimAsync(
                        Broker.claimKey key current,
                        time.GetUtcNow() + session.Timeout + TimeSpan.FromSeconds 1.0
                    )

                let keep (token: Brokered) =
                    task {
                        let entry =
                            Broker.seal endpoint key (RandomNumberGenerator.GetBytes SharedToken.NonceSize) token

                        let set bound =
                            task {
                                do! calls.Store.Set key entry token.ExpiresOn bound
                                return ()
                            }

                        let! _ = calls.Bounded "write" true set CancellationToken.None
                        return ()
                    }

                let createAndShare () =
                    task {
                        let! created = create ()

                        match created with
                        | Ok token -> do! keep token
                        | Error _ -> ()

                        return created
                    }

                if won then
                    return! createAndShare ()
                else
                    let step = TimeSpan.FromMilliseconds 100.0
                    let deadline = time.GetUtcNow() + session.Timeout
                    let mutable found = None

                    while found.IsNone
                          && not calls.Skipping
                          && TokenRenewal.keepWaiting (time.GetUtcNow()) deadline step do
                        do! Task.Delay(step, time)
                        let! token = shared calls endpoint key current
                        found <- token

                    match found with
                    | Some token -> return Ok token
                    | None -> return! createAndShare ()
        }

    /// Deletes replaced tokens that have expired, in the background (each call bounded and logged
    /// by the session); `DisposeAsync` waits for them.
    let delete (gone: Brokered list) =
        for token in gone do
            match CloudText.create CloudField.Token token.Token.Value with
            | Ok value ->
                let deleting = session.DeleteApiTokenAsync(value, CancellationToken.None) :> Task
                locked (fun () -> deletions <- deleting :: (deletions |> List.filter (fun t -> not t.IsCompleted)))
            | Error _ -> ()

    /// What the state becomes when a flight ends; the expired replaced tokens are deleted.
    let landed (now: DateTimeOffset) (result: Result<Brokered, TokensCallError>) =
        let gone =
            locked (fun () ->
                // A token that lands after the broker was disposed has no one to hand it out.
                let orphan =
                    match state, result with
                    | Disposed, Ok token when token.Mine -> [ token ]
                    | _ -> []

                state <-
                    match result with
                    | Ok token -> Broker.arrived token state
                    | Error _ -> Broker.failed now state

                let gone, kept = Broker.sweep now state
                state <- kept
                orphan @ gone)

        delete gone

    /// A flight started for `current`, landing when it ends.
    let start (current: Brokered option) : Flight =
        // Always begun on the pool: a flight that ends at once must not land inside the lock.
        let flight =
            Task.Run<Result<Brokered, TokensCallError>>(fun () ->
                match fleet with
                | Some(calls, endpoint, key) -> fleetFlight calls endpoint key current
                | None -> create ())

        flight.ContinueWith(
            (fun (ended: Flight) ->
                let result =
                    if ended.IsCompletedSuccessfully then
                        ended.Result
                    else
                        Error(
                            TokensCallError.Call
                                { Failure = VerifyFailure.Unreachable
                                  Endpoint = Endpoint.Tokens
                                  Status = None
                                  RetryAfter = None
                                  Url = TokensReply.url session.Credentials.ApiBaseUrl
                                  Detail = None }
                        )

                landed (time.GetUtcNow()) result
                result),
            TaskContinuationOptions.ExecuteSynchronously
        )

    /// The lifetime of the tokens created.
    member _.Lifetime = lifetime

    /// <summary>
    /// A token of the request with at least a quarter of its lifetime left: the one held while
    /// it is fresh; past half its life, the same while the next is made behind it; with none to
    /// hand out, the next, made once for every caller. `cancellationToken` cancels this caller's wait only.
    /// </summary>
    member this.GetAsync(cancellationToken: CancellationToken) : ValueTask<Result<ApiToken, TokensCallError>> =
        this.GetAsync(None, cancellationToken)

    /// <summary>
    /// As `GetAsync`, after CARTO refused `refused` (a token this broker handed out): when it is
    /// the one held, it is dropped and the next is made (SPEC §13's retry after a 401).
    /// </summary>
    member this.GetAsync
        (refused: string option, cancellationToken: CancellationToken)
        : ValueTask<Result<ApiToken, TokensCallError>> =
        match refused with
        | Some value -> locked (fun () -> state <- Broker.refused value state)
        | None -> ()

        let now = time.GetUtcNow()
        // The hit: a fresh token and nothing to delete, read under the lock without allocating.
        let mutable hit = Unchecked.defaultof<ApiToken>
        Monitor.Enter gate

        try
            match state with
            | Idle(Some token, [], _) when Broker.fresh now token -> hit <- token.Token
            | _ -> ()
        finally
            Monitor.Exit gate

        if not (isNull (box hit)) then
            ValueTask<_>(Ok hit)
        else
            this.Settle(now, cancellationToken)

    /// Every move but the hit, settled under the lock.
    member private _.Settle(now: DateTimeOffset, cancellationToken: CancellationToken) =
        let move, gone =
            locked (fun () ->
                let gone, kept = Broker.sweep now state
                state <- kept

                match Broker.move now state with
                | BrokerMove.ServeAndStart token ->
                    let flight = start (Some token)
                    state <- Broker.started flight state
                    BrokerMove.Serve token, gone
                | BrokerMove.Start ->
                    let current =
                        match state with
                        | Idle(current, _, _) -> current
                        | _ -> None

                    let flight = start current
                    state <- Broker.started flight state
                    BrokerMove.Join flight, gone
                | other -> other, gone)

        if not gone.IsEmpty then
            delete gone

        let later (work: Task<Result<ApiToken, TokensCallError>>) =
            ValueTask<Result<ApiToken, TokensCallError>>(task = work)

        match move with
        | BrokerMove.Serve token -> ValueTask<_>(Ok token.Token)
        | BrokerMove.Join flight ->
            later (
                task {
                    let! result = flight.WaitAsync cancellationToken
                    return result |> Result.map _.Token
                }
            )
        | BrokerMove.Closed -> later (Task.FromException<_>(ObjectDisposedException(nameof ApiTokenBroker)))
        | BrokerMove.ServeAndStart _
        | BrokerMove.Start -> invalidOp "a move is settled under the lock"

    /// <summary>
    /// Deletes every token this instance created (best effort, within the session's timeout),
    /// except the one the fleet's cache still shares; waits for deletions under way. Then the
    /// broker hands out nothing.
    /// </summary>
    member _.DisposeAsync() : Task =
        task {
            let owned, pending =
                locked (fun () ->
                    let owned = Broker.owned state
                    state <- Disposed
                    owned, deletions)

            let! sharedToken =
                match fleet with
                | Some(calls, endpoint, key) ->
                    task {
                        let! entry =
                            calls.Bounded "read" false (fun bound -> calls.Store.Get key bound) CancellationToken.None

                        return
                            entry
                            |> Option.bind Option.ofObj
                            |> Option.bind (Broker.openEntry endpoint key request)
                            |> Option.map _.Token.Value
                    }
                | None -> Task.FromResult None

            let doomed = owned |> List.filter (fun t -> Some t.Token.Value <> sharedToken)
            delete doomed

            let all = locked (fun () -> deletions) @ pending |> List.distinct

            try
                do! Task.WhenAll(all).WaitAsync(session.Timeout + session.Timeout)
            with _ ->
                ()
        }
