using CartoCreds;
using CredentialsKind = CartoCreds.Core.CredentialsKind;
using HostedPlatformModule = CartoCreds.Core.HostedPlatform;
using Messages = CartoCreds.Core.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Resolves the configured credentials once (SPEC §9): at host start, when the options are
/// validated, and serves that same value afterwards, whatever the options become.
/// </summary>
internal sealed class CartoResolution(
    IHttpClientFactory? clients = null, TimeProvider? time = null, ILoggerFactory? loggers = null)
{
    /// <summary>
    /// The named client of the token exchanges and verifications of CARTO 3 credentials: a user can
    /// configure it (a proxy, a handler) with <c>AddHttpClient(CartoResolution.ClientName)</c>. It
    /// follows no redirect (SPEC §7.4).
    /// </summary>
    public const string ClientName = "CartoCreds";

    private readonly object _gate = new();
    private readonly ILogger _logger = loggers?.CreateLogger(CartoCreds.Core.Log.Category) ?? NullLogger.Instance;
    private ICartoAuthenticator? _resolved;

    public ICartoAuthenticator Resolve(CartoOptions options)
    {
        lock (_gate)
        {
            return _resolved ??= Create(options);
        }
    }

    /// <summary>The platform, as given or inferred (the core's <c>HostedPlatform.infer</c>); an error when the fields say both.</summary>
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

        var given = options.Platform switch
        {
            CartoPlatform.Legacy => FSharpOption<CredentialsKind>.Some(CredentialsKind.Legacy),
            CartoPlatform.Cloud => FSharpOption<CredentialsKind>.Some(CredentialsKind.Cloud),
            _ => FSharpOption<CredentialsKind>.None,
        };
        var platform = HostedPlatformModule.infer(given, ListModule.OfSeq(legacy), ListModule.OfSeq(cloud));
        return platform.IsError
            ? throw new ArgumentException(HostedPlatformModule.message(platform.ErrorValue))
            : platform.ResultValue.IsCloud ? CartoPlatform.Cloud : CartoPlatform.Legacy;
    }

    private ICartoAuthenticator Create(CartoOptions options) =>
        PlatformOf(options) switch
        {
            // The container's client factory, clock and logger, when it has them (SPEC §9, §10).
            CartoPlatform.Cloud => new CloudCredentials(
                options.Token, options.ClientId, options.ClientSecret, options.ApiBaseUrl, options.CredFile, options.Profile, _logger)
                .WithTransport(clients?.CreateClient(ClientName), time),
            _ => Legacy(options, _logger),
        };

    /// <summary>
    /// The legacy credentials of the options. Values the options hold that are not valid are said
    /// in the options' words (<c>AllowNonSecure</c>, not the facade's <c>allowNonSecure:</c>);
    /// everything else is the facade's to resolve and report.
    /// </summary>
    private static Credentials Legacy(CartoOptions options, ILogger logger)
    {
        var arguments = new CartoCreds.Core.Arguments(
            Given(options.Username), Given(options.ApiKey), FSharpOption<string>.None, Given(options.BaseUrl), options.AllowNonSecure);
        var own = CartoCreds.Core.Resolve.fromArguments(arguments);
        if (own.IsError && own.ErrorValue is CartoCreds.Core.ResolveError.InvalidLayer { problem.IsInvalidValues: true })
        {
            throw new ArgumentException(Messages.resolveErrorOn(CartoCreds.Core.Surface.Options, own.ErrorValue));
        }

        return new Credentials(
            options.Username,
            options.ApiKey,
            options.BaseUrl,
            credFile: options.CredFile,
            allowNonSecure: options.AllowNonSecure,
            logger: logger);
    }

    private static FSharpOption<string> Given(string? text) =>
        string.IsNullOrWhiteSpace(text) ? FSharpOption<string>.None : FSharpOption<string>.Some(text);

    private static List<string> Named(params (string Name, string? Value)[] fields) =>
        fields.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => f.Name).ToList();
}
