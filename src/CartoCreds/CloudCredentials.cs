using CartoCreds.Core;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.FSharp.Core;
using CoreCloud = CartoCreds.Core.CloudCredentials;

namespace CartoCreds;

/// <summary>How CARTO 3 credentials authenticate (SPEC §7).</summary>
public enum CloudCredentialsKind
{
    /// <summary>An API access token or an OAuth access token, sent as it is.</summary>
    AccessToken,

    /// <summary>A machine-to-machine client id and secret, exchanged for access tokens.</summary>
    ClientCredentials,
}

/// <summary>
/// CARTO 3 credentials: an access token, or client credentials exchanged for tokens, with the
/// regional API base URL. Resolved by SPEC §7.2 from arguments, a named file (carto-auth's or the
/// CARTO CLI's), the environment (<c>CARTO_API_TOKEN</c>, <c>CARTO_CLIENT_ID</c> and
/// <c>CARTO_CLIENT_SECRET</c>, <c>CARTO_API_BASE_URL</c>), and the saved session (the CARTO CLI's
/// profile, then carto-auth's unexpired token caches). <see cref="ToString"/> masks every secret.
/// </summary>
/// <example>
/// <code>
/// var cloud = new CloudCredentials();                 // after `carto auth login`, or CARTO_API_TOKEN
/// var token = await cloud.GetAccessTokenAsync();      // Authorization: Bearer {token.Value}
/// </code>
/// </example>
public sealed class CloudCredentials : ICartoAuthenticator, ISessionAuthenticator, IEquatable<CloudCredentials>
{
    /// <summary>The API base URL where nothing names a region.</summary>
    public const string DefaultApiBaseUrl = ApiBaseUrlModule.DefaultText;

    private readonly Resolved<CoreCloud> _state;
    private readonly FSharpResult<CloudServices, ServiceUrlError> _services;
    private readonly CloudSession _session;
    private readonly ILogger _logger;
    private readonly HttpClient? _httpClient;
    private readonly TimeProvider? _timeProvider;
    private readonly IDistributedCache? _sharedCache;

    private CloudCredentials(CloudResolution resolution, ILogger? logger = null)
        : this(resolution.Resolved, FSharpResult<CloudServices, ServiceUrlError>.NewOk(resolution.Services), logger)
    {
    }

    private CloudCredentials(
        Resolved<CoreCloud> state,
        FSharpResult<CloudServices, ServiceUrlError> services,
        ILogger? logger = null,
        HttpClient? httpClient = null,
        TimeProvider? timeProvider = null,
        TimeSpan? timeout = null,
        IDistributedCache? sharedCache = null)
    {
        _state = state;
        _services = services;
        _logger = logger ?? NullLogger.Instance;
        _httpClient = httpClient;
        _timeProvider = timeProvider;
        _sharedCache = sharedCache;
        // Never throws: an invalid CARTO_AUTH_URL or CARTO_ACCOUNTS_URL is the error of the token or
        // verification that needs it (and of resolution, which reports it as the Environment's).
        _session = CloudSession.Create(
            Ambient.Host,
            state.Credentials,
            services,
            SessionOptions.Of(httpClient, timeProvider, timeout, _logger, sharedCache is null ? null : SharedStores.For(sharedCache)));
    }

    /// <summary>
    /// Resolves by SPEC §7.2 from these arguments, then <paramref name="credFile"/>, the environment
    /// and the saved session. No network call is made.
    /// </summary>
    /// <param name="token">An access token; not together with a client id.</param>
    /// <param name="clientId">A machine-to-machine client id, with <paramref name="clientSecret"/>.</param>
    /// <param name="clientSecret">The client's secret, with <paramref name="clientId"/>.</param>
    /// <param name="apiBaseUrl">The regional API base URL; <see cref="DefaultApiBaseUrl"/> when nothing names one.</param>
    /// <param name="credFile">carto-auth's client credentials file or a CARTO CLI credentials file.</param>
    /// <param name="profile">The CARTO CLI profile to read; else <c>CARTO_PROFILE</c>, else the current one.</param>
    /// <param name="logger">Where to log the layers tried, the one used, and each token exchange (SPEC §10; category <c>CartoCreds</c>); nothing is logged when null.</param>
    /// <exception cref="ArgumentException">An invalid argument, half a client pair, a token with a client id, or an API base URL alone.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="credFile"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">A file that exists is not valid CARTO 3 credentials, or has no such profile.</exception>
    /// <exception cref="InvalidOperationException">The environment's variables are invalid.</exception>
    /// <exception cref="CredentialsNotFoundException">No layer is present.</exception>
    public CloudCredentials(
        string? token = null,
        string? clientId = null,
        string? clientSecret = null,
        string? apiBaseUrl = null,
        string? credFile = null,
        string? profile = null,
        ILogger? logger = null)
        : this(Errors.Unwrap(ResolveState(token, clientId, clientSecret, apiBaseUrl, credFile, profile, logger)), logger)
    {
    }

