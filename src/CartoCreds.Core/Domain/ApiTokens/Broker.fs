namespace CartoCreds.Core

open System
open System.Security.Cryptography
open System.Text

/// A token the broker hands out: the token, when it was created and when it expires, and whether
/// this instance created it (only the creator deletes it).
type Brokered =
    { Token: ApiToken
      CreatedOn: DateTimeOffset
      ExpiresOn: DateTimeOffset
      Mine: bool }

/// A broker's state (SPEC §12), one value under one lock: idle with the token it holds (if any),
/// the tokens it replaced and has yet to delete, and when it may next try to create after a
/// failure; creating, with the flight every caller that must wait joins; or disposed.
type BrokerState<'Flight> =
    | Idle of current: Brokered option * retired: Brokered list * notBefore: DateTimeOffset
    | Creating of current: Brokered option * retired: Brokered list * flight: 'Flight
    | Disposed

/// What a caller of the broker does at a moment.
[<RequireQualifiedAccess>]
type BrokerMove<'Flight> =
    /// Hand out this token.
    | Serve of Brokered
    /// Hand out this token, and start the next one's flight behind it (it is past half its life).
    | ServeAndStart of Brokered
    /// Wait for the flight under way.
    | Join of 'Flight
    /// Start a flight and wait for it: there is no token to hand out.
    | Start
    /// The broker was disposed.
    | Closed

