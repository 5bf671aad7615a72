using System.Collections.Concurrent;
using CartoCreds.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §9 in a real generic host (<c>Host.CreateApplicationBuilder</c>) with in-memory
/// configuration, against the loopback CARTO stand-in: both platforms, start failures, the named
/// client's requests authenticated, credentials resolved once, no secret in any log.
/// </summary>
public sealed class HostingTests
{
    private const string Secret = "s3cr3t-s3cr3t-s3cr3t-0009";

    /// <summary>A host with only the configuration given (no appsettings, no environment), started.</summary>
    private static async Task<IHost> Started(IDictionary<string, string?> configuration, Action<HostApplicationBuilder>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddCartoCredentials(builder.Configuration.GetSection(CartoOptions.SectionName));
        builder.Services.AddHttpClient("carto").AddCartoAuthentication();
        more?.Invoke(builder);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<OptionsValidationException> FailsToStart(Action<CartoOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddCartoCredentials(configure);
        using var host = builder.Build();
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    [Fact]
    public async Task Legacy_credentials_from_configuration_authenticate_the_named_client()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        using var host = await Started(new Dictionary<string, string?>
        {
            ["Carto:BaseUrl"] = server.Url,
            ["Carto:ApiKey"] = server.Account.ApiKey,
            ["Carto:AllowNonSecure"] = "true",
        });

        var credentials = host.Services.GetRequiredService<Credentials>();
        Assert.Same(credentials, host.Services.GetRequiredService<ICartoAuthenticator>());
        Assert.Equal(CredentialsLayer.Arguments, credentials.Origin.Layer);

        var carto = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("carto");
        Assert.Equal(new Uri(server.Url + "/"), carto.BaseAddress);
        Assert.Contains("\"rows\"", await carto.GetStringAsync("api/v2/sql?q=select%201"));
        Assert.Equal("?q=select%201&api_key=" + server.Account.ApiKey, Assert.Single(server.Received).Query);

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<CloudCredentials>());
        Assert.Contains("legacy credentials", error.Message);
        await host.StopAsync();
    }

