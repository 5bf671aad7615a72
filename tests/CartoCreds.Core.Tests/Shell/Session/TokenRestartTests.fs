/// SPEC §7.4 across restarts: a token read from the disk cache is the same as one just exchanged —
/// replaced when due, never served past its expiry, dropped when the service refuses it — stated
/// over a moved clock, by examples and as a property over any sequence of steps. Tokens come from
/// a real server on 127.0.0.1.
module CartoCreds.Core.Tests.TokenRestartTests

open System
open System.IO
open System.Net.Http
open System.Threading
open System.Threading.Tasks
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private start = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)

let private text = cloudText

let private http = new HttpClient()

/// A stand-in token server: tokens `token-N` of an hour, or a 503 while `Failing`.
type private TokenServer() =
    let mutable issued = 0
    member val Failing = false with get, set

    member val Server =
        new CartoServer(fun _ -> Answer.Json 503 "{\"error\": \"temporarily_unavailable\"}") with get, set

    member this.Start() =
        this.Server <-
            new CartoServer(fun _ ->
                if this.Failing then
                    Answer.Json 503 "{\"error\": \"temporarily_unavailable\"}"
                else
                    let n = Interlocked.Increment(&issued)

                    Answer.Json
                        200
                        ("{\"access_token\": \"token-" + string n + "-abcdefghijkl\", \"expires_in\": 3600}"))

        this

    member this.Count = this.Server.Count

    interface IDisposable with
        member this.Dispose() = (this.Server :> IDisposable).Dispose()

/// A source as a new process makes it: over the shared disk cache, with the test's clock.
let private sourceOf (server: TokenServer) (clock: TimeProvider) (cache: string) =
    let authUrl =
        match ServiceUrl.create server.Server.Url with
        | Ok u -> u
        | Error e -> failwithf "%A" e

    TokenSource(
        { ClientId = text CloudField.ClientId "m2m-client"
          Secret = text CloudField.ClientSecret "s3cr3t-s3cr3t-s3cr3t-0001"
          AuthUrl = authUrl },
        Some cache,
        { SessionOptions.Default with
            Http = Some(http)
            Time = Some clock
            Log = Watched.logger }
    )

let private answer (tokens: TokenSource) = (tokens.GetAsync CancellationToken.None).AsTask().Result

let private value (tokens: TokenSource) =
    match answer tokens with
    | Ok token -> token.Value
    | Error e -> "error: " + CallMessages.exchangeError e

[<Fact>]
let ``a source started from the disk cache replaces the token when due, never serves it expired, and drops it when refused``
    ()
    =
    use box = new Sandbox()
    use server = (new TokenServer()).Start()
    let clock = ManualClock start
    let cache = box.Path "tokens"
    Assert.Equal("token-1-abcdefghijkl", value (sourceOf server clock cache))
    // A restart: the token comes from the disk, with no request.
    let restarted = sourceOf server clock cache
    Assert.Equal("token-1-abcdefghijkl", value restarted)
    Assert.Equal(1, server.Count)
    // Due (5 minutes before it expires): replaced.
    clock.Advance(TimeSpan.FromMinutes 55.5)
    Assert.Equal("token-2-abcdefghijkl", value restarted)
    Assert.Equal(2, server.Count)
    // Another restart, then the token server fails: the valid token is served, then never once expired.
    let again = sourceOf server clock cache
    server.Failing <- true
    clock.Advance(TimeSpan.FromMinutes 56.0)
    Assert.Equal("token-2-abcdefghijkl", value again) // due, still valid: served, the replacement failed
    clock.Advance(TimeSpan.FromMinutes 5.0) // past its expiry
    Assert.StartsWith("error: ", value again)
    // Refused by the service: dropped, and not taken from the disk again.
    server.Failing <- false
    let third = sourceOf server clock cache
    let served = value third
    Assert.StartsWith("token-", served)
    third.Invalidate served
    let next = value third
    Assert.NotEqual<string>(served, next)
    Assert.StartsWith("token-", next)

[<Fact>]
let ``a restarted source whose cached token has expired exchanges instead of serving it`` () =
    use box = new Sandbox()
    use server = (new TokenServer()).Start()
    let clock = ManualClock start
    let cache = box.Path "tokens"
    value (sourceOf server clock cache) |> ignore
    clock.Advance(TimeSpan.FromHours 2.0)
    Assert.Equal("token-2-abcdefghijkl", value (sourceOf server clock cache))
    Assert.Equal(2, server.Count)

/// The steps of a token source's life: gets (one caller, or many at once), the clock moved, the
/// served token refused, the server failing or not, a restart from the disk cache.
type Step =
    | Get
    | Many of callers: int
    | Advance of minutes: int
    | Invalidate
    | ServerFails of bool
    | Restart

let private steps: Gen<Step list> =
    Gen.frequency
        [ 4, Gen.constant Get
          2, Gen.choose (2, 20) |> Gen.map Many
          4, Gen.choose (0, 70) |> Gen.map Advance
          1, Gen.constant Invalidate
          2, Gen.elements [ true; false ] |> Gen.map ServerFails
          2, Gen.constant Restart ]
    |> Gen.listOf
    |> Gen.map (List.truncate 25)

[<Property(MaxTest = 40)>]
let ``for any sequence of steps, every token served is unexpired and not a refused one, and a wave of callers makes at most one exchange``
    ()
    =
    Prop.forAll (Arb.fromGen steps) (fun plan ->
        use box = new Sandbox()
        use server = (new TokenServer()).Start()
        let clock = ManualClock start
        let cache = box.Path "tokens"
        let mutable source = sourceOf server clock cache
        let mutable refused = Set.empty
        let mutable lastServed = None

        let servedWell (result: Result<AccessToken, ExchangeError>) =
            match result with
            | Ok token ->
                lastServed <- Some token.Value

                TokenExchange.isValid (clock.GetUtcNow()) token && not (refused.Contains token.Value)
            | Error _ -> true

        plan
        |> List.forall (fun step ->
            match step with
            | Get -> servedWell (answer source)
            | Many callers ->
                let before = server.Count

                // Every caller asks before any answer comes: concurrent, without blocking a thread each.
                let pending = [| for _ in 1..callers -> source.GetAsync(CancellationToken.None).AsTask() |]
                let results = Task.WhenAll(pending).Result

                Array.forall servedWell results && server.Count - before <= 1
            | Advance minutes ->
                clock.Advance(TimeSpan.FromMinutes(float minutes))
                true
            | Invalidate ->
                lastServed
                |> Option.iter (fun t ->
                    refused <- refused.Add t
                    source.Invalidate t)

                true
            | ServerFails failing ->
                server.Failing <- failing
                true
            | Restart ->
                source <- sourceOf server clock cache
                // A new process never heard of the refusal, nor served anything yet: only the
                // service, refusing what it sends, tells it again.
                refused <- Set.empty
                lastServed <- None
                true)
        |> Prop.label "served tokens unexpired and unrefused, one exchange a wave")