    /// <summary>
    /// Resolves as the constructor does, with the core's error as a value instead of an exception:
    /// what hosting validates the options with.
    /// </summary>
    internal static FSharpResult<CloudCredentials, ResolveError> TryResolve(
        string? token, string? clientId, string? clientSecret, string? apiBaseUrl, string? credFile, string? profile, ILogger? logger)
    {
        var resolved = ResolveState(token, clientId, clientSecret, apiBaseUrl, credFile, profile, logger);
        return resolved.IsOk
            ? FSharpResult<CloudCredentials, ResolveError>.NewOk(new CloudCredentials(resolved.ResultValue, logger))
            : FSharpResult<CloudCredentials, ResolveError>.NewError(resolved.ErrorValue);
    }

    private static FSharpResult<CloudResolution, ResolveError> ResolveState(
        string? token, string? clientId, string? clientSecret, string? apiBaseUrl, string? credFile, string? profile, ILogger? logger) =>
        Shell.resolveCloudLogged(
            logger ?? NullLogger.Instance,
            Ambient.Host,
            TimeProvider.System.GetUtcNow(),
            new Request<CoreCloud, CloudArguments>(
                FSharpOption<CoreCloud>.None,
                new CloudArguments(
                    new CloudInput(
                        Errors.Given(token),
                        Errors.Given(clientId),
                        Errors.Given(clientSecret),
                        Errors.Given(apiBaseUrl),
                        FSharpOption<string>.None,
                        FSharpOption<DateTimeOffset>.None),
                    Errors.Given(profile)),
                Errors.Given(credFile)));

    /// <summary>
    /// Logs a person in to CARTO 3 (SPEC §7.5): the authorization code flow with PKCE, as
    /// carto-auth and the CARTO CLI do. A listener on <c>http://localhost:{Port}/callback/</c>
    /// (loopback only, up only while the login runs) waits for the browser, the code is exchanged
    /// for a token (following no redirect), the API base URL is the tenant's unless given, and the
    /// token is saved as a profile of the CARTO CLI file (locked, atomic, 0600), which the CARTO CLI
    /// reads too. Nothing is saved unless every step succeeded.
    /// </summary>
    /// <param name="options">The profile, port, timeout and how to show the URL; the defaults when null.</param>
    /// <param name="cancellationToken">Cancels the login; nothing is saved.</param>
    /// <returns>The logged-in credentials, with the saved profile as their origin.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A port outside 1–65535, or a timeout that is not positive.</exception>
    /// <remarks>With <see cref="CloudLoginOptions.ReadCode"/>, the person pastes the code CARTO shows instead of a browser bringing it back: see there.</remarks>
    /// <exception cref="ArgumentException">An invalid <see cref="CloudLoginOptions.ApiBaseUrl"/>.</exception>
    /// <exception cref="CartoLoginException">The login was refused, the answer was not this login's, what was pasted was not a code, or the account could not be found.</exception>
    /// <exception cref="CartoTokenException">The code could not be exchanged for a token.</exception>
    /// <exception cref="TimeoutException">No answer came from the browser (or no code was pasted) within the timeout.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="IOException">The port is in use, or the profile could not be saved.</exception>
    /// <example><code>var creds = await CloudCredentials.LoginAsync(new CloudLoginOptions { Profile = "eu" });</code></example>
    public static async Task<CloudCredentials> LoginAsync(CloudLoginOptions? options = null, CancellationToken cancellationToken = default)
    {
        var resolution = await CloudLogin.RunAsync(options ?? new CloudLoginOptions(), cancellationToken).ConfigureAwait(false);
        return new CloudCredentials(resolution);
    }

