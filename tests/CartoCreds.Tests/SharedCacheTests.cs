using System.Collections.Concurrent;
using System.Text;
using CartoCreds.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §7.7 with an in-memory <see cref="IDistributedCache"/> (the sealing, the lookup order, what
/// a reader of the cache learns): "machines" are credentials with configuration directories of their
/// own, so that only the shared cache joins them. The fleet over a real server is in
/// <c>SharedCacheServerTests</c>.
/// </summary>
[Collection(Alone)]
public sealed class SharedCacheTests
{
    /// <summary>
    /// The shared cache's tests run apart from every other test: a call to the cache is bounded
    /// at 500 ms, and a test process busy with others can make a loopback call that slow.
    /// </summary>
    public const string Alone = "the shared cache, alone";

    /// <summary>
    /// The credentials of one "machine": its own configuration directory (its disk cache), the
    /// stand-in as token server, the shared cache; <paramref name="clock"/> its time. Made while
    /// the machine's variables are in place, since a copy reads the host again.
    /// </summary>
    internal static CloudCredentials Machine(
        Sandbox box, CartoServer server, string name, IDistributedCache cache, ILogger? logger = null, TimeProvider? clock = null)
    {
        using (box.With(("XDG_CONFIG_HOME", box.Path(name)), ("CARTO_AUTH_URL", server.Url)))
        {
            var creds = CloudCredentials.FromClientCredentials(server.Account.ClientId, server.Account.ClientSecret, server.Url)
                .WithTransport(timeProvider: clock)
                .WithSharedTokenCache(cache);
            return logger is null ? creds : creds.WithLogger(logger);
        }
    }

    internal static int Exchanges(CartoServer server) => server.Received.Count(r => r.Path == "/oauth/token");

    private static MemoryDistributedCache Memory() => new(Options.Create(new MemoryDistributedCacheOptions()));

    [Fact]
    public async Task A_token_one_machine_exchanged_is_read_by_the_others_from_the_shared_cache()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var cache = Memory();
        var logs = new ConcurrentQueue<(string Event, string Text)>();

        var first = await Machine(box, server, "a", cache).GetAccessTokenAsync();
        var others = new List<CartoAccessToken>();
        foreach (var name in new[] { "b", "c", "d" })
        {
            others.Add(await Machine(box, server, name, cache, new Capture(logs)).GetAccessTokenAsync());
        }

        Assert.Equal(1, Exchanges(server));
        Assert.All(others, token => Assert.Equal(first.Value, token.Value));
        Assert.Equal(3, logs.Count(l => l.Event == "TokenFromSharedCache"));
        Assert.All(logs, l => Assert.DoesNotContain(first.Value, l.Text));

        // Each machine kept it on its own disk too: a process there finds it without the shared cache.
        Assert.Single(Directory.GetFiles(box.Path("b", "cartocreds", "tokens"), "*.json"));
    }

    [Fact]
    public async Task A_reader_of_the_cache_learns_no_token_nor_secret_and_cannot_plant_one()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var cache = Memory();
        var token = await Machine(box, server, "a", cache).GetAccessTokenAsync();
        var key = Key(server);

        var raw = await cache.GetAsync(key);
        Assert.NotNull(raw);
        foreach (var secret in new[] { token.Value, server.Account.ClientSecret })
        {
            for (var at = 0; at + 8 <= secret.Length; at++)
            {
                Assert.DoesNotContain(secret.Substring(at, 8), Encoding.Latin1.GetString(raw));
            }
        }

        // One bit changed, garbage, an entry of another format: each is ignored, and replaced by the exchange that follows.
        foreach (var planted in new[] { Flip(raw), Encoding.UTF8.GetBytes("{\"access_token\": \"planted-token-0001\"}"), [2, .. raw[1..]] })
        {
            await cache.SetAsync(key, planted);
            var before = Exchanges(server);
            var got = await Machine(box, server, "fresh-" + before, cache).GetAccessTokenAsync();
            Assert.NotEqual("planted-token-0001", got.Value);
            Assert.Equal(before + 1, Exchanges(server));
            Assert.NotEqual(planted, await cache.GetAsync(key));
        }
    }

    [Fact]
    public async Task An_access_token_shares_nothing_and_the_shared_cache_is_asked_only_on_a_memory_miss()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var counting = new Counting(Memory());

        var machine = Machine(box, server, "a", counting);
        for (var i = 0; i < 100; i++)
        {
            await machine.GetAccessTokenAsync();
        }

        // The miss read it before the disk, and under the exchange lock read it again, read the claims
        // on the first token (none), wrote its own and read it back; it then wrote the exchanged token.
        // Every later call was served from memory.
        Assert.Equal(4, counting.Reads);
        Assert.Equal(2, counting.Writes);

        var given = CloudCredentials.FromToken("access-token-shared-0001", server.Url).WithSharedTokenCache(counting);
        Assert.Equal("access-token-shared-0001", (await given.GetAccessTokenAsync()).Value);
        Assert.Equal(4, counting.Reads);
        Assert.Throws<ArgumentNullException>(() => given.WithSharedTokenCache(null!));
    }

    [Fact]
    public async Task A_fleet_renews_once_each_instance_due_a_moment_early_finding_the_first_ones_token()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        server.Account.TokenLifetime = 120; // due after 60 s (half its life), as the fleet measurement's tokens
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var cache = Memory();
        var fleet = Enumerable.Range(1, 5).Select(n => Machine(box, server, "m" + n, cache, clock: clock)).ToList();

        var first = new List<CartoAccessToken>();
        foreach (var machine in fleet)
        {
            first.Add(await machine.GetAccessTokenAsync());
        }

        Assert.Equal(1, Exchanges(server));
        var nominal = clock.GetUtcNow().AddSeconds(60);

        // Each keeps it due a moment early: within a quarter of the time to its refresh (15 s here), never later.
        Assert.All(first, token =>
        {
            Assert.InRange(token.RefreshOn!.Value, nominal.AddSeconds(-15.5), nominal.AddSeconds(0.5));
        });

        // Time passes to the first instance's moment: it alone renews; each other one, at its own moment, finds that token.
        // The claim made on the first token, still live, holds up none of it (the renewal claims another).
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (machine, token) in fleet.Zip(first).OrderBy(pair => pair.Second.RefreshOn))
        {
            clock.Advance(token.RefreshOn!.Value - clock.GetUtcNow() + TimeSpan.FromMilliseconds(1));
            var renewed = await machine.GetAccessTokenAsync();
            Assert.NotEqual(token.Value, renewed.Value);
        }

        Assert.Equal(2, Exchanges(server));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the renewals took {watch.Elapsed}: held up by the first claim");
        var second = new List<string>();
        foreach (var machine in fleet)
        {
            second.Add((await machine.GetAccessTokenAsync()).Value);
        }

        Assert.Single(second.Distinct());
    }

    [Fact]
    public async Task Machines_that_miss_at_the_same_moment_exchange_once_the_one_whose_claim_stood()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var cache = Memory();
        // Started together (a deployment's replicas): nothing in the cache, nothing on any disk.
        var fleet = Enumerable.Range(1, 8).Select(n => Machine(box, server, "together-" + n, cache)).ToList();

        var tokens = await Task.WhenAll(fleet.Select(machine => machine.GetAccessTokenAsync().AsTask()));

        Assert.Equal(1, Exchanges(server));
        Assert.Single(tokens.Select(t => t.Value).Distinct());
    }

    [Fact]
    public async Task A_claim_never_honoured_holds_a_machine_no_longer_than_the_exchange_bound()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var cache = Memory();
        // A claim on the first token by an instance that then stopped (or one a reader of the cache planted).
        await cache.SetAsync(Key(server) + ":claim:none", [1, 2, 3, 4], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
        CloudCredentials machine;
        using (box.With(("XDG_CONFIG_HOME", box.Path("a")), ("CARTO_AUTH_URL", server.Url)))
        {
            machine = Machine(box, server, "a", cache).WithTransport(timeout: TimeSpan.FromSeconds(1));
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var token = await machine.GetAccessTokenAsync();

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(1, Exchanges(server));
        Assert.False(string.IsNullOrEmpty(token.Value));
    }

    [Fact]
    public async Task A_cache_that_throws_at_once_or_later_fails_no_call_and_is_said_once()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var logs = new ConcurrentQueue<(string Event, string Text)>();

        foreach (var (name, cache) in new (string, IDistributedCache)[] { ("at-once", new Broken(true)), ("later", new Broken(false)) })
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.StartsWith("stand-in-token-", (await Machine(box, server, name + i, cache, new Capture(logs)).GetAccessTokenAsync()).Value);
            }
        }

        // Each cache was said to fail once (then skipped for 30 s); each machine, with an empty disk, exchanged.
        Assert.Equal(2, logs.Count(l => l.Event == "SharedCacheFailed"));
        Assert.Equal(6, Exchanges(server));
    }

    /// <summary>A cache whose every call fails: by throwing at once, or with a faulted task.</summary>
    private sealed class Broken(bool atOnce) : IDistributedCache
    {
        private Task<byte[]?> Fail() => atOnce ? throw new InvalidOperationException("down") : Task.FromException<byte[]?>(new InvalidOperationException("down"));

        public byte[]? Get(string key) => throw new NotSupportedException();

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Fail();

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Fail();

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotSupportedException();

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new NotSupportedException();
    }

    /// <summary>The entry's key: <c>cartocreds:token:</c> and §7.4's hash of the auth server and client id.</summary>
    internal static string Key(CartoServer server)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(server.Url + "\n" + server.Account.ClientId));
        return "cartocreds:token:" + Convert.ToHexString(hash)[..16].ToLowerInvariant();
    }

    private static byte[] Flip(byte[] entry)
    {
        var copy = (byte[])entry.Clone();
        copy[^1] ^= 1;
        return copy;
    }

    /// <summary>A cache that counts the calls made to it.</summary>
    private sealed class Counting(IDistributedCache inner) : IDistributedCache
    {
        public int Reads;
        public int Writes;

        public byte[]? Get(string key) => throw new NotSupportedException("the library reads asynchronously");

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            Interlocked.Increment(ref Reads);
            return inner.GetAsync(key, token);
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            Interlocked.Increment(ref Writes);
            return inner.SetAsync(key, value, options, token);
        }

        public void Refresh(string key) => throw new NotSupportedException();

        public Task RefreshAsync(string key, CancellationToken token = default) => throw new NotSupportedException();

        public void Remove(string key) => throw new NotSupportedException();

        public Task RemoveAsync(string key, CancellationToken token = default) => throw new NotSupportedException();
    }

    /// <summary>Every log record's event name and text.</summary>
    internal sealed class Capture(ConcurrentQueue<(string Event, string Text)> records) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            records.Enqueue((eventId.Name ?? "", formatter(state, exception)));
    }
}

/// <summary>The collection of the shared cache's tests, which runs with no other test at the same time.</summary>
[CollectionDefinition(SharedCacheTests.Alone, DisableParallelization = true)]
public sealed class SharedCacheCollection;
