using System.Net.Http.Headers;
using CartoCreds.Core;

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

/// <summary>Credentials whose core session authenticates requests and renews a refused token (CARTO 3).</summary>
internal interface ISessionAuthenticator
{
    /// <summary>How the session attaches its token, and drops a refused one.</summary>
    Authenticate Authenticate { get; }
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
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Errors.Unwrap(await Renewal.sendAsync(Authenticate, base.SendAsync, request, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Errors.Unwrap(Renewal.send(Authenticate, base.Send, request, cancellationToken));

    /// <summary>The core's renewal of a refused token for this library's CARTO 3 credentials; none for any other authenticator.</summary>
    private Authenticate Authenticate =>
        _authenticator is ISessionAuthenticator session ? session.Authenticate : Renewal.ofAttach(_authenticator.AuthenticateAsync);
}
