#if NET10_0_OR_GREATER
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CartoCreds.Testing;
using Garnet;
using Garnet.server;
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
    /// <summary>A Garnet server on a loopback port; disposed, it stops.</summary>
    private sealed class Garnet : IDisposable
    {
        private readonly GarnetServer _server;

        public Garnet(int? port = null)
        {
            Port = port ?? FreePort();
            _server = new GarnetServer(new GarnetServerOptions
            {
                EndPoints = [new IPEndPoint(IPAddress.Loopback, Port)],
            });
            _server.Start();
        }

        public int Port { get; }

        public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=500,syncTimeout=500,asyncTimeout=500";

        public void Dispose() => _server.Dispose();

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }
    }

    /// <summary>A redis-server of Debian's, started on a free loopback port with nothing saved; disposed, it stops.</summary>
    private sealed class RedisServer : IDisposable
    {
        private readonly System.Diagnostics.Process _process;

        private RedisServer(System.Diagnostics.Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=500,syncTimeout=500,asyncTimeout=500";

        public static RedisServer Start()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var info = new System.Diagnostics.ProcessStartInfo(
                "redis-server",
                ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var process = System.Diagnostics.Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            // Listening within 10 s, or the test fails saying so.
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var client = new TcpClient();
                    client.Connect(IPAddress.Loopback, port);
                    return new RedisServer(process, port);
                }
                catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
                {
                    Thread.Sleep(50);
                }
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }
    }

    /// <summary>A test that needs redis-server on the PATH: skipped, with the reason, when it is not.</summary>
    private sealed class RedisServerFactAttribute : FactAttribute
    {
        public RedisServerFactAttribute()
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
                .Split(Path.PathSeparator)
                .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "redis-server")));
            if (!found)
            {
                Skip = "redis-server is not installed (.ci/run installs it with apt when it can)";
            }
        }
    }

    private static RedisCache Cache(Garnet garnet) => new(new RedisCacheOptions { Configuration = garnet.Configuration, InstanceName = "app:" });

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
        using var garnet = new Garnet();
        await Machines(garnet.Configuration);
    }

    [RedisServerFact]
    public async Task Machines_sharing_a_redis_server_exchange_once_and_the_server_holds_no_token()
    {
        using var redis = RedisServer.Start();
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
        using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
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
        var garnet = new Garnet();
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
        using var again = new Garnet(port);
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
