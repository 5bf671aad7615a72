using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CARTO's web endpoints (SPEC §13).</summary>
public static class CartoWebServiceCollectionExtensions
{
    /// <summary>
    /// Adds what <c>MapCartoAccessToken</c> needs: one API Access Token broker per request, made
    /// with the credentials of <c>AddCartoCredentials</c> (§9) and sharing its tokens through the
    /// shared cache when <c>Carto:ShareTokens</c> is set, so every replica hands out one token.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The services, for chaining.</returns>
    /// <example><code>builder.Services.AddCartoCredentials(builder.Configuration.GetSection("Carto")).AddCartoWeb();</code></example>
    public static IServiceCollection AddCartoWeb(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<CartoBrokers>();
        return services;
    }
}
