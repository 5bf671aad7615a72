using CartoCreds.Core;
using Microsoft.FSharp.Collections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.FSharp.Core;
using CoreCredentials = CartoCreds.Core.Credentials;

namespace CartoCreds;

/// <summary>
/// A CARTO account's credentials: username, API key and base URL, with the getter/setter-style API
/// of CARTOframes. Always valid: constructors resolve and validate, setters change nothing unless the
/// new value is valid. <see cref="ToString"/> masks the API key; only <see cref="Key()"/> returns it whole.
/// </summary>
/// <example>
/// <code>
/// var creds = new Credentials(username: "johnsmith", apiKey: "abc123…");
/// creds.Save();                         // where CARTOframes keeps its saved session
/// var again = new Credentials();        // arguments, then CARTO_* variables, then the saved session
/// Console.WriteLine(again);             // Credentials(username=johnsmith, api_key=****c123, base_url=https://johnsmith.carto.com)
/// Console.WriteLine(again.Origin);      // Saved session (/home/john/.config/cartoframes/creds.json)
/// </code>
/// </example>
public sealed class Credentials : ICartoAuthenticator, IEquatable<Credentials>
{
    /// <summary>The public key: read-only access to public data. The default API key.</summary>
    public const string DefaultPublicApiKey = ApiKeyModule.DefaultPublicText;

    private Resolved<CoreCredentials> _state;

    internal Credentials(Resolved<CoreCredentials> state) => _state = state;

    /// <summary>
    /// Resolves credentials by SPEC §2 from these arguments, a named file, the environment
    /// (<c>CARTO_USERNAME</c>, <c>CARTO_API_KEY</c>, <c>CARTO_BASE_URL</c>) and the saved session,
    /// in that order of precedence.
    /// </summary>
    /// <param name="username">The CARTO username; with no base URL, the base URL is <c>https://{username}.carto.com</c>.</param>
    /// <param name="apiKey">The API key; <see cref="DefaultPublicApiKey"/> when not given.</param>
    /// <param name="baseUrl">The account's base URL; when no username is given, it is derived from this URL.</param>
    /// <param name="key">CARTOframes 0.x's name of <paramref name="apiKey"/>; giving both with different values is an error.</param>
    /// <param name="credFile">A credentials file, used when neither a username nor a base URL is given.</param>
    /// <param name="allowNonSecure">Permits an <c>http://</c> base URL.</param>
    /// <param name="logger">Where to log the layers tried and the one used (SPEC §10; category <c>CartoCreds</c>); nothing is logged when null.</param>
    /// <exception cref="ArgumentException">An invalid argument, an API key given alone, or <paramref name="key"/> and <paramref name="apiKey"/> that differ.</exception>
    /// <exception cref="FileNotFoundException"><paramref name="credFile"/> does not exist.</exception>
    /// <exception cref="InvalidDataException">A file that exists is not valid credentials.</exception>
    /// <exception cref="InvalidOperationException">The environment's variables are invalid.</exception>
    /// <exception cref="CredentialsNotFoundException">No layer is present.</exception>
    /// <example><code>var creds = new Credentials("johnsmith", "abc123…");</code></example>
    public Credentials(
        string? username = null,
        string? apiKey = null,
        string? baseUrl = null,
        string? key = null,
        string? credFile = null,
        bool allowNonSecure = false,
        ILogger? logger = null)
        => _state = Errors.Unwrap(ResolveState(username, apiKey, baseUrl, key, credFile, allowNonSecure, logger));

    /// <summary>
    /// Resolves as the constructor does, with the core's error as a value instead of an exception:
    /// what hosting validates the options with.
    /// </summary>
    internal static FSharpResult<Credentials, ResolveError> TryResolve(
        string? username, string? apiKey, string? baseUrl, string? credFile, bool allowNonSecure, ILogger? logger)
    {
        var resolved = ResolveState(username, apiKey, baseUrl, null, credFile, allowNonSecure, logger);
        return resolved.IsOk
            ? FSharpResult<Credentials, ResolveError>.NewOk(new Credentials(resolved.ResultValue))
            : FSharpResult<Credentials, ResolveError>.NewError(resolved.ErrorValue);
    }

