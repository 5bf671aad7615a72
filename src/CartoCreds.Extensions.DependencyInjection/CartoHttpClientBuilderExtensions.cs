using CartoCreds;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Authenticated <see cref="HttpClient"/>s from <c>IHttpClientFactory</c> (SPEC §8, §9).</summary>
public static class CartoHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="CartoAuthenticationHandler"/> with the registered <see cref="ICartoAuthenticator"/>
    /// to the client's handlers, and sets its <see cref="HttpClient.BaseAddress"/> to the
    /// credentials' base URL (legacy) or API base URL (CARTO 3), unless it was set before.
    /// Requires <c>AddCartoCredentials</c>. With Microsoft.Extensions.Http before 9.0, which logs a
    /// request's full URI, the client's request logs are replaced by ones that leave the query out,
    /// so a legacy API key (sent as <c>api_key=</c>) never reaches a log.
    /// </summary>
    /// <param name="builder">The client's builder, from <c>AddHttpClient</c>.</param>
    /// <returns><paramref name="builder"/>, to chain.</returns>
    /// <example><code>builder.Services.AddHttpClient("carto").AddCartoAuthentication();</code></example>
    public static IHttpClientBuilder AddCartoAuthentication(this IHttpClientBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureHttpClient((provider, client) =>
            client.BaseAddress ??= provider.GetRequiredService<ICartoAuthenticator>().BaseAddress);
        builder.AddHttpMessageHandler(provider => new CartoAuthenticationHandler(provider.GetRequiredService<ICartoAuthenticator>()));
        return RedactingHttpClientLogger.Install(builder);
    }
}
