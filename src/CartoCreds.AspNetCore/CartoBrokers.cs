using System.Collections.Concurrent;
using CartoCreds;
using Refused = CartoCreds.Core.Refused;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The application's API Access Token brokers (SPEC §12), one per request (by its canonical form:
/// the same grants, APIs and referers in any order share one), made with the container's CARTO 3
/// credentials on first use, so that every endpoint of one request hands out one token, and, with
/// <c>Carto:ShareTokens</c>, every replica too. Disposed with the container: each broker deletes
/// the tokens it made, except the one the fleet still shares.
/// </summary>
internal sealed class CartoBrokers(IServiceProvider services) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ApiAccessTokenBroker>> _brokers = new(StringComparer.Ordinal);

    /// <summary>The broker of <paramref name="request"/>.</summary>
    /// <exception cref="InvalidOperationException">The application's credentials are not CARTO 3's.</exception>
    public ApiAccessTokenBroker For(ApiAccessTokenRequest request, string canonical) =>
        _brokers.GetOrAdd(canonical, _ => new Lazy<ApiAccessTokenBroker>(() => new ApiAccessTokenBroker(Credentials(), request))).Value;

    private CloudCredentials Credentials() =>
        services.GetService(typeof(ICartoAuthenticator)) switch
        {
            CloudCredentials cloud => cloud,
            null => throw new InvalidOperationException(WebMessages.NoCredentials),
            _ => throw new InvalidOperationException(WebMessages.NotCloud),
        };

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in _brokers.Values.Where(b => b.IsValueCreated))
        {
            await broker.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>What the web package says, in one place.</summary>
internal static class WebMessages
{
    public const string NoCredentials =
        "CARTO's web endpoints need the application's CARTO 3 credentials: call services.AddCartoCredentials(...) before services.AddCartoWeb()";

    public const string NotCloud =
        "CARTO's web endpoints hand out API Access Tokens, which only CARTO 3 credentials (client credentials or a login) can make; the configured credentials are legacy ones";

    public const string NoCartoWeb =
        "CARTO's web endpoints need services.AddCartoWeb() (after services.AddCartoCredentials(...))";

    public static string NotAPath(string pattern) =>
        $"a CARTO endpoint's path must start with '/' and hold no query or fragment, not '{Refused.terminalSafe(pattern)}'";
}
