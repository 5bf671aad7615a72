using CartoCreds;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Resolves the configured credentials once (SPEC §9): at host start, when the options are
/// validated, and serves that same value afterwards, whatever the options become.
/// </summary>
internal sealed class CartoResolution
{
    private readonly object _gate = new();
    private ICartoAuthenticator? _resolved;

    public ICartoAuthenticator Resolve(CartoOptions options)
    {
        lock (_gate)
        {
            return _resolved ??= Create(options);
        }
    }

    /// <summary>The platform, as given or inferred; an error when the fields say both.</summary>
    internal static CartoPlatform PlatformOf(CartoOptions options)
    {
        var legacy = Named(
            (nameof(options.Username), options.Username),
            (nameof(options.ApiKey), options.ApiKey),
            (nameof(options.BaseUrl), options.BaseUrl),
            (nameof(options.AllowNonSecure), options.AllowNonSecure ? "true" : null));
        var cloud = Named(
            (nameof(options.Token), options.Token),
            (nameof(options.ClientId), options.ClientId),
            (nameof(options.ClientSecret), options.ClientSecret),
            (nameof(options.ApiBaseUrl), options.ApiBaseUrl),
            (nameof(options.Profile), options.Profile));

        return options.Platform switch
        {
            CartoPlatform.Legacy when cloud.Count > 0 =>
                throw new ArgumentException($"Platform is Legacy, but CARTO 3 options are set ({string.Join(", ", cloud)}); remove them or set Platform to Cloud."),
            CartoPlatform.Cloud when legacy.Count > 0 =>
                throw new ArgumentException($"Platform is Cloud, but legacy options are set ({string.Join(", ", legacy)}); remove them or set Platform to Legacy."),
            { } platform => platform,
            null when legacy.Count > 0 && cloud.Count > 0 =>
                throw new ArgumentException($"both legacy ({string.Join(", ", legacy)}) and CARTO 3 ({string.Join(", ", cloud)}) options are set; set Platform, or remove one kind."),
            null => cloud.Count > 0 ? CartoPlatform.Cloud : CartoPlatform.Legacy,
        };
    }

    private static ICartoAuthenticator Create(CartoOptions options) =>
        PlatformOf(options) switch
        {
            CartoPlatform.Cloud => new CloudCredentials(
                options.Token, options.ClientId, options.ClientSecret, options.ApiBaseUrl, options.CredFile, options.Profile),
            _ => new Credentials(
                options.Username, options.ApiKey, options.BaseUrl, credFile: options.CredFile, allowNonSecure: options.AllowNonSecure),
        };

    private static List<string> Named(params (string Name, string? Value)[] fields) =>
        fields.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => f.Name).ToList();
}