    private static FSharpResult<Resolved<CoreCredentials>, ResolveError> ResolveState(
        string? username, string? apiKey, string? baseUrl, string? key, string? credFile, bool allowNonSecure, ILogger? logger)
    {
        var arguments = new Arguments(
            Errors.Given(username), Errors.Given(apiKey), Errors.Given(key), Errors.Given(baseUrl), allowNonSecure);
        return Shell.resolveLogged(
            logger ?? NullLogger.Instance,
            Ambient.Host,
            new Request<CoreCredentials, Arguments>(FSharpOption<CoreCredentials>.None, arguments, Errors.Given(credFile)));
    }

    /// <summary>A copy of other credentials (the Explicit layer: nothing else is consulted).</summary>
    /// <param name="creds">The credentials to copy.</param>
    /// <exception cref="ArgumentNullException"><paramref name="creds"/> is null.</exception>
    public Credentials(Credentials creds)
    {
        ArgumentNullException.ThrowIfNull(creds);
        _state = Explicit(creds._state.Credentials);
    }

    /// <summary>The credentials in a file: <paramref name="path"/>, or the saved session when it is null.</summary>
    /// <param name="path">A credentials file; null for the saved session at <see cref="DefaultPath"/>.</param>
    /// <returns>The credentials, with the file as their origin.</returns>
    /// <exception cref="FileNotFoundException">The file, or the saved session, does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid credentials; the message names the path and what is wrong.</exception>
    /// <example><code>var creds = Credentials.FromFile();   // the saved session</code></example>
    public static Credentials FromFile(string? path = null) =>
        new(Errors.Unwrap(Shell.load(Ambient.Host, Errors.Given(path))));

    /// <summary>A copy of other credentials.</summary>
    /// <param name="creds">The credentials to copy.</param>
    /// <returns>New credentials equal to <paramref name="creds"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="creds"/> is null.</exception>
    public static Credentials FromCredentials(Credentials creds) => new(creds);

    /// <summary>Where <see cref="Save"/> writes by default: CARTOframes' <c>creds.json</c>, computed from the environment now.</summary>
    /// <exception cref="InvalidOperationException">The variables that locate it (<c>HOME</c>, <c>LOCALAPPDATA</c>) are not set.</exception>
    public static string DefaultPath
    {
        get
        {
            var path = Shell.defaultPath(Ambient.Host);
            return path.IsOk ? path.ResultValue : throw Errors.Of(StoreError.NewNoLocation(path.ErrorValue));
        }
    }

    /// <summary>The API key, whole. This is the one place it is shown unmasked.</summary>
    /// <returns>The API key.</returns>
    public string Key() => ApiKeyModule.value(_state.Credentials.ApiKey);

    /// <summary>Sets the API key.</summary>
    /// <param name="key">The new key: no whitespace or control characters.</param>
    /// <exception cref="ArgumentException">The key is null, empty or invalid; nothing changes.</exception>
    public void Key(string key)
    {
        var value = Required(key, nameof(key));
        Change(current => CredentialsModule.withApiKey(value, current), nameof(key));
    }

    /// <summary>The username, or null when none was given or derived.</summary>
    /// <returns>The username, or null.</returns>
    public string? Username() => _state.Credentials.Username?.Value is { } username ? UsernameModule.value(username) : null;

    /// <summary>Sets the username; the base URL is left as it is (use <see cref="Set"/> to rebuild it).</summary>
    /// <param name="username">The new username.</param>
    /// <exception cref="ArgumentException">The username is null, empty or invalid; nothing changes.</exception>
    public void Username(string username)
    {
        var value = Required(username, nameof(username));
        Change(current => CredentialsModule.withUsername(value, current), nameof(username));
    }

    /// <summary>The base URL, normalized: lower-case host, no trailing slash.</summary>
    /// <returns>The base URL.</returns>
    public string BaseUrl() => BaseUrlModule.value(_state.Credentials.BaseUrl);

