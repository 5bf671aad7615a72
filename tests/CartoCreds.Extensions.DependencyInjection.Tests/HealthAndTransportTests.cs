using CartoCreds.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §9 as amended: configuration bound by hand (no binder), the health check against the
/// loopback stand-in, and the container's client factory and clock used by the token session.
/// </summary>
public sealed class HealthAndTransportTests
{
    private static IHost Build(Action<IServiceCollection> services, IDictionary<string, string?>? configuration = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        services(builder.Services);
        return builder.Build();
    }

    [Fact]
    public async Task Configuration_is_bound_by_hand_case_insensitively_and_a_bad_value_names_its_key()
    {
        using var box = new Sandbox();
        using var host = Build(
            s => s.AddCartoCredentials(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["carto:platform"] = "cloud",
                ["carto:TOKEN"] = "bound-token-0001",
                ["carto:apibaseurl"] = "https://gcp-europe-west1.api.carto.com",
            }).Build().GetSection("Carto")));
        await host.StartAsync();
        var cloud = host.Services.GetRequiredService<CloudCredentials>();
        Assert.Equal("https://gcp-europe-west1.api.carto.com", cloud.ApiBaseUrl);
        await host.StopAsync();

        foreach (var (key, value, said) in new[]
        {
            ("Carto:Platform", "Clod", "Carto:Platform is 'Clod'; give Legacy or Cloud"),
            ("Carto:AllowNonSecure", "yes", "Carto:AllowNonSecure is 'yes'; give true or false"),
            // A token pasted under the wrong key is not shown.
            ("Carto:Platform", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMDAx",
                "Carto:Platform is '(not shown: it looks like a token)'; give Legacy or Cloud"),
        })
        {
            var section = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { [key] = value, ["Carto:ApiKey"] = "secret-key-0011", ["Carto:Username"] = "ana" })
                .Build().GetSection("Carto");
            using var bad = Build(s => s.AddCartoCredentials(section));
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.StartAsync());
            Assert.Equal($"CARTO options could not be read: {said}.", error.Message);
            Assert.DoesNotContain("secret-key-0011", error.Message);
        }
    }

    [Fact]
    public void The_options_text_shows_a_base_url_by_its_scheme_host_and_port_only()
    {
        var options = new CartoOptions
        {
            BaseUrl = "https://user:p4ssw0rd@ana.carto.com:8443/api/v2/sql?api_key=secret-key-0012",
            ApiBaseUrl = "https://gcp-us-east1.api.carto.com",
        };
        var text = options.ToString();
        Assert.Equal("CartoOptions(BaseUrl=https://ana.carto.com:8443/…, ApiBaseUrl=https://gcp-us-east1.api.carto.com)", text);
        Assert.DoesNotContain("p4ssw0rd", text);
        Assert.DoesNotContain("secret-key-0012", text);
        Assert.Equal("CartoOptions(BaseUrl=not a url…)", new CartoOptions { BaseUrl = "not a url?api_key=secret-key-0012" }.ToString());
    }

    /// <summary>A host with legacy credentials for the stand-in, its health checks and a clock of the test's own.</summary>
    private static IHost Healthy(CartoServer server, ManualClock clock) => Build(s =>
    {
        s.AddSingleton<TimeProvider>(clock);
        s.AddCartoCredentials(o =>
        {
            o.BaseUrl = server.Url;
            o.ApiKey = server.Account.ApiKey;
            o.AllowNonSecure = true;
        });
        s.AddHealthChecks().AddCartoCredentials();
    });

    [Fact]
    public async Task The_health_check_is_healthy_degraded_or_unhealthy_and_kept_for_five_minutes()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-02T00:00:00Z"));
        using var host = Healthy(server, clock);
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var first = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, first.Status);
        Assert.Equal(1, server.Count);

        // Many probes within 5 minutes: one verification.
        clock.Advance(TimeSpan.FromMinutes(4));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => health.CheckHealthAsync()));
        Assert.Equal(1, server.Count);

        // Past 5 minutes, CARTO is asked again: rate limiting degrades, a rejection is unhealthy.
        server.Answer = _ => Answer.Json(429, "{}");
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync()).Status);
        Assert.Equal(2, server.Count);

        server.Answer = _ => Answer.Json(401, "{}");
        clock.Advance(TimeSpan.FromMinutes(5));
        var rejected = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, rejected.Status);
        var entry = Assert.Single(rejected.Entries);
        Assert.Equal("carto", entry.Key);
        Assert.Contains("CARTO rejected the credentials (HTTP 401)", entry.Value.Description);
        Assert.DoesNotContain(server.Account.ApiKey, entry.Value.Description);
        await host.StopAsync();
    }

    [Fact]
    public async Task An_unreachable_CARTO_is_degraded()
    {
        using var box = new Sandbox();
        var clock = new ManualClock(DateTimeOffset.Parse("2026-12-02T00:00:00Z"));
        var closed = CartoServer.ClosedUrl();
        using var host = Build(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddCartoCredentials(o =>
            {
                o.BaseUrl = closed;
                o.ApiKey = "secret-key-0013";
                o.AllowNonSecure = true;
            });
            s.AddHealthChecks().AddCartoCredentials(failureStatus: HealthStatus.Degraded);
        });
        await host.StartAsync();
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Contains("could not be reached", Assert.Single(report.Entries).Value.Description);
        await host.StopAsync();
    }

    /// <summary>Counts what the library's named client sends: a real handler in the factory's pipeline.</summary>
    private sealed class Counting : DelegatingHandler
    {
        public int Sent;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Sent);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task The_token_session_uses_the_containers_client_factory_and_clock()
    {
        using var server = new CartoServer();
        server.Account.TokenLifetime = 3600;
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var counting = new Counting();
        using var host = Build(s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.AddCartoCredentials(o =>
            {
                o.ClientId = server.Account.ClientId;
                o.ClientSecret = server.Account.ClientSecret;
                o.ApiBaseUrl = server.Url;
            });
            s.AddHttpClient("CartoCreds").AddHttpMessageHandler(() => counting);
        });
        await host.StartAsync();
        var cloud = host.Services.GetRequiredService<CloudCredentials>();

        var token = await cloud.GetAccessTokenAsync();
        Assert.Equal(1, counting.Sent);
        Assert.Equal(token, await cloud.GetAccessTokenAsync());

        // The container's clock, not the system's, says when the token is due.
        clock.Advance(TimeSpan.FromMinutes(58));
        await cloud.GetAccessTokenAsync();
        Assert.Equal(2, counting.Sent);
        Assert.Equal(2, server.Account.IssuedCount);
        await host.StopAsync();
    }

    [Fact]
    public void Request_logs_leave_the_query_out_where_the_factory_would_log_it()
    {
        Assert.Equal(
            "https://ana.carto.com:8443/api/v2/sql?*",
            RedactingHttpClientLogger.Redacted(new Uri("https://user:p4ss@ana.carto.com:8443/api/v2/sql?q=1&api_key=secret-key-0014#x")));
        Assert.Equal("https://ana.carto.com/", RedactingHttpClientLogger.Redacted(new Uri("https://ana.carto.com/")));
        Assert.Equal("api/v2/sql?*", RedactingHttpClientLogger.Redacted(new Uri("api/v2/sql?api_key=secret-key-0014", UriKind.Relative)));
#if NET10_0_OR_GREATER
        // Microsoft.Extensions.Http 10 leaves the query out itself: its own loggers stay.
        Assert.False(RedactingHttpClientLogger.Needed);
#else
        // This build runs on Microsoft.Extensions.Http 8.0, which logs whole URIs: they are replaced.
        Assert.True(RedactingHttpClientLogger.Needed);
#endif
    }
}
