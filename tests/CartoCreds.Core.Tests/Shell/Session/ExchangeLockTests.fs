/// SPEC §7.4's one exchange per machine: twenty real processes started at once against the loopback
/// token server cause one exchange; a peer that holds the lock too long is waited for at most the
/// bound, then the process exchanges anyway and says so; a cache that cannot be locked is no error.
module CartoCreds.Core.Tests.ExchangeLockTests

open System
open System.Collections.Concurrent
open System.IO
open System.Net.Http
open System.Threading
open Microsoft.Extensions.Logging
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private text = cloudText
let private url = serviceUrl

let private http = new HttpClient()

/// The stand-in, its exchanges made slow (300 ms), so that every process meets the one in flight.
let private slowServer () =
    let server = new CartoServer()
    server.Answer <- Func<_, _>(fun request -> server.Account.Answer(request).After(TimeSpan.FromMilliseconds 300.0))
    server

let private exchanges (server: CartoServer) =
    server.Received |> List.filter (fun r -> r.Path = "/oauth/token") |> List.length

[<UnixFact("the workers are started through bash")>]
let ``twenty processes started at once for the same client cause one exchange`` () =
    use box = new Sandbox()
    use server = slowServer ()
    let start = box.Path "start"

    let variables =
        [ "HOME", box.Root
          "CARTO_CLIENT_ID", server.Account.ClientId
          "CARTO_CLIENT_SECRET", server.Account.ClientSecret
          "CARTO_AUTH_URL", server.Url
          "CARTO_API_BASE_URL", server.Url ]

    let workers = [ for _ in 1..20 -> Worker.start None variables [ "token"; start ] ]

    // Every worker has resolved and waits: then all are let go at once.
    for worker in workers do
        let ready = worker.StandardOutput.ReadLineAsync()
        Assert.True(ready.Wait(TimeSpan.FromSeconds 60.0), "a worker was not ready within 60 s")
        Assert.Equal("ready", ready.Result)

    File.WriteAllText(start, "")
    let results = workers |> List.map Worker.finish

    for code, _, errors in results do
        Assert.True((code = 0), errors)

    let tokens = results |> List.map (fun (_, output, _) -> output.Trim()) |> List.distinct
    Assert.Equal(1, tokens.Length)
    Assert.StartsWith("stand-in-token-", tokens.Head)
    Assert.Equal(1, exchanges server)

/// A logger that keeps each record's event name and text.
let private capture (records: ConcurrentQueue<string * string>) =
    { new ILogger with
        member _.BeginScope<'State>(_: 'State) : IDisposable = null
        member _.IsEnabled _ = true

        member _.Log<'State>(_, event: EventId, state: 'State, error, formatter: Func<'State, exn, string>) =
            records.Enqueue(event.Name, formatter.Invoke(state, error)) }

let private endpointOf (server: CartoServer) : TokenEndpoint =
    { ClientId = text CloudField.ClientId server.Account.ClientId
      Secret = text CloudField.ClientSecret server.Account.ClientSecret
      AuthUrl = url server.Url }

let private sourceIn (server: CartoServer) (cache: string) (wait: TimeSpan) (log: ILogger) =
    TokenSource(
        endpointOf server,
        Some cache,
        { SessionOptions.Default with
            Http = Some http
            Log = log
            ExchangeLockWait = wait }
    )

let private token (source: TokenSource) =
    match source.GetAsync(CancellationToken.None).AsTask().Result with
    | Ok token -> token
    | Error e -> failwithf "%A" e

[<UnixFact("flock between two descriptors")>]
let ``a peer that holds the lock past the wait is waited for, then the process exchanges anyway and warns`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let cache = box.Path("config", "cartocreds", "tokens")
    let records = ConcurrentQueue<string * string>()
    let source = sourceIn server cache (TimeSpan.FromSeconds 1.0) (capture records)
    let file = TokenCacheDisk.path cache (endpointOf server)
    let lockPath = TokenCacheDisk.lockPath file
    Assert.Equal(Path.Combine(cache, Path.GetFileNameWithoutExtension file + ".lock"), lockPath)

    // Another process's hold, here another descriptor of this one: flock tells them apart.
    use held = TokenCacheDisk.lockExchange file TimeSpan.Zero |> fun t -> t.Result

    match held with
    | ExchangeLock.Held _ -> ()
    | other -> failwithf "the peer did not take the lock: %A" other

    let watch = Diagnostics.Stopwatch.StartNew()
    let got = token source
    Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 10.0)
    Assert.Equal(1, exchanges server)
    Assert.StartsWith("stand-in-token-", got.Value)

    let _, said = Assert.Single(records, fun (name, _) -> name = "ExchangeLockWaited")
    Assert.Contains(lockPath, said)
    Assert.DoesNotContain(server.Account.ClientSecret, said)

[<UnixFact("flock between two descriptors")>]
let ``with the lock free, a process that finds a peer's fresh token under it does not exchange`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let cache = box.Path("config", "cartocreds", "tokens")
    let records = ConcurrentQueue<string * string>()
    let first = sourceIn server cache (TimeSpan.FromSeconds 10.0) (capture records)
    let second = sourceIn server cache (TimeSpan.FromSeconds 10.0) (capture records)

    let a = token first
    let b = token second
    Assert.Equal(a.Value, b.Value)
    Assert.Equal(1, exchanges server)
    Assert.DoesNotContain(records, fun (name, _) -> name = "ExchangeLockWaited")
    Assert.True(File.Exists(TokenCacheDisk.lockPath (TokenCacheDisk.path cache (endpointOf server))))

[<UnixFact("directory modes")>]
let ``a cache directory others may write is not locked in, and the process exchanges on its own`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let cache = Directory.CreateDirectory(box.Path("config", "cartocreds", "tokens")).FullName
    File.SetUnixFileMode(cache, enum<UnixFileMode> 0o777)
    let records = ConcurrentQueue<string * string>()
    let source = sourceIn server cache (TimeSpan.FromSeconds 10.0) (capture records)
    Assert.StartsWith("stand-in-token-", (token source).Value)
    Assert.Equal(1, exchanges server)
    Assert.Empty(Directory.GetFiles cache)