    /// <summary>An access token handed over whole (layer 1).</summary>
    /// <param name="token">The access token.</param>
    /// <param name="apiBaseUrl">The API base URL; <see cref="DefaultApiBaseUrl"/> when not given.</param>
    /// <returns>The credentials.</returns>
    /// <exception cref="ArgumentException">An invalid token or URL.</exception>
    public static CloudCredentials FromToken(string token, string? apiBaseUrl = null) =>
        Explicit(CloudCredentialsModule.ofToken(token ?? throw new ArgumentNullException(nameof(token)), Errors.Given(apiBaseUrl)));

    /// <summary>Client credentials handed over whole (layer 1).</summary>
    /// <param name="clientId">The machine-to-machine client id.</param>
    /// <param name="clientSecret">Its secret.</param>
    /// <param name="apiBaseUrl">The API base URL; <see cref="DefaultApiBaseUrl"/> when not given.</param>
    /// <returns>The credentials.</returns>
    /// <exception cref="ArgumentException">An invalid id, secret or URL.</exception>
    public static CloudCredentials FromClientCredentials(string clientId, string clientSecret, string? apiBaseUrl = null) =>
        Explicit(CloudCredentialsModule.ofClientCredentials(
            clientId ?? throw new ArgumentNullException(nameof(clientId)),
            clientSecret ?? throw new ArgumentNullException(nameof(clientSecret)),
            Errors.Given(apiBaseUrl)));

    /// <summary>An access token, or client credentials.</summary>
    public CloudCredentialsKind Kind =>
        _state.Credentials.Grant.IsAccessToken ? CloudCredentialsKind.AccessToken : CloudCredentialsKind.ClientCredentials;

    /// <summary>The regional API base URL.</summary>
    public string ApiBaseUrl => ApiBaseUrlModule.value(_state.Credentials.ApiBaseUrl);

    /// <summary>The client id of client credentials; <see langword="null"/> for an access token.</summary>
    public string? ClientId => _state.Credentials.Grant is Grant.ClientCredentials client ? CloudTextModule.value(client.clientId) : null;

    /// <summary>The access token's own expiry (a JWT's <c>exp</c>), when known.</summary>
    public DateTimeOffset? ExpiresOn =>
        _state.Credentials.Grant is Grant.AccessToken { expiresOn: { } expires } ? expires.Value : null;

    /// <summary>Where the credentials came from; a CARTO CLI file's location names the profile.</summary>
    public CredentialsOrigin Origin => CredentialsOrigin.Of(_state.Origin);

