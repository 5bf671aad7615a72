using CartoCreds.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §10 in a host: the library logs through the container's <c>ILoggerFactory</c> (category
/// <c>CartoCreds</c>), and no line of any category — the library's, the client factory's, the
/// health checks' — holds a key, token or secret, in any scenario run here: legacy and CARTO 3
/// credentials resolved at start, tokens exchanged and used, health checks healthy and failing.
/// </summary>
public sealed class LoggingTests
{
    private static IHost Build(CapturedLog log, Action<IServiceCollection> services)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(log.Provider);
        services(builder.Services);
        return builder.Build();
    }

    private static void AssertNoLeak(CapturedLog log, params string[] secrets)
    {
        var leaks = log.Leaks(secrets).ToList();
        Assert.True(leaks.Count == 0, leaks.Count == 0 ? "" : $"a log line holds {leaks[0].Item1}: {leaks[0].Item2}");
    }

    [Fact]
    public async Task Legacy_credentials_say_their_layer_at_start_and_no_line_holds_the_key()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        var log = new CapturedLog();
        using var host = Build(log, s =>
        {
            s.AddCartoCredentials(o =>
            {
                o.BaseUrl = server.Url;
                o.ApiKey = server.Account.ApiKey;
                o.AllowNonSecure = true;
            });
            s.AddHealthChecks().AddCartoCredentials();
        });
        await host.StartAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
        await host.StopAsync();

        var used = Assert.Single(log.Library, line => line.Event == "CredentialsResolved");
        Assert.Equal(LogLevel.Information, used.Level);
        Assert.StartsWith("Credentials from Arguments (api_key, base_url): Credentials(", used.Message);
        Assert.Contains("api_key=****0001", used.Message);
        Assert.Contains(log.Library, line => line.Event == "LayerAbsent" && line.Message.StartsWith("Explicit: absent", StringComparison.Ordinal));
        AssertNoLeak(log, server.Account.ApiKey);
    }

    [Fact]
    public async Task Client_credentials_log_their_exchange_through_the_container_and_no_line_holds_a_secret_or_token()
    {
        using var server = new CartoServer();
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url), ("CARTO_ACCOUNTS_URL", server.Url));
        var log = new CapturedLog();
        using var host = Build(log, s =>
        {
            s.AddCartoCredentials(o =>
            {
                o.ClientId = server.Account.ClientId;
                o.ClientSecret = server.Account.ClientSecret;
            });
            s.AddHealthChecks().AddCartoCredentials();
        });
        await host.StartAsync();
        var credentials = host.Services.GetRequiredService<CloudCredentials>();
        var token = await credentials.GetAccessTokenAsync();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);

        // A rejected token: dropped, exchanged again, and the check fails; the lines stay secret-free.
        server.Account.RevokeTokens();
        server.Answer = _ => Answer.Json(401, "{\"error\": \"access_denied\", \"error_description\": \"bad client " + server.Account.ClientSecret + "\"}");
        await Assert.ThrowsAnyAsync<Exception>(() => credentials.VerifyAsync());
        Assert.Contains("TokenDropped", log.Events);
        Assert.Contains("ExchangeFailed", log.Events);
        await host.StopAsync();

        var used = Assert.Single(log.Library, line => line.Event == "CredentialsResolved");
        Assert.StartsWith("Credentials from Arguments (client_id, client_secret): CloudCredentials(client_id=" + server.Account.ClientId, used.Message);
        var exchange = Assert.Single(log.Library, line => line.Event == "TokenExchanged");
        Assert.Equal(LogLevel.Information, exchange.Level);
        Assert.StartsWith($"Token exchanged for client {server.Account.ClientId} at {server.Url}; it expires at ", exchange.Message);
        // The client factory's own lines are there too, and are searched as well.
        Assert.Contains(log.Lines, line => line.Category.StartsWith("System.Net.Http.HttpClient.CartoCreds", StringComparison.Ordinal));
        AssertNoLeak(log, server.Account.ClientSecret, token.Value, server.Account.ApiKey);
    }

    [Fact]
    public void A_facade_given_a_logger_logs_to_it_and_one_given_none_logs_nothing()
    {
        using var box = new Sandbox(("CARTO_USERNAME", "ana"), ("CARTO_API_KEY", "facade-key-0123456789"));
        var log = new CapturedLog();
        _ = new Credentials(logger: log.Logger);
        Assert.Equal(
            ["LayerAbsent", "LayerAbsent", "LayerAbsent", "CredentialsResolved"],
            log.Events);
        AssertNoLeak(log, "facade-key-0123456789");

        var cloudLog = new CapturedLog();
        using (box.With(("CARTO_API_TOKEN", "facade-token-0123456789")))
        {
            _ = new CloudCredentials(logger: cloudLog.Logger);
        }

        Assert.Contains("CredentialsResolved", cloudLog.Events);
        AssertNoLeak(cloudLog, "facade-token-0123456789");
    }
}