    /// <summary>Sets the base URL; the username is left as it is.</summary>
    /// <param name="baseUrl">The new base URL: https, or http when <see cref="AllowNonSecure"/>.</param>
    /// <exception cref="ArgumentException">The URL is null, empty or invalid; nothing changes.</exception>
    public void BaseUrl(string baseUrl)
    {
        var value = Required(baseUrl, nameof(baseUrl));
        Change(current => CredentialsModule.withBaseUrl(value, current), nameof(baseUrl));
    }

    /// <summary>
    /// Sets several fields at once. Omitted (null or blank) arguments keep their values; a new
    /// username without a new base URL rebuilds the base URL as <c>https://{username}.carto.com</c>.
    /// Nothing changes unless every given value is valid.
    /// </summary>
    /// <param name="key">The new API key, or null.</param>
    /// <param name="username">The new username, or null.</param>
    /// <param name="baseUrl">The new base URL, or null.</param>
    /// <exception cref="ArgumentException">A given value is invalid; nothing changes.</exception>
    /// <example><code>creds.Set(username: "team_account");   // base URL becomes https://team_account.carto.com</code></example>
    public void Set(string? key = null, string? username = null, string? baseUrl = null) =>
        Change(current => Errors.Unwrap(
            CredentialsModule.update(Errors.Given(key), Errors.Given(username), Errors.Given(baseUrl), current)));

    /// <summary>Whether an <c>http://</c> base URL is permitted.</summary>
    public bool AllowNonSecure => _state.Credentials.AllowNonSecure;

    /// <summary>
    /// Where these credentials came from: the layer and its location. After a setter, the values
    /// were set in code, and the origin is <see cref="CredentialsLayer.Explicit"/>.
    /// </summary>
    public CredentialsOrigin Origin => CredentialsOrigin.Of(_state.Origin);

    /// <summary>The base URL, ending with <c>/</c>: the <c>BaseAddress</c> of an <c>HttpClient</c> for this account.</summary>
    public Uri BaseAddress => new(BaseUrl() + "/");

