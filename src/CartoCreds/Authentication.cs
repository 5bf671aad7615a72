using System.Net;
using System.Net.Http.Headers;

namespace CartoCreds;

/// <summary>
/// Credentials that authenticate HTTP requests to CARTO (SPEC §8): legacy <see cref="Credentials"/>
/// add <c>api_key=KEY</c> to the query; <see cref="CloudCredentials"/> add
/// <c>Authorization: Bearer TOKEN</c>. Only requests whose scheme, host and port are those of
/// <see cref="BaseAddress"/> are changed; any other request is left untouched.
/// </summary>
public interface ICartoAuthenticator
{
    /// <summary>
    /// The base URL (legacy) or API base URL (CARTO 3), ending with <c>/</c> so that a relative path
    /// such as <c>"api/v3/me"</c> joins under it (a path starting with <c>/</c> replaces its path).
    /// </summary>
    Uri BaseAddress { get; }

    /// <summary>Adds the credentials to <paramref name="request"/> when it goes to their own origin.</summary>
    /// <param name="request">The request, with an absolute <see cref="HttpRequestMessage.RequestUri"/>.</param>
    /// <param name="cancellationToken">Cancels getting a token.</param>
    /// <returns>When the request is ready to send.</returns>
    /// <exception cref="CartoTokenException">Client credentials could not be exchanged for a token.</exception>
    ValueTask AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="CartoAuthenticationHandler"/> needs to renew a refused token (client credentials only).</summary>
internal interface IRenewingAuthenticator
{
    /// <summary>Whether a refused token can be replaced by a new exchange.</summary>
    bool Renews { get; }

    /// <summary>Drops <paramref name="token"/> if it is still the current one.</summary>
    void Drop(string token);
}

/// <summary>
/// Authenticates every request it sends with an <see cref="ICartoAuthenticator"/> (SPEC §8): only
/// requests to the credentials' own origin. A request answered 401 to a token from client
/// credentials is sent once more with a freshly exchanged token (its body is buffered for that);
/// every other answer is returned as it is.
/// </summary>
/// <example>
/// <code>
/// var cloud = new CloudCredentials();
/// using var http = new HttpClient(new CartoAuthenticationHandler(cloud, new SocketsHttpHandler()))
/// {
///     BaseAddress = cloud.BaseAddress,
/// };
/// var rows = await http.GetStringAsync("v3/sql/carto_dw/query?q=select%201");
/// </code>
/// </example>
public sealed class CartoAuthenticationHandler : DelegatingHandler
{
    private readonly ICartoAuthenticator _authenticator;

    /// <summary>A handler to put in a pipeline (set <see cref="DelegatingHandler.InnerHandler"/>, or let <c>IHttpClientFactory</c> do it).</summary>
    /// <param name="authenticator">The credentials.</param>
    public CartoAuthenticationHandler(ICartoAuthenticator authenticator) =>
        _authenticator = authenticator ?? throw new ArgumentNullException(nameof(authenticator));

    /// <summary>A handler that sends through <paramref name="innerHandler"/>.</summary>
    /// <param name="authenticator">The credentials.</param>
    /// <param name="innerHandler">The handler that sends the requests.</param>
    public CartoAuthenticationHandler(ICartoAuthenticator authenticator, HttpMessageHandler innerHandler)
        : base(innerHandler) =>
        _authenticator = authenticator ?? throw new ArgumentNullException(nameof(authenticator));

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var presetAuthorization = request.Headers.Authorization is not null;
        await _authenticator.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false);
        var sent = Renewable(request, presetAuthorization);
        if (sent is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (request.Content is { } content)
        {
            await content.LoadIntoBufferAsync().ConfigureAwait(false);
        }

        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        await Reauthenticate(request, sent, cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var presetAuthorization = request.Headers.Authorization is not null;
        Wait(_authenticator.AuthenticateAsync(request, cancellationToken));
        var sent = Renewable(request, presetAuthorization);
        if (sent is null)
        {
            return base.Send(request, cancellationToken);
        }

        request.Content?.LoadIntoBufferAsync().GetAwaiter().GetResult();
        var response = base.Send(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        response.Dispose();
        Wait(Reauthenticate(request, sent, cancellationToken));
        return base.Send(request, cancellationToken);
    }

    /// <summary>The token this handler attached and can renew; null when a 401 is to be returned as it is.</summary>
    private string? Renewable(HttpRequestMessage request, bool presetAuthorization) =>
        !presetAuthorization
        && _authenticator is IRenewingAuthenticator { Renews: true }
        && request.Headers.Authorization is { Scheme: "Bearer", Parameter: { } token }
            ? token
            : null;

    /// <summary>Drops the refused token and attaches a freshly exchanged one, for the one retry.</summary>
    private ValueTask Reauthenticate(HttpRequestMessage request, string refused, CancellationToken cancellationToken)
    {
        ((IRenewingAuthenticator)_authenticator).Drop(refused);
        request.Headers.Authorization = null;
        return _authenticator.AuthenticateAsync(request, cancellationToken);
    }

    private static void Wait(ValueTask pending)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }
}

/// <summary>The bearer header of CARTO 3 requests.</summary>
internal static class BearerHeader
{
    public static void Attach(HttpRequestMessage request, string token) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
}
