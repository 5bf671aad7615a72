using CartoCreds;
using CredentialsKind = CartoCreds.Core.CredentialsKind;
using HostedPlatformModule = CartoCreds.Core.HostedPlatform;
using Messages = CartoCreds.Core.Messages;
using Microsoft.Extensions.Caching.Distributed;
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
    IHttpClientFactory? clients = null, TimeProvider? time = null, ILoggerFactory? loggers = null, IDistributedCache? shared = null)
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

    /// <summary>The credentials of the options, resolved the first time; an exception of the facade's kinds when they do not resolve.</summary>
    public ICartoAuthenticator Resolve(CartoOptions options)
    {
        var outcome = Outcome(options);
        return outcome.IsOk ? outcome.ResultValue : throw outcome.ErrorValue.Exception;
    }

    /// <summary>Why the options do not resolve, in words; null when they do (and the credentials are kept to serve).</summary>
    public string? Problem(CartoOptions options)
    {
        var outcome = Outcome(options);
        return outcome.IsOk ? null : outcome.ErrorValue.Message;
    }

    /// <summary>Why options did not resolve: the words the validator reports, and the exception a caller who resolves them gets.</summary>
    internal sealed record Failure(string Message, Exception Exception);

    private FSharpResult<ICartoAuthenticator, Failure> Outcome(CartoOptions options)
    {
        lock (_gate)
        {
            if (_resolved is not null)
            {
                return FSharpResult<ICartoAuthenticator, Failure>.NewOk(_resolved);
            }

            var outcome = Create(options);
            if (outcome.IsOk)
            {
                _resolved = outcome.ResultValue;
            }

            return outcome;
        }
    }

    /// <summary>The platform, as given or inferred (the core's <c>HostedPlatform.infer</c>); an error when the fields say both.</summary>
    internal static CartoPlatform PlatformOf(CartoOptions options)
    {
        var platform = Platform(options);
        return platform.IsError ? throw new ArgumentException(platform.ErrorValue) : platform.ResultValue;
    }

    private static FSharpResult<CartoPlatform, string> Platform(CartoOptions options)
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
            ? FSharpResult<CartoPlatform, string>.NewError(CartoCreds.Core.CallMessages.platformError(platform.ErrorValue))
            : FSharpResult<CartoPlatform, string>.NewOk(platform.ResultValue.IsCloud ? CartoPlatform.Cloud : CartoPlatform.Legacy);
    }

    /// <summary>
    /// The credentials of the options by the core's rules, every failure a value: the platform, the
    /// options' own values (said in the options' words: <c>AllowNonSecure</c>, not the facade's
    /// <c>allowNonSecure:</c>), then the layers as the facade resolves them.
    /// </summary>
    private FSharpResult<ICartoAuthenticator, Failure> Create(CartoOptions options)
    {
        var platform = Platform(options);
        if (platform.IsError)
        {
            return Failed(platform.ErrorValue, new ArgumentException(platform.ErrorValue));
        }

        if (platform.ResultValue == CartoPlatform.Cloud)
        {
            // The container's client factory, clock and logger, when it has them (SPEC §9, §10).
            var cloud = CloudCredentials.TryResolve(
                options.Token, options.ClientId, options.ClientSecret, options.ApiBaseUrl, options.CredFile, options.Profile, _logger);
            if (cloud.IsError)
            {
                return Unresolved(cloud.ErrorValue);
            }

            var transported = cloud.ResultValue.WithTransport(clients?.CreateClient(ClientName), time);
            if (!options.ShareTokens)
            {
                return FSharpResult<ICartoAuthenticator, Failure>.NewOk(transported);
            }

            // SPEC §7.7: the container's distributed cache, whatever backs it.
            if (shared is null)
            {
                const string missing =
                    "ShareTokens is true, but the container has no IDistributedCache: add one (such as AddStackExchangeRedisCache) or set ShareTokens to false";
                return Failed(missing, new InvalidOperationException(missing));
            }

            return FSharpResult<ICartoAuthenticator, Failure>.NewOk(transported.WithSharedTokenCache(shared));
        }

        var arguments = new CartoCreds.Core.Arguments(
            Given(options.Username), Given(options.ApiKey), FSharpOption<string>.None, Given(options.BaseUrl), options.AllowNonSecure);
        var own = CartoCreds.Core.Resolve.fromArguments(arguments);
        if (own.IsError && own.ErrorValue is CartoCreds.Core.ResolveError.InvalidLayer { problem.IsInvalidValues: true })
        {
            var message = Messages.resolveErrorOn(CartoCreds.Core.Surface.Options, own.ErrorValue);
            return Failed(message, new ArgumentException(message));
        }

        var legacy = Credentials.TryResolve(
            options.Username, options.ApiKey, options.BaseUrl, options.CredFile, options.AllowNonSecure, _logger);
        return legacy.IsOk ? FSharpResult<ICartoAuthenticator, Failure>.NewOk(legacy.ResultValue) : Unresolved(legacy.ErrorValue);
    }

    private static FSharpResult<ICartoAuthenticator, Failure> Failed(string message, Exception exception) =>
        FSharpResult<ICartoAuthenticator, Failure>.NewError(new Failure(message, exception));

    /// <summary>A resolution error: the facade's message and exception for it.</summary>
    private static FSharpResult<ICartoAuthenticator, Failure> Unresolved(CartoCreds.Core.ResolveError error)
    {
        var exception = Errors.Of(error);
        return Failed(exception.Message, exception);
    }

    private static FSharpOption<string> Given(string? text) =>
        string.IsNullOrWhiteSpace(text) ? FSharpOption<string>.None : FSharpOption<string>.Some(text);

    private static List<string> Named(params (string Name, string? Value)[] fields) =>
        fields.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => f.Name).ToList();
}
