using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// The factory's request log for a CARTO client, with the query of every URI replaced by <c>*</c>.
/// Microsoft.Extensions.Http before 9.0 logs a request's full URI at Information level, and a
/// legacy API key travels in the query (<c>api_key=KEY</c>): on those versions the client's
/// loggers are replaced by this one, which logs the same events under the same category with the
/// query left out. Later versions leave it out themselves, and keep their own loggers.
/// </summary>
internal sealed class RedactingHttpClientLogger(ILogger logger) : IHttpClientLogger
{
    private static readonly Action<ILogger, HttpMethod, string, Exception?> Sending =
        LoggerMessage.Define<HttpMethod, string>(LogLevel.Information, new EventId(100, "RequestStart"), "Sending HTTP request {HttpMethod} {Uri}");

    private static readonly Action<ILogger, double, int, Exception?> Received =
        LoggerMessage.Define<double, int>(LogLevel.Information, new EventId(101, "RequestEnd"), "Received HTTP response headers after {ElapsedMilliseconds}ms - {StatusCode}");

    private static readonly Action<ILogger, HttpMethod, string, double, Exception?> Failed =
        LoggerMessage.Define<HttpMethod, string, double>(LogLevel.Warning, new EventId(102, "RequestFailed"), "HTTP request {HttpMethod} {Uri} failed after {ElapsedMilliseconds}ms");

    /// <summary>
    /// On Microsoft.Extensions.Http before 9.0, replaces the client's loggers (which log full URIs
    /// at Information, and every header value, <c>Authorization</c> too, at Trace) by this one.
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <returns><paramref name="builder"/>, to chain.</returns>
    public static IHttpClientBuilder Install(IHttpClientBuilder builder)
    {
        if (Needed)
        {
            var category = "System.Net.Http.HttpClient." + builder.Name + ".ClientHandler";
            builder.RemoveAllLoggers().AddLogger(
                provider => new RedactingHttpClientLogger(provider.GetRequiredService<ILoggerFactory>().CreateLogger(category)),
                wrapHandlersPipeline: false);
        }

        return builder;
    }

    /// <summary>Whether the loaded Microsoft.Extensions.Http logs full URIs (before 9.0).</summary>
    public static bool Needed { get; } = typeof(IHttpClientFactory).Assembly.GetName().Version is { Major: < 9 };

    /// <summary>A URI without its query and fragment: <c>https://ana.carto.com/api/v2/sql?*</c>.</summary>
    public static string Redacted(Uri? uri) =>
        uri is null ? "(none)"
        : !uri.IsAbsoluteUri ? uri.OriginalString.Split('?', '#')[0] + (uri.OriginalString.Contains('?') ? "?*" : "")
        : uri.GetLeftPart(UriPartial.Path).Replace(uri.UserInfo + "@", "", StringComparison.Ordinal) + (uri.Query.Length > 0 ? "?*" : "");

    public object? LogRequestStart(HttpRequestMessage request)
    {
        Sending(logger, request.Method, Redacted(request.RequestUri), null);
        return null;
    }

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed) =>
        Received(logger, elapsed.TotalMilliseconds, (int)response.StatusCode, null);

    public void LogRequestFailed(
        object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed) =>
        // The exception's message may hold the URI: it is not passed on.
        Failed(logger, request.Method, Redacted(request.RequestUri), elapsed.TotalMilliseconds, null);
}
