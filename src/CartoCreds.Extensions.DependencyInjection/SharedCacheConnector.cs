using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CartoCreds;

/// <summary>
/// With <see cref="CartoOptions.ShareTokens"/>, connects the shared cache while the host starts,
/// before the app's first call (SPEC §7.7): a client's first request to Redis includes its
/// connection, which can outlast the 500 ms a token lookup allows the cache, and would then skip it.
/// One read of an unused key, allowed 5 s; a cache that is down delays the start by that at most
/// and stops nothing (the token lookups then skip it, and say so).
/// </summary>
internal sealed class SharedCacheConnector(IOptions<CartoOptions> options, IServiceProvider services) : IHostedService
{
    /// <summary>The key read: never written, by CartoCreds or anyone.</summary>
    internal const string Probe = "cartocreds:connect";

    /// <summary>How long the start waits for the cache.</summary>
    internal static readonly TimeSpan Allowed = TimeSpan.FromSeconds(5);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.ShareTokens || services.GetService<IDistributedCache>() is not { } cache)
        {
            return;
        }

        try
        {
            await cache.GetAsync(Probe, cancellationToken).WaitAsync(Allowed, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Down or slow: the token lookups skip it, with a warning each 30 s; the start goes on.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
