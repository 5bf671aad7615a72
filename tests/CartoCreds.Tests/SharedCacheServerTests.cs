#if NET10_0_OR_GREATER
using System.Collections.Concurrent;
using System.Text;
using CartoCreds.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §7.7 against a real Redis-protocol server: Garnet, started in this process on a free
/// loopback port and stopped by each test, reached through <c>RedisCache</c> as an app reaches
/// Redis. Many "machines" (configuration directories of their own) share one token; what the
/// server holds reveals none; a server that is down, or restarted mid-run, fails no call.
/// </summary>
[Collection(SharedCacheTests.Alone)]
public sealed class SharedCacheServerTests
{
    private static RedisCache Cache(LoopbackGarnet garnet) => new(new RedisCacheOptions { Configuration = garnet.Configuration, InstanceName = "app:" });

    /// <summary>Waits (at most 30 s) until the cache answers.</summary>
    private static async Task Connected(IDistributedCache cache)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await Answers(cache))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the cache did not answer within 30 s");
            await Task.Delay(200);
        }
    }

    private static async Task<ApiAccessToken[]> Sequentially(IEnumerable<ApiAccessTokenBroker> fleet)
    {
        var tokens = new List<ApiAccessToken>();
        foreach (var broker in fleet)
        {
            tokens.Add(await broker.GetAsync());
        }

        return [.. tokens];
    }

    /// <summary>Writes once (retrying for at most 30 s) until a write answers.</summary>
    private static async Task Written(IDistributedCache cache)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // A write, and a read that finds what it wrote: each its own path on the server.
                await cache.SetAsync("warm", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
                await cache.GetAsync("warm");
                return;
            }
            catch (RedisException) when (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<bool> Answers(IDistributedCache cache)
    {
        try
        {
            await cache.GetAsync("probe").WaitAsync(TimeSpan.FromSeconds(1));
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }

    [Fact]
    public async Task Machines_sharing_a_Garnet_server_exchange_once_and_the_server_holds_no_token()
    {
        using var garnet = new LoopbackGarnet();
        await Machines(garnet.Configuration);
    }

    [Fact]
    public async Task Eight_brokers_sharing_a_Garnet_server_create_one_API_Access_Token_and_the_server_holds_it_sealed()
    {
        using var garnet = new LoopbackGarnet();
        await Brokers(garnet.Configuration);
    }

    [RedisServerFact]
    public async Task Eight_brokers_sharing_a_redis_server_create_one_API_Access_Token_and_the_server_holds_it_sealed()
    {
        using var redis = LoopbackRedis.Start();
        await Brokers(redis.Configuration);
    }

    /// <summary>
    /// Eight brokers of one request, each on a "machine" of its own, started one after the other:
    /// one token created, handed out by all; the server holds it sealed; disposed, they leave it
    /// at CARTO. (Brokers asking at once, each claiming the creation, are tested with the in-memory
    /// cache in <c>ApiAccessTokenTests</c>: in this busy test host, eight claims at once on a real
    /// server can outlast the 500 ms bound, which then skips the cache for the whole fleet here,
    /// since its "machines" share one cache client.)
    /// </summary>
    private static async Task Brokers(string configuration)
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        using var cache = new RedisCache(new RedisCacheOptions { Configuration = configuration, InstanceName = "app:" });
        await Connected(cache);
        // A write made once, as an app's cache has been written by the time it serves: Garnet, in
        // this process, compiles a command's path the first time it runs, slower than the 500 ms bound.
        await Written(cache);
        var request = new ApiAccessTokenRequest([new CartoGrant("carto_dw", "project.dataset.table")], [CartoApi.Maps]);
        var logs = new ConcurrentQueue<(string Event, string Text)>();
        var fleet = Enumerable.Range(1, 8)
            .Select(n => new ApiAccessTokenBroker(SharedCacheTests.Machine(box, server, "broker-" + n, cache, new SharedCacheTests.Capture(logs)), request))
            .ToList();

        var tokens = await Sequentially(fleet);
        Assert.True(tokens.Select(t => t.Value).Distinct().Count() == 1, string.Join("\n", logs.Select(l => l.Event + " " + l.Text)));

        Assert.Single(tokens.Select(t => t.Value).Distinct());
        Assert.Equal(1, server.Received.Count(r => r.Method == "POST" && r.Path == "/v3/tokens"));

        // What the server holds: the sealed entry and the claim, neither with the token.
        using var redis = await ConnectionMultiplexer.ConnectAsync(configuration + ",syncTimeout=10000,asyncTimeout=10000");
        var db = redis.GetDatabase();
        var keys = redis.GetServers().Single().Keys(pattern: "app:cartocreds:api-token:*").ToList();
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            var stored = db.KeyType(key) switch
            {
                RedisType.Hash => db.HashGetAll(key).SelectMany(entry => ((byte[])entry.Value!).Concat((byte[])entry.Name!)).ToArray(),
                _ => (byte[])db.StringGet(key)!,
            };
            var text = Encoding.Latin1.GetString(stored);
            for (var at = 0; at + 8 <= tokens[0].Value.Length; at++)
            {
                Assert.DoesNotContain(tokens[0].Value.Substring(at, 8), text);
            }
        }

        foreach (var broker in fleet)
        {
            await broker.DisposeAsync();
        }

        Assert.True(server.Account.ApiTokens.ContainsKey(tokens[0].Value), "the token the fleet shares is kept");
    }

    [Fact]
    public async Task A_claim_never_honoured_on_a_slow_cache_holds_a_machine_no_longer_than_the_exchange_bound()
    {
        using var garnet = new LoopbackGarnet();
        using var server = new CartoServer();
        using var box = new Sandbox();
        using var redis = Cache(garnet);
        await Connected(redis);
        // Every call answered in 400 ms: within the 500 ms bound of each call, so never skipped.
        var cache = new Slow(redis, TimeSpan.FromMilliseconds(400));
        // A claim on the first token by an instance that then stopped (or one a reader of the cache planted).
        await redis.SetAsync(SharedCacheTests.Key(server) + ":claim:none", [1, 2, 3, 4], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
        CloudCredentials machine;
        using (box.With(("XDG_CONFIG_HOME", box.Path("slow")), ("CARTO_AUTH_URL", server.Url)))
        {
            machine = SharedCacheTests.Machine(box, server, "slow", cache).WithTransport(timeout: TimeSpan.FromSeconds(3));
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var token = await machine.GetAccessTokenAsync();

        // The 3 s bound, and the reads around it; counting reads instead of keeping a deadline took 16.7 s.
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(2.9), TimeSpan.FromSeconds(6.5));
        Assert.Equal(1, SharedCacheTests.Exchanges(server));
        Assert.StartsWith("stand-in-token-", token.Value);
    }

    [Fact]
    public async Task A_cold_cache_whose_first_call_makes_its_connection_is_waited_for_not_skipped()
    {
        using var garnet = new LoopbackGarnet();
        using var server = new CartoServer();
        using var box = new Sandbox();
        using var redis = Cache(garnet);
        await Connected(redis);

        // One machine exchanges and shares its token.
        var shared = await SharedCacheTests.Machine(box, server, "first", redis).GetAccessTokenAsync();
        Assert.Equal(1, SharedCacheTests.Exchanges(server));

        // Another starts outside hosting: its cache's first call takes 1.5 s (its connection),
        // over the 500 ms of every later call, within the first call's own 5 s.
        var cold = new Cold(redis, TimeSpan.FromMilliseconds(1500));
        var second = SharedCacheTests.Machine(box, server, "second", cold);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var read = await second.GetAccessTokenAsync();
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(5));
        Assert.Equal(shared.Value, read.Value);
        Assert.Equal(1, SharedCacheTests.Exchanges(server));
        Assert.Equal(1, cold.Slowed);
    }

    /// <summary>A cache whose first call takes <paramref name="first"/> more than the server's, as a client's connection does; the rest none.</summary>
    private sealed class Cold(IDistributedCache inner, TimeSpan first) : IDistributedCache
    {
        private int _calls;

        public int Slowed { get; private set; }

        private async Task Connect(CancellationToken token)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Slowed++;
                await Task.Delay(first, token);
            }
        }

        public byte[]? Get(string key) => throw new NotSupportedException("the library reads asynchronously");

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            await Connect(token);
            return await inner.GetAsync(key, token);
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            await Connect(token);
            await inner.SetAsync(key, value, options, token);
        }

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotSupportedException();

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new NotSupportedException();
    }

    /// <summary>A cache whose every call takes <paramref name="delay"/> more than the server's.</summary>
    private sealed class Slow(IDistributedCache inner, TimeSpan delay) : IDistributedCache
    {
        public byte[]? Get(string key) => throw new NotSupportedException("the library reads asynchronously");

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            await Task.Delay(delay, token);
            return await inner.GetAsync(key, token);
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            await Task.Delay(delay, token);
            await inner.SetAsync(key, value, options, token);
        }

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotSupportedException();

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new NotSupportedException();
    }

    [RedisServerFact]
    public async Task Machines_sharing_a_redis_server_exchange_once_and_the_server_holds_no_token()
    {
        using var redis = LoopbackRedis.Start();
        await Machines(redis.Configuration);
    }

    /// <summary>Eight machines sharing the server at <paramref name="configuration"/>: one exchange, and the server holds no token nor secret.</summary>
    private static async Task Machines(string configuration)
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        using var cache = new RedisCache(new RedisCacheOptions { Configuration = configuration, InstanceName = "app:" });
        var logs = new ConcurrentQueue<(string Event, string Text)>();
        // The app's connection is made, as an app's cache is by the time it serves (the first call
        // of a process may take longer while it connects: it then skips the cache, see the README).
        await Connected(cache);

        var tokens = new List<string>();
        foreach (var name in Enumerable.Range(1, 8).Select(n => "machine-" + n))
        {
            tokens.Add((await SharedCacheTests.Machine(box, server, name, cache, new SharedCacheTests.Capture(logs)).GetAccessTokenAsync()).Value);
        }

        Assert.DoesNotContain(logs, l => l.Event == "SharedCacheFailed");
        Assert.Equal(1, SharedCacheTests.Exchanges(server));
        Assert.Single(tokens.Distinct());

        // What the server holds, read with a plain client: the sealed entry, with neither the token nor the secret.
        // Its own timeouts: the library's 500 ms bound is not what is tested here, and a server in
        // this process compiles a command's path the first time it runs.
        using var redis = await ConnectionMultiplexer.ConnectAsync(configuration + ",syncTimeout=10000,asyncTimeout=10000");
        var db = redis.GetDatabase();
        var key = "app:" + SharedCacheTests.Key(server);
        var stored = db.KeyType(key) switch
        {
            RedisType.Hash => db.HashGetAll(key).SelectMany(entry => ((byte[])entry.Value!).Concat((byte[])entry.Name!)).ToArray(),
            _ => (byte[])db.StringGet(key)!,
        };
        Assert.NotEmpty(stored);
        var text = Encoding.Latin1.GetString(stored);
        foreach (var secret in new[] { tokens[0], server.Account.ClientSecret })
        {
            for (var at = 0; at + 8 <= secret.Length; at++)
            {
                Assert.DoesNotContain(secret.Substring(at, 8), text);
            }
        }

        Assert.True(db.KeyTimeToLive(key) is { } ttl && ttl > TimeSpan.FromMinutes(50), "the entry lives as long as the token");
    }

    [Fact]
    public async Task A_server_that_is_down_is_skipped_quickly_with_a_warning_and_a_restarted_one_is_used_again()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var logs = new ConcurrentQueue<(string Event, string Text)>();
        var garnet = new LoopbackGarnet();
        var port = garnet.Port;
        using var cache = Cache(garnet);

        CloudCredentials On(string name) =>
            SharedCacheTests.Machine(box, server, name, cache, new SharedCacheTests.Capture(logs), clock);

        Assert.NotNull((await On("a").GetAccessTokenAsync()).Value);
        garnet.Dispose();

        // Down: a machine with nothing in memory or on disk exchanges within the bound, and says why once.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            Assert.NotNull((await On("down-" + i).GetAccessTokenAsync()).Value);
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.Single(logs, l => l.Event == "SharedCacheFailed");
        Assert.DoesNotContain(logs, l => l.Text.Contains(server.Account.ClientSecret, StringComparison.Ordinal));

        // Back on the same port (the client reconnects on its own: waited for, at most 30 s), and 30 s
        // later it is asked again: a machine reads what the next exchange shares.
        using var again = new LoopbackGarnet(port);
        await Connected(cache);

        clock.Advance(TimeSpan.FromSeconds(31));
        var shared = await On("after-1").GetAccessTokenAsync();
        var before = SharedCacheTests.Exchanges(server);
        var read = await On("after-2").GetAccessTokenAsync();
        Assert.Equal(shared.Value, read.Value);
        Assert.Equal(before, SharedCacheTests.Exchanges(server));
    }
}
#endif
