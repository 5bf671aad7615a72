using CartoCreds.Core;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>
/// The process-wide default credentials (SPEC §3), used by objects that have none of their own.
/// An immutable value swapped atomically: safe to set and read from many threads.
/// </summary>
/// <example>
/// <code>
/// DefaultCredentials.Set("johnsmith", "abc123…");               // a username
/// DefaultCredentials.Set("https://team.carto.com/u/ana");       // a base URL
/// DefaultCredentials.Set("team/creds.json");                    // a file
/// DefaultCredentials.Set();                                     // the saved session
/// </code>
/// </example>
public static class DefaultCredentials
{
    /// <summary>Makes a copy of <paramref name="credentials"/> the default.</summary>
    /// <param name="credentials">The credentials.</param>
    /// <exception cref="ArgumentNullException"><paramref name="credentials"/> is null.</exception>
    public static void Set(Credentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Core.DefaultCredentials.set(credentials.State);
    }

    /// <summary>
    /// Sets the default as CARTOframes' <c>set_default_credentials(first, second)</c> does:
    /// <paramref name="username"/> is a base URL when it starts with <c>http://</c> or <c>https://</c>,
    /// a file when it ends in <c>.json</c>, otherwise a username; with nothing given, the saved session
    /// is read. Nothing changes unless the credentials resolve.
    /// </summary>
    /// <param name="username">A username, a base URL or a <c>.json</c> path.</param>
    /// <param name="apiKey">The API key; <see cref="Credentials.DefaultPublicApiKey"/> when not given.</param>
    /// <param name="baseUrl">The base URL.</param>
    /// <param name="filePath">A credentials file.</param>
    /// <param name="allowNonSecure">Permits an <c>http://</c> base URL.</param>
    /// <exception cref="ArgumentException">Invalid values, or a file given together with values.</exception>
    /// <exception cref="FileNotFoundException">The file, or the saved session, does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid credentials.</exception>
    public static void Set(
        string? username = null,
        string? apiKey = null,
        string? baseUrl = null,
        string? filePath = null,
        bool allowNonSecure = false)
    {
        var source = DefaultSourceModule.ofArguments(
            Errors.Given(username), Errors.Given(apiKey), Errors.Given(baseUrl), Errors.Given(filePath), allowNonSecure);
        var resolved = source.IsOk ? Core.DefaultCredentials.setFrom(Ambient.Host, source.ResultValue) : FSharpResult<Resolved<Core.Credentials>, ResolveError>.NewError(source.ErrorValue);
        Errors.Unwrap(resolved);
    }

    /// <summary>The default credentials (a copy), or null when none are set.</summary>
    /// <returns>The default credentials, or null.</returns>
    public static Credentials? Get() =>
        Core.DefaultCredentials.get()?.Value is { } state ? new Credentials(state) : null;

    /// <summary>Unsets the default credentials.</summary>
    public static void Unset() => Core.DefaultCredentials.unset();
}
