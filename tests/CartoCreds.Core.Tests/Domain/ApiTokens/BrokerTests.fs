/// SPEC §12's broker without I/O: what a caller does at every moment of a token's life, what a
/// flight's end makes of the state, and the fleet's sealed entries.
module CartoCreds.Core.Tests.BrokerTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

let private start = DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)

let private brokered (value: string) (created: DateTimeOffset) (lifetime: TimeSpan) (mine: bool) =
    { Token =
        { Value = value
          Grants = [ { Connection = "c"; Source = "t" } ]
          Apis = [ TokenApi.Maps ]
          Referers = []
          ExpiresOn = Some(created + lifetime) }
      CreatedOn = created
      ExpiresOn = created + lifetime
      Mine = mine }

let private hour = TimeSpan.FromHours 1.0

[<Fact>]
let ``a lifetime is one hour by default and at least five minutes`` () =
    Assert.Equal(Ok hour, Broker.lifetime None)
    Assert.Equal(Ok(TimeSpan.FromMinutes 5.0), Broker.lifetime (Some(TimeSpan.FromMinutes 5.0)))
    Assert.Equal(Error(TimeSpan.FromMinutes 4.0), Broker.lifetime (Some(TimeSpan.FromMinutes 4.0)))

[<Fact>]
let ``a caller is served, served while the next is made, made to wait, or told the broker is closed`` () =
    let token = brokered "a" start hour true
    let idle = Idle(Some token, [], DateTimeOffset.MinValue)
    let at (minutes: float) = start.AddMinutes minutes

    Assert.Equal(BrokerMove.Serve token, Broker.move (at 29.0) idle)
    Assert.Equal(BrokerMove.ServeAndStart token, Broker.move (at 30.0) idle)
    Assert.Equal(BrokerMove.ServeAndStart token, Broker.move (at 45.0) idle)
    Assert.Equal(BrokerMove.Start, Broker.move (at 45.1) idle)
    Assert.Equal(BrokerMove.Start, Broker.move (at 0.0) (Idle(None, [], DateTimeOffset.MinValue)))
    // After a failure, no flight behind the token before the retry time; a caller with none to be served still starts one.
    let failed = Idle(Some token, [], at 31.0)
    Assert.Equal(BrokerMove.Serve token, Broker.move (at 30.5) failed)
    Assert.Equal(BrokerMove.ServeAndStart token, Broker.move (at 31.0) failed)
    Assert.Equal(BrokerMove.Start, Broker.move (at 50.0) failed)
    // While a flight is under way: served while a quarter is left, else joined.
    let creating = Creating(Some token, [], "flight")
    Assert.Equal(BrokerMove.Serve token, Broker.move (at 40.0) creating)
    Assert.Equal(BrokerMove.Join "flight", Broker.move (at 46.0) creating)
    Assert.Equal(BrokerMove.Closed, Broker.move (at 1.0) (Disposed: BrokerState<string>))

/// A lifetime of 5 minutes to a day, and a moment within three lifetimes of the token's creation.
let private lifeAndMoment =
    Gen.zip (Gen.choose (300, 86400)) (Gen.choose (0, 3000))
    |> Gen.map (fun (seconds, permille) ->
        let life = TimeSpan.FromSeconds(float seconds)
        life, start + life * (float permille / 1000.0))
    |> Arb.fromGen

[<Property(MaxTest = 500)>]
let ``every token handed out has at least a quarter of its lifetime left, and a fresh one starts nothing`` () =
    Prop.forAll lifeAndMoment (fun (life, now) ->
        let token = brokered "a" start life true

        match Broker.move now (Idle(Some token, [], DateTimeOffset.MinValue)) with
        | BrokerMove.Serve t -> t.ExpiresOn - now >= life / 4.0 && Broker.fresh now t
        | BrokerMove.ServeAndStart t -> t.ExpiresOn - now >= life / 4.0 && not (Broker.fresh now t)
        | BrokerMove.Start -> token.ExpiresOn - now < life / 4.0
        | _ -> false)

