using CartoCreds;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Binds <see cref="CartoOptions"/> from a configuration section by hand: each key read by name
/// (configuration keys are case-insensitive), no reflection and no binder package, so it is
/// trimming and Native AOT safe on every framework. A value that cannot be read (a
/// <c>Platform</c> that names no platform, an <c>AllowNonSecure</c> that is not a boolean) is kept
/// as a problem for the validator, which stops the host's start naming the key; it is never a
/// secret's key, so the value can be shown.
/// </summary>
internal static class CartoOptionsBinding
{
    public static void Bind(IConfiguration section, CartoOptions options)
    {
        string? Text(string key) => section[key] is { Length: > 0 } value ? value : null;
        string Where(string key) => section is IConfigurationSection s ? $"{s.Path}:{key}" : key;

        // A boolean key: true or false, else a problem that names it; null when it is not set.
        bool? Flag(string key)
        {
            if (Text(key) is not { } text)
            {
                return null;
            }

            if (bool.TryParse(text.Trim(), out var value))
            {
                return value;
            }

            options.Problems.Add($"{Where(key)} is '{Shown(text)}'; give true or false");
            return null;
        }

        options.Username = Text(nameof(CartoOptions.Username)) ?? options.Username;
        options.ApiKey = Text(nameof(CartoOptions.ApiKey)) ?? options.ApiKey;
        options.BaseUrl = Text(nameof(CartoOptions.BaseUrl)) ?? options.BaseUrl;
        options.Token = Text(nameof(CartoOptions.Token)) ?? options.Token;
        options.ClientId = Text(nameof(CartoOptions.ClientId)) ?? options.ClientId;
        options.ClientSecret = Text(nameof(CartoOptions.ClientSecret)) ?? options.ClientSecret;
        options.ApiBaseUrl = Text(nameof(CartoOptions.ApiBaseUrl)) ?? options.ApiBaseUrl;
        options.Profile = Text(nameof(CartoOptions.Profile)) ?? options.Profile;
        options.CredFile = Text(nameof(CartoOptions.CredFile)) ?? options.CredFile;

        options.AllowNonSecure = Flag(nameof(CartoOptions.AllowNonSecure)) ?? options.AllowNonSecure;
        options.ShareTokens = Flag(nameof(CartoOptions.ShareTokens)) ?? options.ShareTokens;

        if (Text(nameof(CartoOptions.Platform)) is { } platform)
        {
            if (Enum.TryParse<CartoPlatform>(platform.Trim(), ignoreCase: true, out var named) && Enum.IsDefined(named))
            {
                options.Platform = named;
            }
            else
            {
                options.Problems.Add($"{Where(nameof(CartoOptions.Platform))} is '{Shown(platform)}'; give Legacy or Cloud");
            }
        }
    }

    /// <summary>
    /// A value of a non-secret key, as a refused value is shown: escaped, at most 40 characters,
    /// nothing of it when it looks like a token (a secret pasted under the wrong key).
    /// </summary>
    private static string Shown(string value) => CartoCreds.Core.Refused.show(value)?.Value ?? "(not shown: it looks like a token)";
}