    /// <summary>
    /// Adds <c>api_key=KEY</c> to the query of a request to this account's own scheme, host and
    /// port (SPEC §8), after the query that is there, escaped. A request elsewhere, or one that
    /// already names an <c>api_key</c>, is left as it is.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Not used: nothing is awaited.</param>
    /// <returns>A completed task.</returns>
    public ValueTask AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsAbsoluteUri: true } target
            && Attach.legacy(_state.Credentials, target) is { } withKey)
        {
            request.RequestUri = withKey.Value;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Asks CARTO whose credentials these are (<c>GET {base_url}/api/v3/me</c>), through the library's
    /// own HTTP client, waiting at most 10 s.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The account's username and user id.</returns>
    /// <exception cref="CartoVerificationException">CARTO rejected the key, found no such account, limited requests, answered something else, or could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<CartoIdentity> VerifyAsync(CancellationToken cancellationToken = default) =>
        VerifyAsync(Http.shared.Value, cancellationToken);

    /// <summary>As <see cref="VerifyAsync(CancellationToken)"/>, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long the request may take before CARTO is called unreachable.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The account's username and user id.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    /// <exception cref="CartoVerificationException">The credentials could not be verified.</exception>
    public Task<CartoIdentity> VerifyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        return Verified.Identity(VerificationHttp.legacy(Http.shared.Value, timeout, _state.Credentials, cancellationToken));
    }

    /// <summary>As <see cref="VerifyAsync(CancellationToken)"/>, through <paramref name="httpClient"/>.</summary>
    /// <param name="httpClient">The client to send the request with (its handlers, proxy and timeout apply too).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The account's username and user id.</returns>
    /// <exception cref="CartoVerificationException">The credentials could not be verified.</exception>
    public Task<CartoIdentity> VerifyAsync(HttpClient httpClient, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        return Verified.Identity(VerificationHttp.legacy(httpClient, Verification.defaultTimeout, _state.Credentials, cancellationToken));
    }

    /// <summary>
    /// Saves to <paramref name="configLoc"/>, or to <see cref="DefaultPath"/>: atomically, mode 0600 on
    /// Unix, creating missing directories. A save that fails leaves the previous file as it was.
    /// </summary>
    /// <param name="configLoc">The file to write; null for the saved session.</param>
    /// <returns>The full path written.</returns>
    /// <exception cref="IOException">The file could not be written, or the path is a directory.</exception>
    /// <exception cref="InvalidOperationException">No path was given and the default location is unknown.</exception>
    /// <example><code>Console.WriteLine($"Saved to {creds.Save()}");</code></example>
    public string Save(string? configLoc = null) =>
        ValueMessages.place(Errors.Unwrap(Shell.save(Ambient.Host, Errors.Given(configLoc), _state.Credentials)));

    /// <summary>
    /// Deletes <paramref name="configFile"/>, or the saved session (with a legacy <c>cartocreds.json</c>
    /// beside it). A missing file is not an error.
    /// </summary>
    /// <param name="configFile">The file to delete; null for the saved session.</param>
    /// <returns>True when a file was removed.</returns>
    /// <exception cref="IOException">The file could not be removed, or the path is a directory.</exception>
    public bool Delete(string? configFile = null) =>
        Errors.Unwrap(Shell.delete(Ambient.Host, Errors.Given(configFile)));

    /// <summary>Compares username, API key, base URL and <see cref="AllowNonSecure"/>; not the origin.</summary>
    /// <param name="other">The credentials to compare with.</param>
    /// <returns>True when all four fields are equal.</returns>
    public bool Equals(Credentials? other) => other is not null && _state.Credentials.Equals(other._state.Credentials);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Credentials other && Equals(other);

    /// <summary>A hash of the current values, consistent with <see cref="Equals(Credentials?)"/>.</summary>
    /// <remarks>
    /// Credentials compare by value, as CARTOframes' do, and the setters change the values: like a
    /// mutable collection, a value used as a dictionary key or in a set must not be changed while it
    /// is there. Copy it first (<c>new Credentials(creds)</c>) to keep one that cannot change.
    /// </remarks>
    /// <returns>The hash of the four fields.</returns>
    public override int GetHashCode() => _state.Credentials.GetHashCode();

    /// <summary><c>Credentials(username=U, api_key=K, base_url=B)</c>, the key masked.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => _state.Credentials.ToString();

    /// <summary>Value equality.</summary>
    /// <param name="left">The first credentials.</param>
    /// <param name="right">The second credentials.</param>
    /// <returns>True when both are null, or both equal.</returns>
    public static bool operator ==(Credentials? left, Credentials? right) => left?.Equals(right) ?? right is null;

    /// <summary>Value inequality.</summary>
    /// <param name="left">The first credentials.</param>
    /// <param name="right">The second credentials.</param>
    /// <returns>True when not equal.</returns>
    public static bool operator !=(Credentials? left, Credentials? right) => !(left == right);

    internal Resolved<CoreCredentials> State => _state;

    internal static Resolved<CoreCredentials> Explicit(CoreCredentials credentials) => Core.Resolved.explicitly(credentials);

    private static string Required(string value, string parameter) =>
        value ?? throw new ArgumentNullException(parameter);

    private void Change(Func<CoreCredentials, FSharpResult<CoreCredentials, ValueError>> update, string parameter) =>
        Change(current => Errors.Unwrap(update(current), parameter));

    /// <summary>
    /// Swaps the immutable state for the one <paramref name="update"/> makes of it, again if another
    /// thread swapped it meanwhile, so that every setter's change survives. An invalid value throws
    /// before anything is swapped: nothing changes.
    /// </summary>
    private void Change(Func<CoreCredentials, CoreCredentials> update)
    {
        while (true)
        {
            var seen = Volatile.Read(ref _state);
            var next = Explicit(update(seen.Credentials));
            if (ReferenceEquals(Interlocked.CompareExchange(ref _state, next, seen), seen))
            {
                return;
            }
        }
    }
}
