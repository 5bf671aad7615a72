/// SPEC §12's broker in the core, against the loopback stand-in: an instance that starts later
/// takes the fleet's token from the shared cache (the state restored, not created again) and is
/// moved by its clock across the fleet's replacement; an API Access Token as the credentials
/// fails every caller, and sends nothing.
module CartoCreds.Core.Tests.ApiTokenBrokerTests

open System
open System.Collections.Concurrent
open System.Threading
open System.Threading.Tasks
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private ok =
    function
    | Ok value -> value
    | Error e -> failwithf "%A" e

/// An in-memory shared cache: what a Redis would hold for the fleet.
let private memory () : SharedStore =
    let entries = ConcurrentDictionary<string, byte[]>()

    { Get =
        fun key _ ->
            Task.FromResult(
                match entries.TryGetValue key with
                | true, e -> e
                | _ -> null
            )
      Set =
        fun key entry _ _ ->
            entries[key] <- entry
            Task.CompletedTask }

let private asked =
    ApiTokens.request
        DateTimeOffset.UtcNow
        { Grants = [ { Connection = "carto_dw"; Source = "p.d.t" } ]
          Apis = [ TokenApi.Maps ]
          Referers = []
          ExpiresOn = None }
    |> ok

/// A broker on a "machine" of its own (its own sandbox), with the fleet's cache and clock.
let private machine (server: CartoServer) (shared: SharedStore option) (clock: TimeProvider) =
    let box = new Sandbox()
    let host = box.Host [ "CARTO_AUTH_URL", server.Url ]

    let credentials =
        CloudCredentials.ofClientCredentials server.Account.ClientId server.Account.ClientSecret (Some server.Url) |> ok

    let session =
        CloudSession.Create(
            host,
            credentials,
            CloudServices.ofVariables host.GetVariable,
            { SessionOptions.Default with Time = Some clock; SharedCache = shared }
        )

    box, ApiTokenBroker(session, asked, TimeSpan.FromHours 1.0)

let private get (broker: ApiTokenBroker) =
    broker.GetAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() |> ok

let private creates (server: CartoServer) =
    server.Received |> List.filter (fun r -> r.Method = "POST" && r.Path = "/v3/tokens") |> List.length

[<Fact>]
let ``a later instance takes the fleet's token from the shared cache and follows the fleet's replacement`` () =
    use server = new CartoServer()
    let clock = ManualClock DateTimeOffset.UtcNow
    let cache = memory ()
    let firstBox, first = machine server (Some cache) clock
    use _ = firstBox
    let token = get first
    Assert.Equal(1, creates server)

    // Twenty minutes on, a new instance starts: it hands out the fleet's token, created by none of it.
    clock.Advance(TimeSpan.FromMinutes 20.0)
    let laterBox, later = machine server (Some cache) clock
    use _ = laterBox
    Assert.Equal(token.Value, (get later).Value)
    Assert.Equal(1, creates server)

    // Past the fleet token's half-life, the later instance claims and makes the next one; the first takes it.
    clock.Advance(TimeSpan.FromMinutes 11.0)
    Assert.Equal(token.Value, (get later).Value)

    let deadline = DateTime.UtcNow.AddSeconds 10.0

    while creates server < 2 && DateTime.UtcNow < deadline do
        Thread.Sleep 20

    Assert.Equal(2, creates server)
    // The new token lands behind the callers (its entry written, the state moved): until then the
    // old one is still handed out, so wait for it rather than for a fixed time.
    let mutable next = get later

    while next.Value = token.Value && DateTime.UtcNow < deadline do
        Thread.Sleep 20
        next <- get later

    Assert.NotEqual<string>(token.Value, next.Value)

    // The first instance falls due too: it finds the next token in the cache and creates nothing.
    get first |> ignore

    while (get first).Value <> next.Value && DateTime.UtcNow < deadline do
        Thread.Sleep 20

    Assert.Equal(next.Value, (get first).Value)
    Assert.Equal(2, creates server)

    // Disposed: the first deletes the token it made (replaced), the later keeps the one the fleet shares.
    first.DisposeAsync().GetAwaiter().GetResult()
    later.DisposeAsync().GetAwaiter().GetResult()
    Assert.False(server.Account.ApiTokens.ContainsKey token.Value)
    Assert.True(server.Account.ApiTokens.ContainsKey next.Value)

[<Fact>]
let ``with an API Access Token as the credentials every caller is refused and nothing is sent`` () =
    use server = new CartoServer()
    let box, maker = machine server None TimeProvider.System
    use _ = box
    let made = get maker
    let sent = server.Count
    use other = new Sandbox()
    let host = other.Host []
    let credentials = CloudCredentials.ofToken made.Value (Some server.Url) |> ok

    let session =
        CloudSession.Create(host, credentials, CloudServices.ofVariables host.GetVariable, SessionOptions.Default)

    let broker = ApiTokenBroker(session, asked, TimeSpan.FromHours 1.0)

    for _ in 1..3 do
        match broker.GetAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() with
        | Error TokensCallError.ApiAccessTokenCredentials -> ()
        | other -> failwithf "%A" other

    Assert.Equal(sent, server.Count)
