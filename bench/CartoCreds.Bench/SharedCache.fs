module CartoCreds.Bench.SharedCache

open System
open System.Threading
open System.Threading.Tasks
open BenchmarkDotNet.Attributes
open CartoCreds.Core
open Microsoft.Extensions.Caching.Distributed
open Microsoft.Extensions.Caching.StackExchangeRedis
open Microsoft.Extensions.Logging.Abstractions

/// SPEC §7.7: what the shared cache costs over the server's own round trip. A read of a sealed
/// token that opens (a hit), a read of a key that holds nothing (a miss), and the baseline: a bare
/// `IDistributedCache.GetAsync` of the same entry, on the same redis-server, through the same client.
[<MemoryDiagnoser>]
[<SimpleJob(launchCount = 1, warmupCount = 3, iterationCount = 15)>]
type SharedCacheRead() =
    let mutable server: RedisServer.Running option = None
    let mutable cache: RedisCache = Unchecked.defaultof<_>
    let mutable hit: SharedTokenCache = Unchecked.defaultof<_>
    let mutable miss: SharedTokenCache = Unchecked.defaultof<_>
    let mutable entry: byte[] = null

    let text field value =
        match CloudText.create field value with
        | Ok t -> t
        | Error _ -> failwith "bad benchmark input"

    let endpoint clientId =
        { ClientId = text CloudField.ClientId clientId
          Secret = text CloudField.ClientSecret "secretsecretsecret"
          AuthUrl =
            match ServiceUrl.create CloudServices.DefaultAuthUrl with
            | Ok u -> u
            | Error _ -> failwith "bad benchmark input" }

    [<GlobalSetup>]
    member _.Setup() =
        let running = RedisServer.start ()
        server <- Some running
        cache <- new RedisCache(RedisCacheOptions(Configuration = running.Configuration, InstanceName = "bench:"))

        let store =
            { Get = fun key cancel -> task { return! cache.GetAsync(key, cancel) }
              Set =
                fun key entry expires cancel ->
                    cache.SetAsync(key, entry, DistributedCacheEntryOptions(AbsoluteExpiration = expires), cancel) }

        hit <- SharedTokenCache(store, endpoint "m2m-client", TimeProvider.System, NullLogger.Instance)
        miss <- SharedTokenCache(store, endpoint "m2m-nobody", TimeProvider.System, NullLogger.Instance)
        let now = DateTimeOffset.UtcNow
        let token = TokenExchange.token now "eySharedSharedSharedToken01" (Some(now.AddHours 1.0))
        hit.SetAsync(token, CancellationToken.None).GetAwaiter().GetResult()

        if (hit.GetAsync CancellationToken.None).Result.IsNone then
            failwith "the sealed token does not read back"

        entry <- cache.Get hit.Key

    [<Benchmark(Baseline = true, Description = "IDistributedCache.GetAsync (bare)")>]
    member _.Bare() : Task<byte[]> = cache.GetAsync hit.Key

    [<Benchmark(Description = "shared cache: hit (read + open)")>]
    member _.Hit() : Task<AccessToken option> = hit.GetAsync CancellationToken.None

    [<Benchmark(Description = "shared cache: miss")>]
    member _.Miss() : Task<AccessToken option> = miss.GetAsync CancellationToken.None

    [<Benchmark(Description = "opening the entry alone (no server)")>]
    member _.Open() : AccessToken option = SharedToken.openEntry (endpoint "m2m-client") entry

    [<GlobalCleanup>]
    member _.Cleanup() =
        cache.Dispose()
        server |> Option.iter (fun s -> (s :> IDisposable).Dispose())
