using CartoCreds;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CARTO credentials in a service collection (SPEC §9).</summary>
public static class CartoServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="CartoOptions"/> from <paramref name="section"/> (the Arguments layer), and
    /// registers the credentials they resolve to, validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="section">The configuration section, usually <c>Configuration.GetSection("Carto")</c>.</param>
    /// <returns><paramref name="services"/>, to chain.</returns>
    /// <example><code>builder.Services.AddCartoCredentials(builder.Configuration.GetSection(CartoOptions.SectionName));</code></example>
    public static IServiceCollection AddCartoCredentials(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        // IOptionsMonitor sees a reload; the credentials, resolved at start, do not change.
        services.AddSingleton<IOptionsChangeTokenSource<CartoOptions>>(new SectionChangeTokenSource(section));
        return services.AddCartoCredentials(options => CartoOptionsBinding.Bind(section, options));
    }

    /// <summary>
    /// Configures <see cref="CartoOptions"/> in code (the Arguments layer: file, environment and
    /// saved session follow), and registers the credentials they resolve to as singletons:
    /// <see cref="ICartoAuthenticator"/>, and <see cref="Credentials"/> or <see cref="CloudCredentials"/>
    /// by the platform. They are resolved once, when the host starts (<c>ValidateOnStart</c>): a
    /// host whose credentials are missing or invalid fails to start with an
    /// <see cref="OptionsValidationException"/> that explains every layer, with no secret in it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns><paramref name="services"/>, to chain.</returns>
    public static IServiceCollection AddCartoCredentials(this IServiceCollection services, Action<CartoOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<CartoOptions>().Configure(configure).ValidateOnStart();
        // The library's own client: no redirect followed, and (on Http 8) no header or query logged.
        RedactingHttpClientLogger.Install(services.AddHttpClient(CartoResolution.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            }));
        services.TryAddSingleton(provider => new CartoResolution(
            provider.GetService<IHttpClientFactory>(),
            provider.GetService<TimeProvider>(),
            provider.GetService<ILoggerFactory>(),
            provider.GetService<Microsoft.Extensions.Caching.Distributed.IDistributedCache>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CartoOptions>, CartoOptionsValidator>());
        // ShareTokens: the shared cache connected while the host starts, before the first token is asked for.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, SharedCacheConnector>());
        services.TryAddSingleton(provider =>
            provider.GetRequiredService<CartoResolution>().Resolve(provider.GetRequiredService<IOptions<CartoOptions>>().Value));
        services.TryAddSingleton(provider => provider.GetRequiredService<ICartoAuthenticator>() as Credentials
            ?? throw new InvalidOperationException(
                "The configured CARTO credentials are CARTO 3 credentials: ask for CloudCredentials or ICartoAuthenticator."));
        services.TryAddSingleton(provider => provider.GetRequiredService<ICartoAuthenticator>() as CloudCredentials
            ?? throw new InvalidOperationException(
                "The configured CARTO credentials are legacy credentials: ask for Credentials or ICartoAuthenticator."));
        return services;
    }

    /// <summary>The section's reload token, for the default options (no Options.ConfigurationExtensions needed).</summary>
    private sealed class SectionChangeTokenSource(IConfiguration section) : IOptionsChangeTokenSource<CartoOptions>
    {
        public string Name => Options.Options.DefaultName;

        public IChangeToken GetChangeToken() => section.GetReloadToken();
    }
}
