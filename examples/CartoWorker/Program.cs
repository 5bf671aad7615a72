// A worker service: CARTO credentials from configuration (appsettings.json, the environment as
// Carto__Token, user secrets, a vault), validated when the host starts, and an HttpClient that
// authenticates its requests to CARTO.
//
//   Carto__Token=… Carto__ApiBaseUrl=https://gcp-us-east1.api.carto.com dotnet run --project examples/CartoWorker
//
// Many instances of it with client credentials share one token through Redis (SPEC §7.7): each
// lists the connections every Worker__Every, and the fleet exchanges once per token lifetime.
//
//   Carto__ClientId=… Carto__ClientSecret=… Carto__ApiBaseUrl=… Carto__ShareTokens=true \
//   ConnectionStrings__Redis=localhost:6379 Worker__Every=00:00:10 dotnet run --project examples/CartoWorker
//
// With Worker__BrokerGrant=CONNECTION=SOURCE it also hands out an API Access Token of that grant
// (SPEC §12) each time, from an ApiAccessTokenBroker whose tokens live Worker__TokenLifetime
// (default 1 hour); with Carto__ShareTokens the fleet shares one, and creates about one per
// half-lifetime. Only the masked token is printed.
using System.Text.Json;
using CartoCreds;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("CartoCreds", LogLevel.Information);         // the layer used, each token exchanged
builder.Logging.AddFilter("ConnectionLister", LogLevel.Information);
builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);   // stdout is for the data
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
builder.Services.AddCartoCredentials(builder.Configuration.GetSection(CartoOptions.SectionName));
if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
{
    // The container's IDistributedCache: with Carto:ShareTokens, tokens are shared through it, sealed.
    builder.Services.AddStackExchangeRedisCache(cache => cache.Configuration = redis);
}

builder.Services.AddHttpClient("carto").AddCartoAuthentication();
builder.Services.AddHostedService<ConnectionLister>();

try
{
    using var host = builder.Build();
    await host.RunAsync();
    return Environment.ExitCode;
}
catch (OptionsValidationException e)
{
    // Missing or invalid credentials: the host does not start. The message explains every layer.
    Console.Error.WriteLine(e.Message);
    return 1;
}

/// <summary>
/// Lists the account's connections once, then stops the host; or, with <c>Worker:Every</c>, every
/// so often until the host is stopped.
/// </summary>
internal sealed partial class ConnectionLister(
    IHttpClientFactory clients, IHostApplicationLifetime lifetime, ICartoAuthenticator credentials, ILogger<ConnectionLister> logger,
    IConfiguration configuration)
    : BackgroundService
{
    private readonly TimeSpan? every = configuration.GetValue<TimeSpan?>("Worker:Every");
    private readonly string? brokerGrant = configuration["Worker:BrokerGrant"];
    private readonly TimeSpan? tokenLifetime = configuration.GetValue<TimeSpan?>("Worker:TokenLifetime");

    // Source-generated: nothing is formatted when Information is off, and nothing is reflected upon (AOT).
    [LoggerMessage(Level = LogLevel.Information, Message = "Using CARTO credentials from {Origin}")]
    private static partial void LogOrigin(ILogger logger, CredentialsOrigin origin);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Where the credentials came from (a layer and its location), never the credentials themselves.
        LogOrigin(logger, credentials switch
        {
            CloudCredentials cloud => cloud.Origin,
            Credentials legacy => legacy.Origin,
            _ => throw new InvalidOperationException("unknown credentials"),
        });

        await using var broker = Broker();
        try
        {
            var carto = clients.CreateClient("carto");
            while (await ListConnections(carto, stoppingToken) && await HandOut(broker, stoppingToken) && every is { } pause)
            {
                await Task.Delay(pause, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped (Ctrl-C, SIGTERM): the host ends with the code it has.
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    /// <summary>The broker of <c>Worker:BrokerGrant</c> (<c>CONNECTION=SOURCE</c>), for the Maps API; none without it.</summary>
    private ApiAccessTokenBroker? Broker()
    {
        if (brokerGrant is not { Length: > 0 } grant || credentials is not CloudCredentials cloud)
        {
            return null;
        }

        var split = grant.IndexOf('=', StringComparison.Ordinal);
        var request = new ApiAccessTokenRequest([new CartoGrant(grant[..split], grant[(split + 1)..])], [CartoApi.Maps]);
        return new ApiAccessTokenBroker(cloud, request, tokenLifetime);
    }

    /// <summary>One token handed out, printed masked; false, with the exit code set, when none could be had.</summary>
    private static async Task<bool> HandOut(ApiAccessTokenBroker? broker, CancellationToken stoppingToken)
    {
        if (broker is null)
        {
            return true;
        }

        try
        {
            Console.WriteLine($"api token {await broker.GetAsync(stoppingToken)}");
            return true;
        }
        catch (CartoApiException e)
        {
            Console.Error.WriteLine(e.Message);
            Environment.ExitCode = e.Failure == CartoApiFailure.Unreachable ? 3 : 1;
            return false;
        }
    }

    /// <summary>One listing; false, with the exit code set, when it failed.</summary>
    private static async Task<bool> ListConnections(HttpClient carto, CancellationToken stoppingToken)
    {
        try
        {
            using var response = await carto.GetAsync("v3/connections", stoppingToken);
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"CARTO answered {(int)response.StatusCode} to GET v3/connections");
                Environment.ExitCode = 1;
                return false;
            }

            using var connections = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(stoppingToken), cancellationToken: stoppingToken);
            foreach (var connection in connections.RootElement.EnumerateArray())
            {
                Console.WriteLine($"{connection.GetProperty("name").GetString()} ({connection.GetProperty("provider_id").GetString()})");
            }

            return true;
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"CARTO could not be reached: {e.HttpRequestError}");
            Environment.ExitCode = 3;
            return false;
        }
    }
}
