using System.Globalization;
using System.Text.Json;
using CartoCreds;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>CARTO's web endpoints (SPEC §13).</summary>
public static class CartoEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Token mode (SPEC §13): <c>GET</c> at <paramref name="pattern"/> answers
    /// <c>{"accessToken", "expiresAt", "apiBaseUrl"}</c> with <c>Cache-Control: no-store</c>, the token
    /// an API Access Token of <paramref name="request"/> from the application's broker (§12): scoped
    /// to its grants, rotated at half its lifetime, one for every caller (and, with
    /// <c>Carto:ShareTokens</c>, for every replica). Give it to <c>@carto/api-client</c>'s default
    /// (token) mode. The request's referers should name the app's origin. The endpoint builder is
    /// returned, so the app can chain <c>.RequireAuthorization()</c>.
    /// </summary>
    /// <param name="endpoints">The application.</param>
    /// <param name="pattern">The endpoint's path, such as <c>/carto/token</c>.</param>
    /// <param name="request">The grants, APIs and referers of the tokens handed out (its expiry is the broker's).</param>
    /// <returns>The endpoint's builder.</returns>
    /// <exception cref="ArgumentException">The request fails SPEC §12's checks (the message names each field), or the path is not one.</exception>
    /// <exception cref="InvalidOperationException"><c>AddCartoWeb</c> was not called.</exception>
    public static IEndpointConventionBuilder MapCartoAccessToken(this IEndpointRouteBuilder endpoints, string pattern, ApiAccessTokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(pattern) || pattern[0] != '/' || pattern.IndexOfAny(['?', '#']) >= 0)
        {
            throw new ArgumentException(WebMessages.NotAPath(pattern ?? ""), nameof(pattern));
        }

        if (endpoints.ServiceProvider.GetService<CartoBrokers>() is null)
        {
            throw new InvalidOperationException(WebMessages.NoCartoWeb);
        }

        // Checked now, as the app is built: a request CARTO would refuse stops the host at start.
        var canonical = ApiAccessTokens.Canonical(request with { ExpiresOn = null }, DateTimeOffset.UtcNow);
        // A RequestDelegate: nothing is bound by reflection (trimming and Native AOT safe).
        return endpoints.MapGet(pattern, (RequestDelegate)(context => HandOut(context, request, canonical)));
    }

    private static async Task HandOut(HttpContext context, ApiAccessTokenRequest request, string canonical)
    {
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        var broker = context.RequestServices.GetRequiredService<CartoBrokers>().For(request, canonical);
        var credentials = (CloudCredentials)context.RequestServices.GetRequiredService<ICartoAuthenticator>();
        ApiAccessToken token;
        try
        {
            token = await broker.GetAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (CartoApiException e)
        {
            // CARTO's answer or its silence, without a token (the exception's message holds none): a bad gateway.
            await Error(response, StatusCodes.Status502BadGateway, e.Message).ConfigureAwait(false);
            return;
        }

        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("accessToken", token.Value);
        if (token.ExpiresOn is { } expires)
        {
            writer.WriteString("expiresAt", expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull("expiresAt");
        }

        writer.WriteString("apiBaseUrl", credentials.ApiBaseUrl);
        writer.WriteEndObject();
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task Error(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteString("error", message);
        writer.WriteEndObject();
        await writer.FlushAsync().ConfigureAwait(false);
    }
}