    [Fact]
    public async Task Client_credentials_configured_in_code_are_exchanged_and_sent_as_a_bearer_token()
    {
        using var server = new CartoServer();
        server.Account.ClientSecret = Secret;
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddCartoCredentials(options =>
        {
            options.ClientId = server.Account.ClientId;
            options.ClientSecret = Secret;
            options.ApiBaseUrl = server.Url;
        });
        builder.Services.AddHttpClient("carto").AddCartoAuthentication();
        using var host = builder.Build();
        await host.StartAsync();

        var cloud = host.Services.GetRequiredService<CloudCredentials>();
        Assert.Equal(CloudCredentialsKind.ClientCredentials, cloud.Kind);
        var carto = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("carto");
        Assert.Contains("carto_dw", await carto.GetStringAsync("v3/connections"));
        Assert.Contains("carto_dw", await carto.GetStringAsync("v3/connections"));

        Assert.Equal(["/oauth/token", "/v3/connections", "/v3/connections"], server.Received.Select(r => r.Path));
        Assert.All(server.Received.Skip(1), r => Assert.Equal("Bearer stand-in-token-0001", r.Authorization));
        Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<Credentials>());
        await host.StopAsync();
    }

    [Fact]
    public async Task The_options_are_the_arguments_layer_the_environment_and_saved_session_follow()
    {
        using var box = new Sandbox(("CARTO_API_TOKEN", "environment-token-0001"));
        using var host = await Started(new Dictionary<string, string?> { ["Carto:Platform"] = "Cloud" });

        var cloud = host.Services.GetRequiredService<CloudCredentials>();
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.Environment, "CARTO_API_TOKEN"), cloud.Origin);
        Assert.Equal(CloudCredentials.DefaultApiBaseUrl, cloud.ApiBaseUrl);
    }

    [Fact]
    public void Validation_is_the_cores_result_each_failure_a_message_and_a_caller_who_resolves_gets_the_facades_exception()
    {
        using var box = new Sandbox(("CARTO_API_KEY", "environment-key-0001"), ("CARTO_BASE_URL", "ftp://nowhere.example"));
        var missing = box.Path("missing.json");
        var cases = new (CartoOptions Options, string Said, Type Thrown)[]
        {
            (new CartoOptions { Token = "t-0001", Username = "ana" }, "both legacy (Username) and CARTO 3 (Token", typeof(ArgumentException)),
            (new CartoOptions { BaseUrl = "http://ana.example" }, "AllowNonSecure", typeof(ArgumentException)),
            (new CartoOptions { Platform = CartoPlatform.Legacy, CredFile = missing }, missing, typeof(FileNotFoundException)),
            (new CartoOptions { Platform = CartoPlatform.Legacy }, "CARTO_BASE_URL", typeof(InvalidOperationException)),
        };

        foreach (var (options, said, thrown) in cases)
        {
            var resolution = new CartoResolution();
            var problem = resolution.Problem(options);
            Assert.NotNull(problem);
            Assert.Contains(said, problem);
            Assert.DoesNotContain("environment-key-0001", problem);
            var error = Assert.Throws(thrown, () => resolution.Resolve(options));
            Assert.Equal(problem, error.Message);
        }

        // Options that resolve are resolved once: the same credentials are served afterwards.
        var resolves = new CartoResolution();
        var good = new CartoOptions { Username = "ana", ApiKey = "options-key-0001" };
        Assert.Null(resolves.Problem(good));
        Assert.Same(resolves.Resolve(good), resolves.Resolve(new CartoOptions()));
    }

    [Fact]
    public async Task ShareTokens_shares_client_credentials_tokens_through_the_containers_distributed_cache()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        var shared = new MemoryDistributedCache(
            Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        var configuration = new Dictionary<string, string?>
        {
            ["Carto:ClientId"] = server.Account.ClientId,
            ["Carto:ClientSecret"] = server.Account.ClientSecret,
            ["Carto:ApiBaseUrl"] = server.Url,
            ["Carto:ShareTokens"] = "true",
        };

        // Two instances of the app on two "machines" (configuration directories of their own), one cache.
        var tokens = new List<string>();
        foreach (var machine in new[] { "one", "two" })
        {
            using var place = box.With(("XDG_CONFIG_HOME", box.Path(machine)), ("CARTO_AUTH_URL", server.Url));
            using var host = await Started(configuration, builder =>
                builder.Services.AddSingleton<IDistributedCache>(shared));
            tokens.Add((await host.Services.GetRequiredService<CloudCredentials>().GetAccessTokenAsync()).Value);
            Assert.Contains("ShareTokens=true", host.Services.GetRequiredService<IOptions<CartoOptions>>().Value.ToString());
            await host.StopAsync();
        }

        Assert.Single(tokens.Distinct());
        Assert.Single(server.Received, r => r.Path == "/oauth/token");

        // Asked for with no cache in the container: the host does not start, and says what to add.
        var missing = await FailsToStart(o =>
        {
            o.ClientId = "m2m";
            o.ClientSecret = Secret;
            o.ShareTokens = true;
        });
        Assert.Contains("ShareTokens is true, but the container has no IDistributedCache", missing.Message);
    }

    /// <summary>
    /// A client of a shared cache whose first call makes its connection and takes
    /// <paramref name="connect"/> (as a Redis client does); the calls after it answer at once.
    /// A client that cannot connect throws on every call.
    /// </summary>
    private sealed class Connecting(IDistributedCache inner, TimeSpan connect, bool reachable = true) : IDistributedCache
    {
        private readonly Lazy<Task> _connection = new(() => reachable
            ? Task.Delay(connect)
            : Task.FromException(new IOException("connection refused")));

        public int Calls;

        private async Task Connected()
        {
            Interlocked.Increment(ref Calls);
            await _connection.Value;
        }

        public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            await Connected();
            return await inner.GetAsync(key, token);
        }

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

        public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        {
            await Connected();
            await inner.SetAsync(key, value, options, token);
        }

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);
    }

    [Fact]
    public async Task ShareTokens_connects_the_shared_cache_while_the_host_starts_so_the_first_call_uses_it()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        var shared = new MemoryDistributedCache(Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        var configuration = new Dictionary<string, string?>
        {
            ["Carto:ClientId"] = server.Account.ClientId,
            ["Carto:ClientSecret"] = server.Account.ClientSecret,
            ["Carto:ApiBaseUrl"] = server.Url,
            ["Carto:ShareTokens"] = "true",
        };

        // Each instance's client connects in 1.5 s, three times what a token lookup allows the cache:
        // made while the host starts, the connection is there when the first token is asked for.
        foreach (var machine in new[] { "one", "two" })
        {
            using var place = box.With(("XDG_CONFIG_HOME", box.Path(machine)), ("CARTO_AUTH_URL", server.Url));
            var client = new Connecting(shared, TimeSpan.FromSeconds(1.5));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using var host = await Started(configuration, builder => builder.Services.AddSingleton<IDistributedCache>(client));
            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.4), $"the start took {watch.Elapsed}, without waiting for the cache");
            Assert.Equal(1, client.Calls);
            await host.Services.GetRequiredService<CloudCredentials>().GetAccessTokenAsync();
            await host.StopAsync();
        }

        // The second instance read the first one's token: one exchange.
        Assert.Single(server.Received, r => r.Path == "/oauth/token");

        // A cache that cannot be reached stops nothing: the host starts, and the token is exchanged.
        using (box.With(("XDG_CONFIG_HOME", box.Path("three")), ("CARTO_AUTH_URL", server.Url)))
        {
            var down = new Connecting(shared, TimeSpan.Zero, reachable: false);
            using var host = await Started(configuration, builder => builder.Services.AddSingleton<IDistributedCache>(down));
            Assert.False(string.IsNullOrEmpty((await host.Services.GetRequiredService<CloudCredentials>().GetAccessTokenAsync()).Value));
            await host.StopAsync();
        }

        Assert.Equal(2, server.Received.Count(r => r.Path == "/oauth/token"));

        // Without ShareTokens the cache is not touched at all.
        var untouched = new Connecting(shared, TimeSpan.Zero);
        configuration["Carto:ShareTokens"] = "false";
        using (box.With(("XDG_CONFIG_HOME", box.Path("four")), ("CARTO_AUTH_URL", server.Url)))
        using (var host = await Started(configuration, builder => builder.Services.AddSingleton<IDistributedCache>(untouched)))
        {
            await host.StopAsync();
        }

        Assert.Equal(0, untouched.Calls);
    }

    [Fact]
    public async Task With_nothing_anywhere_the_host_does_not_start_and_says_why_for_every_layer()
    {
        using var box = new Sandbox();
        var error = await FailsToStart(_ => { });

        Assert.Equal(typeof(CartoOptions), error.OptionsType);
        Assert.StartsWith("CARTO credentials could not be resolved: ", error.Message);
        foreach (var layer in new[] { "Arguments", "Environment", "Saved session" })
        {
            Assert.Contains(layer, error.Message);
        }
    }

    [Fact]
    public async Task Invalid_options_stop_the_start_without_their_secrets_in_the_message()
    {
        using var box = new Sandbox();
        var badToken = await FailsToStart(o => o.Token = "secret token with spaces 0001");
        Assert.DoesNotContain("secret token with spaces", badToken.Message);
        Assert.Contains("token", badToken.Message);

        var halfPair = await FailsToStart(o => o.ClientSecret = Secret);
        Assert.DoesNotContain(Secret, halfPair.Message);
        Assert.Contains("client", halfPair.Message);

        var keyAlone = await FailsToStart(o => o.ApiKey = "secret-api-key-alone-0001");
        Assert.DoesNotContain("secret-api-key-alone-0001", keyAlone.Message);

        var both = await FailsToStart(o =>
        {
            o.ApiKey = "secret-api-key-0002";
            o.Token = "secret-token-0002";
        });
        Assert.Contains(
            "both legacy (ApiKey) and CARTO 3 (Token) options are set; for CARTO 3 remove ApiKey, or for the legacy platform remove Token.",
            both.Message);
        Assert.DoesNotContain("secret-api-key-0002", both.Message);

        var contradicted = await FailsToStart(o =>
        {
            o.Platform = CartoPlatform.Legacy;
            o.Profile = "prod";
        });
        Assert.Contains("Platform is Legacy, but CARTO 3 options are set (Profile)", contradicted.Message);

        // An http base URL is allowed by the options' own AllowNonSecure, and the hint says so.
        var insecure = await FailsToStart(o =>
        {
            o.BaseUrl = "http://ana.example.com";
            o.ApiKey = "secret-api-key-0003";
        });
        Assert.Contains(
            "base URL 'http://ana.example.com' is not secure (http); use https, or allow non-secure URLs (AllowNonSecure = true in the options).",
            insecure.Message);
        Assert.DoesNotContain("secret-api-key-0003", insecure.Message);
    }

    [Fact]
    public async Task Credentials_are_resolved_once_at_start_and_a_configuration_change_changes_nothing()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        var configuration = new Dictionary<string, string?>
        {
            ["Carto:BaseUrl"] = server.Url,
            ["Carto:ApiKey"] = "first-key-0001",
            ["Carto:AllowNonSecure"] = "true",
        };
        using var host = await Started(configuration);
        var before = host.Services.GetRequiredService<ICartoAuthenticator>();

        var root = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        root["Carto:ApiKey"] = "second-key-0002";
        root.Reload();

        Assert.Equal("second-key-0002", host.Services.GetRequiredService<IOptionsMonitor<CartoOptions>>().CurrentValue.ApiKey);
        Assert.Same(before, host.Services.GetRequiredService<ICartoAuthenticator>());
        Assert.Equal("first-key-0001", host.Services.GetRequiredService<Credentials>().Key());
    }

    [Fact]
    public async Task No_key_or_token_reaches_any_log_even_at_trace_level()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        var logs = new ConcurrentQueue<string>();
        using var host = await Started(
            new Dictionary<string, string?>
            {
                ["Carto:BaseUrl"] = server.Url,
                ["Carto:ApiKey"] = server.Account.ApiKey,
                ["Carto:AllowNonSecure"] = "true",
            },
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Trace);
                builder.Logging.AddProvider(new Capture(logs));
            });

        var carto = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("carto");
        await carto.GetStringAsync("api/v2/sql?q=select%201");
        await host.StopAsync();

        Assert.Contains(logs, line => line.Contains("/api/v2/sql", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, line => line.Contains(server.Account.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public void The_options_text_masks_every_secret()
    {
        var options = new CartoOptions { ApiKey = "secret-api-key-0003", Token = "secret-token-0003", ClientSecret = Secret, ClientId = "m2m" };
        Assert.Equal("CartoOptions(ApiKey=****0003, Token=****0003, ClientId=m2m, ClientSecret=****0009)", options.ToString());
    }

    /// <summary>Every log line, formatted, with its exception.</summary>
    private sealed class Capture(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{formatter(state, exception)} {exception} {state}");

        public void Dispose()
        {
        }
    }
}