[<Fact>]
let ``a flight's token replaces the one held, which is kept to be deleted only when this instance made it`` () =
    let mine = brokered "mine" start hour true
    let theirs = brokered "theirs" start hour false
    let next = brokered "next" (start.AddMinutes 31.0) hour true

    match Broker.arrived next (Creating(Some mine, [], ())) with
    | Idle(Some held, retired, _) ->
        Assert.Equal(next, held)
        Assert.Equal<Brokered list>([ mine ], retired)
    | other -> failwithf "%A" other

    match Broker.arrived next (Creating(Some theirs, [], ())) with
    | Idle(Some _, retired, _) -> Assert.Empty retired
    | other -> failwithf "%A" other

    match Broker.failed (start.AddMinutes 31.0) (Creating(Some mine, [], ())) with
    | Idle(Some held, [], notBefore) ->
        Assert.Equal(mine, held)
        Assert.Equal(start.AddMinutes(31.0) + Broker.RetryAfterFailure, notBefore)
    | other -> failwithf "%A" other

    let state = Idle(Some next, [ mine ], DateTimeOffset.MinValue)
    Assert.Equal<Brokered list>([], fst (Broker.sweep (start.AddMinutes 59.0) state))
    let gone, kept = Broker.sweep (start.AddMinutes 60.0) state
    Assert.Equal<Brokered list>([ mine ], gone)
    Assert.Equal(Idle(Some next, [], DateTimeOffset.MinValue), kept)
    Assert.Equal<Brokered list>([ next; mine ], Broker.owned state)
    Assert.Equal<Brokered list>([], Broker.owned (Idle(Some theirs, [], DateTimeOffset.MinValue)))
    Assert.Equal(Disposed, Broker.arrived next (Disposed: BrokerState<unit>))

[<Fact>]
let ``a refused token is dropped when it is the one held, kept to be deleted when this instance made it`` () =
    let mine = brokered "mine" start hour true
    let theirs = brokered "theirs" start hour false
    let idle = Idle(Some mine, [], start)

    match Broker.refused "mine" idle with
    | Idle(None, [ retired ], _) as state ->
        Assert.Equal(mine, retired)
        Assert.Equal(BrokerMove.Start, Broker.move (start.AddMinutes 1.0) state)
    | other -> failwithf "%A" other

    Assert.Equal(idle, Broker.refused "another" idle)

    match Broker.refused "theirs" (Creating(Some theirs, [], "flight")) with
    | Creating(None, [], "flight") as state -> Assert.Equal(BrokerMove.Join "flight", Broker.move start state)
    | other -> failwithf "%A" other

    Assert.Equal(Disposed, Broker.refused "mine" (Disposed: BrokerState<unit>))

let private endpoint (secret: string) =
    { AuthUrl = serviceUrl "https://auth.carto.com"
      ClientId = cloudText CloudField.ClientId "m2m-client"
      Secret = cloudText CloudField.ClientSecret secret }

let private request (grants: TokenGrant list) =
    match ApiTokens.request start { Grants = grants; Apis = [ TokenApi.Maps ]; Referers = []; ExpiresOn = None } with
    | Ok r -> r
    | Error e -> failwithf "%A" e

[<Fact>]
let ``a fleet's entry opens only under its client's secret and key, and holds no token in clear`` () =
    let asked = request [ { Connection = "c"; Source = "t" } ]
    let owner = endpoint "secret-secret-0001"
    let key = Broker.key owner (ApiTokens.canonical asked)
    let token = brokered "eyJhbGciOiJIUzI1NiJ9.eyJhIjoiMSJ9.c2lnbmF0dXJl" start hour true
    let entry = Broker.seal owner key (Array.zeroCreate 12) token

    match Broker.openEntry owner key asked entry with
    | Some opened ->
        Assert.Equal(token.Token.Value, opened.Token.Value)
        Assert.Equal(token.ExpiresOn, opened.ExpiresOn)
        Assert.False opened.Mine
    | None -> failwith "the entry did not open"

    Assert.Equal(None, Broker.openEntry (endpoint "another-secret-0002") key asked entry)
    Assert.Equal(None, Broker.openEntry owner (key + "x") asked entry)
    let tampered = Array.copy entry
    tampered[tampered.Length - 1] <- tampered[tampered.Length - 1] ^^^ 1uy
    Assert.Equal(None, Broker.openEntry owner key asked tampered)
    Assert.DoesNotContain("eyJhbGciOiJIUzI1NiJ9", Text.Encoding.Latin1.GetString entry)

    // The key is the request's, in any order of its grants; another request has another.
    let reordered = request [ { Connection = "c"; Source = "u" }; { Connection = "c"; Source = "t" } ]
    let ordered = request [ { Connection = "c"; Source = "t" }; { Connection = "c"; Source = "u" } ]
    Assert.Equal(Broker.key owner (ApiTokens.canonical ordered), Broker.key owner (ApiTokens.canonical reordered))
    Assert.NotEqual<string>(key, Broker.key owner (ApiTokens.canonical ordered))
    Assert.StartsWith("cartocreds:api-token:", key)
    Assert.NotEqual<string>(Broker.claimKey key None, Broker.claimKey key (Some token))