/// SPEC §12's broker without I/O: the lifetime it creates tokens for, when a token is reused,
/// handed out or replaced, what a flight's end makes of the state, and the fleet's sealed entries.
[<RequireQualifiedAccess>]
module Broker =

    /// The lifetime of a broker's tokens unless it is given one.
    let DefaultLifetime = TimeSpan.FromHours 1.0

    /// The shortest lifetime a broker creates tokens for.
    let MinLifetime = TimeSpan.FromMinutes 5.0

    /// How long a broker waits after a failed creation before it tries again while it still has a
    /// token to hand out.
    let RetryAfterFailure = TimeSpan.FromSeconds 30.0

    /// The lifetime asked for, or the default; `Error` with it when it is shorter than `MinLifetime`.
    let lifetime (given: TimeSpan option) : Result<TimeSpan, TimeSpan> =
        match given with
        | None -> Ok DefaultLifetime
        | Some span when span >= MinLifetime -> Ok span
        | Some span -> Error span

    /// When a token falls due for replacement: half its lifetime after it was created.
    let dueOn (token: Brokered) = token.CreatedOn + (token.ExpiresOn - token.CreatedOn) / 2.0

    /// Whether a token may be handed out at `now`: a quarter of its lifetime or more is left.
    let servable (now: DateTimeOffset) (token: Brokered) =
        token.ExpiresOn - now >= (token.ExpiresOn - token.CreatedOn) / 4.0

    /// Whether a token is reused at `now`: not yet half its lifetime old.
    let fresh (now: DateTimeOffset) (token: Brokered) = DateTimeOffset.op_LessThan (now, dueOn token)

    /// Whether a token has expired at `now`.
    let expired (now: DateTimeOffset) (token: Brokered) = not (DateTimeOffset.op_LessThan (now, token.ExpiresOn))

    /// What a caller does at `now`.
    let move (now: DateTimeOffset) (state: BrokerState<'Flight>) : BrokerMove<'Flight> =
        match state with
        | Disposed -> BrokerMove.Closed
        | Idle(Some token, _, _) when fresh now token -> BrokerMove.Serve token
        | Idle(Some token, _, notBefore) when servable now token ->
            if DateTimeOffset.op_LessThan (now, notBefore) then
                BrokerMove.Serve token
            else
                BrokerMove.ServeAndStart token
        | Idle _ -> BrokerMove.Start
        | Creating(Some token, _, _) when servable now token -> BrokerMove.Serve token
        | Creating(_, _, flight) -> BrokerMove.Join flight

    /// The state once CARTO refused `value` (SPEC §13: a 401 to a token the broker handed out): the
    /// token held is dropped when it is that one, kept to be deleted when this instance made it, so
    /// that the next caller starts the next; any other state is left as it is.
    let refused (value: string) (state: BrokerState<'Flight>) : BrokerState<'Flight> =
        let drop (current: Brokered option) (retired: Brokered list) =
            match current with
            | Some held when held.Token.Value = value -> None, (if held.Mine then retired @ [ held ] else retired)
            | _ -> current, retired

        match state with
        | Idle(current, retired, _) ->
            let current', retired' = drop current retired

            if obj.ReferenceEquals(current', current) then
                state
            else
                Idle(current', retired', DateTimeOffset.MinValue)
        | Creating(current, retired, flight) ->
            let current', retired' = drop current retired
            Creating(current', retired', flight)
        | Disposed -> Disposed

    /// The state once a flight has started.
    let started (flight: 'Flight) (state: BrokerState<'Flight>) : BrokerState<'Flight> =
        match state with
        | Idle(current, retired, _) -> Creating(current, retired, flight)
        | other -> other

    /// The state once a flight brought `token`: the token held is replaced, and kept to be deleted
    /// when this instance created it.
    let arrived (token: Brokered) (state: BrokerState<'Flight>) : BrokerState<'Flight> =
        let replaced (current: Brokered option) (retired: Brokered list) =
            match current with
            | Some held when held.Mine && held.Token.Value <> token.Token.Value -> retired @ [ held ]
            | _ -> retired

        match state with
        | Creating(current, retired, _)
        | Idle(current, retired, _) -> Idle(Some token, replaced current retired, DateTimeOffset.MinValue)
        | Disposed -> Disposed

    /// The state once a flight failed at `now`: the token held stays, and no flight is started
    /// behind it before `RetryAfterFailure` has passed.
    let failed (now: DateTimeOffset) (state: BrokerState<'Flight>) : BrokerState<'Flight> =
        match state with
        | Creating(current, retired, _) -> Idle(current, retired, now + RetryAfterFailure)
        | other -> other

    /// The replaced tokens that have expired at `now` (to delete), and the state without them.
    let sweep (now: DateTimeOffset) (state: BrokerState<'Flight>) : Brokered list * BrokerState<'Flight> =
        let split retired = List.partition (expired now) retired

        match state with
        | Idle(current, retired, notBefore) ->
            let gone, kept = split retired
            gone, Idle(current, kept, notBefore)
        | Creating(current, retired, flight) ->
            let gone, kept = split retired
            gone, Creating(current, kept, flight)
        | Disposed -> [], Disposed

    /// The tokens this instance created and holds, to delete when it is disposed.
    let owned (state: BrokerState<'Flight>) : Brokered list =
        match state with
        | Idle(current, retired, _)
        | Creating(current, retired, _) -> (current |> Option.filter _.Mine |> Option.toList) @ retired
        | Disposed -> []

    // ---- The fleet's entries (SPEC §7.7 sealing, §12) ----

    /// The shared cache's key of a request's token: `cartocreds:api-token:{hash}` of the token
    /// server, the client id and the request's canonical form.
    let key (endpoint: TokenEndpoint) (canonical: string) : string =
        let text = endpoint.Auth + "\n" + CloudText.value endpoint.ClientId + "\n" + canonical

        "cartocreds:api-token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes text)).ToLowerInvariant()

    /// The key of a claim on replacing `current` (none: on creating the first), which one
    /// instance of a fleet wins.
    let claimKey (key: string) (current: Brokered option) : string =
        let replacing =
            match current with
            | Some token -> Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes token.Token.Value), 0, 8)
            | None -> "none"

        key + ":claim:" + replacing.ToLowerInvariant()

    let private sealingKey (endpoint: TokenEndpoint) : byte[] =
        SharedToken.derivedKey "cartocreds shared api token v1" endpoint

    let private associated (key: string) = Encoding.UTF8.GetBytes(string SharedToken.Version + "\n" + key)

    /// A token sealed under the client secret for the entry `key`, with a fresh `nonce`.
    let seal (endpoint: TokenEndpoint) (key: string) (nonce: byte[]) (token: Brokered) : byte[] =
        let record =
            Encode.object
                [ "token", Encode.string token.Token.Value
                  "created_at",
                  Encode.string (token.CreatedOn.ToString("O", Globalization.CultureInfo.InvariantCulture))
                  "expires_at",
                  Encode.string (token.ExpiresOn.ToString("O", Globalization.CultureInfo.InvariantCulture)) ]
            |> Encode.toBytes JsonStyle.Compact

        SharedToken.sealBytes (sealingKey endpoint) (associated key) nonce record

    /// The token in a fleet's entry, for `request`, when it opens under this client's secret and
    /// key; anything else is `None`. It is not this instance's.
    let openEntry (endpoint: TokenEndpoint) (key: string) (request: ApiTokenRequest) (entry: byte[]) : Brokered option =
        let read (plain: byte[]) =
            let field name root =
                match Decode.optionalField name Decode.string root with
                | Ok text -> text
                | Error _ -> None

            match Decode.fromBytes Ok (ReadOnlyMemory plain) with
            | Ok root ->
                match
                    field "token" root,
                    field "created_at" root |> Option.bind Decode.isoInstant,
                    field "expires_at" root |> Option.bind Decode.isoInstant
                with
                | Some value, Some created, Some expires when (Secret.firstRefused value).IsNone ->
                    let asked = ApiTokens.input request

                    Some
                        { Token =
                            { Value = value
                              Grants = asked.Grants
                              Apis = asked.Apis
                              Referers = asked.Referers
                              ExpiresOn = Some expires }
                          CreatedOn = created
                          ExpiresOn = expires
                          Mine = false }
                | _ -> None
            | Error _ -> None

        SharedToken.openBytes (sealingKey endpoint) (associated key) entry |> Option.bind read