    /// <summary>
    /// A valid access token: the token itself, or one exchanged for the client credentials (SPEC
    /// §7.4) — reused until it is due for replacement, one request for any number of callers.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (not an exchange other callers share).</param>
    /// <returns>The token and its expiry.</returns>
    /// <exception cref="CartoTokenException">The exchange failed and no valid token is left.</exception>
    public ValueTask<CartoAccessToken> GetAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        var pending = _session.GetTokenAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? new(Convert(pending.Result)) : Await(pending);
    }

    /// <summary>
    /// A copy of these credentials whose token exchanges and verifications go through
    /// <paramref name="httpClient"/> (such as one from <c>IHttpClientFactory</c>; give it a handler
    /// that follows no redirect, as the library's own does) and whose expiries are judged by
    /// <paramref name="timeProvider"/>, each token exchange and verification waiting at most
    /// <paramref name="timeout"/>. The copy has a token cache of its own in memory; the disk cache
    /// is shared.
    /// </summary>
    /// <param name="httpClient">The client for the token server and the accounts API; the library's own when null.</param>
    /// <param name="timeProvider">The clock; the system's when null.</param>
    /// <param name="timeout">How long a token exchange or a verification may take; 10 s when null.</param>
    /// <returns>The credentials, with these services.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    public CloudCredentials WithTransport(
        HttpClient? httpClient = null, TimeProvider? timeProvider = null, TimeSpan? timeout = null)
    {
        if (timeout is { } wait)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(wait, TimeSpan.Zero, nameof(timeout));
        }

        return new(_state, _services, _logger, httpClient, timeProvider, timeout, _sharedCache);
    }

    /// <summary>
    /// A copy of these credentials that shares the tokens of client credentials with every process,
    /// on any machine, that holds the same client id and secret and the same cache (SPEC §7.7):
    /// Redis, Garnet, SQL Server or any <see cref="IDistributedCache"/>. On a miss in memory the
    /// shared cache is asked before the disk and an exchange; an exchanged token is written to it
    /// (until it expires) and to disk. Entries are sealed with AES-256-GCM under a key derived from
    /// the client secret: a reader of the cache server learns no token and cannot plant one. A cache
    /// that fails or takes over 500 ms is skipped for 30 s, with a warning; it never fails a call.
    /// An access token has nothing to share: the copy behaves as the original.
    /// </summary>
    /// <param name="cache">The shared cache.</param>
    /// <returns>The credentials, sharing their tokens through <paramref name="cache"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> is null.</exception>
    /// <example><code>var creds = new CloudCredentials().WithSharedTokenCache(redisCache);</code></example>
    public CloudCredentials WithSharedTokenCache(IDistributedCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return new(_state, _services, _logger, _httpClient, _timeProvider, _session.Timeout, cache);
    }

    /// <summary>
    /// A copy of these credentials that logs its token exchanges and disk-cache reads to
    /// <paramref name="logger"/> (SPEC §10), with the same client, clock and timeout. The copy has a
    /// token cache of its own in memory; the disk cache is shared.
    /// </summary>
    /// <param name="logger">Where to log; <c>NullLogger.Instance</c> to log nothing.</param>
    /// <returns>The credentials, logging to <paramref name="logger"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="logger"/> is null.</exception>
    public CloudCredentials WithLogger(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return new(_state, _services, logger, _httpClient, _timeProvider, _session.Timeout, _sharedCache);
    }

    /// <summary>How long a token exchange or a verification may take (10 s unless <see cref="WithTransport"/> said otherwise).</summary>
    public TimeSpan Timeout => _session.Timeout;

    /// <summary>The API base URL, ending with <c>/</c>: the <c>BaseAddress</c> of an <c>HttpClient</c> for CARTO 3's APIs.</summary>
    public Uri BaseAddress => new(ApiBaseUrl + "/");

    /// <summary>
    /// Adds <c>Authorization: Bearer TOKEN</c> to a request to the API base URL's own scheme, host
    /// and port (SPEC §8), getting or replacing the token as <see cref="GetAccessTokenAsync"/> does.
    /// A request elsewhere, or one that already has an <c>Authorization</c> header, is left as it is.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels waiting for a token.</param>
    /// <returns>When the request is ready to send.</returns>
    /// <exception cref="CartoTokenException">The exchange failed and no valid token is left.</exception>
    public ValueTask AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pending = _session.AttachAsync(request, cancellationToken);
        return pending.IsCompletedSuccessfully ? Errors.Check(pending.Result) : Errors.CheckLater(pending);
    }

    /// <summary>
    /// Asks CARTO whose credentials these are (<c>GET {accounts_url}/users/me</c> with the bearer
    /// token), through the library's own HTTP client, waiting at most <see cref="Timeout"/>. A token
    /// from client credentials that is refused is exchanged again once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The user id, email and tenant domain.</returns>
    /// <exception cref="CartoVerificationException">CARTO (or its token server) rejected the credentials, limited requests, answered something else, or could not be reached.</exception>
    /// <exception cref="InvalidOperationException"><c>CARTO_ACCOUNTS_URL</c> is not a valid URL.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<CartoIdentity> VerifyAsync(CancellationToken cancellationToken = default) =>
        Verified.Identity(_session.VerifyAsync(_session.Timeout, cancellationToken));

    /// <summary>As <see cref="VerifyAsync(CancellationToken)"/>, sending the account request through <paramref name="httpClient"/>.</summary>
    /// <param name="httpClient">The client to send the request with (its handlers, proxy and timeout apply too).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The user id, email and tenant domain.</returns>
    /// <exception cref="CartoVerificationException">The credentials could not be verified.</exception>
    /// <exception cref="InvalidOperationException"><c>CARTO_ACCOUNTS_URL</c> is not a valid URL.</exception>
    public Task<CartoIdentity> VerifyAsync(HttpClient httpClient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        return Verified.Identity(_session.VerifyAsync(httpClient, _session.Timeout, cancellationToken));
    }

    /// <summary>
    /// Gets the CARTO Data Warehouse's project and token (SPEC §7.8):
    /// <c>GET {api_base_url}/v3/connections/carto-dw/token</c> with the bearer token, as carto-auth's
    /// <c>get_carto_dw_credentials()</c> does, waiting at most <see cref="Timeout"/>; no redirect is followed.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The project id and the token (masked in text), with its expiry when the token says one.</returns>
    /// <exception cref="CartoVerificationException">CARTO (or its token server) rejected the credentials, found no CARTO Data Warehouse, limited requests, answered something else (an answer without <c>projectId</c> or <c>token</c> names what it lacks), or could not be reached.</exception>
    /// <exception cref="InvalidOperationException"><c>CARTO_AUTH_URL</c> is not a valid URL (client credentials).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <example><code>var dw = await creds.GetCartoDwCredentialsAsync(); // dw.ProjectId, dw.Token</code></example>
    public Task<CartoDwCredentials> GetCartoDwCredentialsAsync(CancellationToken cancellationToken = default) =>
        Verified.DataWarehouse(_session.DataWarehouseAsync(_session.Timeout, cancellationToken));

    /// <summary>
    /// Creates an API Access Token (SPEC §12): <c>POST {api_base_url}/v3/tokens</c> with the bearer
    /// token of these credentials, waiting at most <see cref="Timeout"/>; no redirect is followed.
    /// The request is checked first, and nothing is sent when it fails. The token is never written
    /// to disk or logged (its connections and APIs are).
    /// </summary>
    /// <param name="request">The grants, allowed APIs, referers and expiry.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The token, with what the request asked for; <c>ToString</c> masks it.</returns>
    /// <exception cref="ArgumentException">The request fails a check; the message names each field.</exception>
    /// <exception cref="InvalidOperationException">These credentials are an API Access Token, which cannot manage tokens (use client credentials or a login), or <c>CARTO_AUTH_URL</c> is invalid.</exception>
    /// <exception cref="CartoApiException">CARTO refused the request (with its words), the credentials, or the <c>write:tokens</c> permission; limited requests; answered something else; or could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <example><code>var token = await creds.CreateApiAccessTokenAsync(new([new("carto_dw", "project.dataset.table")], [CartoApi.Maps]));</code></example>
    public Task<ApiAccessToken> CreateApiAccessTokenAsync(ApiAccessTokenRequest request, CancellationToken cancellationToken = default) =>
        ApiAccessTokens.Created(_session.CreateApiTokenAsync(ApiAccessTokens.Check(request, _session.Clock.GetUtcNow()), cancellationToken));

    /// <summary>Lists the caller's API Access Tokens (SPEC §12): <c>GET {api_base_url}/v3/tokens</c>.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The tokens, with their grants, APIs, referers and expiry as CARTO lists them.</returns>
    /// <exception cref="InvalidOperationException">These credentials are an API Access Token, or <c>CARTO_AUTH_URL</c> is invalid.</exception>
    /// <exception cref="CartoApiException">CARTO refused, limited, answered something else, or could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<IReadOnlyList<ApiAccessToken>> ListApiAccessTokensAsync(CancellationToken cancellationToken = default) =>
        ApiAccessTokens.Listed(_session.ListApiTokensAsync(cancellationToken));

    /// <summary>Deletes an API Access Token (SPEC §12): <c>DELETE {api_base_url}/v3/tokens/{token}</c>, the token one percent-encoded path segment.</summary>
    /// <param name="token">The token to delete.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>True when it was deleted; false when CARTO had no such token (404).</returns>
    /// <exception cref="ArgumentException"><paramref name="token"/> is empty or not printable ASCII.</exception>
    /// <exception cref="InvalidOperationException">These credentials are an API Access Token, or <c>CARTO_AUTH_URL</c> is invalid.</exception>
    /// <exception cref="CartoApiException">CARTO refused, limited, answered something else, or could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<bool> DeleteApiAccessTokenAsync(string token, CancellationToken cancellationToken = default) =>
        ApiAccessTokens.Deleted(_session.DeleteApiTokenAsync(ApiAccessTokens.Token(token), cancellationToken));

    /// <summary>The session these credentials work through: a broker makes its tokens with it.</summary>
    internal CloudSession Session => _session;

    Authenticate ISessionAuthenticator.Authenticate => _session.Authenticate;

    /// <summary>
    /// Saves the access token as a profile of the CARTO CLI file (SPEC §7.3), keeping every other
    /// profile and key; atomic, mode 0600. With the keychain store (SPEC §11) and no
    /// <paramref name="path"/>, the token goes to the keychain and the file keeps the rest of the profile.
    /// </summary>
    /// <param name="profile">The profile; else the file's current one, else <c>default</c>.</param>
    /// <param name="path">The file; <c>~/.carto_credentials.json</c> when not given.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="InvalidOperationException">The credentials are client credentials, which the CARTO CLI file does not keep.</exception>
    /// <exception cref="InvalidDataException">The file exists but is not a CARTO CLI file; it is left as it is.</exception>
    /// <exception cref="IOException">The file could not be read or written, or the keychain could not be reached; nothing was changed.</exception>
    public string Save(string? profile = null, string? path = null) =>
        Errors.Unwrap(ProfileTokens.save(Ambient.Host, Errors.Given(profile), Errors.Given(path), _state.Credentials)).Item1;

    /// <summary>Removes a profile of the CARTO CLI file (the current one when none is named), keeping every other; with the keychain store, its token in the keychain too.</summary>
    /// <param name="profile">The profile.</param>
    /// <param name="path">The file; <c>~/.carto_credentials.json</c> when not given.</param>
    /// <returns>True when a profile was removed.</returns>
    /// <exception cref="InvalidDataException">The file exists but is not a CARTO CLI file.</exception>
    /// <exception cref="IOException">The file could not be read or written, or the keychain could not be reached; nothing was changed.</exception>
    public static bool DeleteProfile(string? profile = null, string? path = null) =>
        FSharpOption<Tuple<string, string>>.get_IsSome(Errors.Unwrap(ProfileTokens.delete(Ambient.Host, Errors.Given(profile), Errors.Given(path))));

    /// <inheritdoc/>
    public bool Equals(CloudCredentials? other) => other is not null && _state.Credentials.Equals(other._state.Credentials);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is CloudCredentials other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _state.Credentials.GetHashCode();

    /// <summary><c>CloudCredentials(token=****abcd, api_base_url=…)</c>: never a token or secret whole.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => _state.Credentials.ToString();

    private static CloudCredentials Explicit(FSharpResult<CoreCloud, Microsoft.FSharp.Collections.FSharpList<CloudValueError>> result) =>
        new(Core.Resolved.explicitly(Errors.Unwrap(result)), CloudServicesModule.ofVariables(Ambient.Host.GetVariable));

    private static DateTimeOffset? OptionValue(FSharpOption<DateTimeOffset> option) =>
        FSharpOption<DateTimeOffset>.get_IsSome(option) ? option.Value : null;

    private static CartoAccessToken Convert(FSharpResult<AccessToken, TokenError> result) =>
        result.IsOk
            ? new(result.ResultValue.Value, OptionValue(result.ResultValue.ExpiresOn)) { RefreshOn = OptionValue(result.ResultValue.RefreshOn) }
            : throw Errors.Of(result.ErrorValue);

    private static async ValueTask<CartoAccessToken> Await(ValueTask<FSharpResult<AccessToken, TokenError>> pending) =>
        Convert(await pending.ConfigureAwait(false));
}
