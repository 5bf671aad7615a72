using CartoCreds.Core;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>How <see cref="CloudCredentials.LoginAsync"/> logs a person in (SPEC §7.5).</summary>
public sealed class CloudLoginOptions
{
    /// <summary>The CARTO CLI profile to save the token as; the file's current one, else <c>default</c>, when null.</summary>
    public string? Profile { get; set; }

    /// <summary>The organization in CARTO, for single sign-on.</summary>
    public string? Organization { get; set; }

    /// <summary>The port of the login's callback on localhost (10000, as carto-auth's).</summary>
    public int Port { get; set; } = OAuthLogin.DefaultPort;

    /// <summary>How long the person has to log in (300 s).</summary>
    public TimeSpan Timeout { get; set; } = OAuthLogin.defaultTimeout;

    /// <summary>Whether the token is saved as a profile of the CARTO CLI file (true).</summary>
    public bool Save { get; set; } = true;

    /// <summary>The API base URL; when null, the tenant's, found as carto-auth finds it.</summary>
    public string? ApiBaseUrl { get; set; }

    /// <summary>The CARTO CLI file; <c>~/.carto_credentials.json</c> when null.</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>
    /// Shows the authorize URL to the person: by default the platform's opener (<c>$BROWSER</c>
    /// when set, else <c>xdg-open</c>, <c>open</c> or <c>explorer</c>). A notebook or desktop host
    /// shows it its own way (a link, an embedded browser).
    /// </summary>
    public Func<Uri, CancellationToken, Task>? OpenBrowser { get; set; }

    /// <summary>
    /// Reads the code the person pastes, for a login without a local browser (as carto-auth's
    /// <c>open_browser=False</c>, and <c>cartocreds cloud login --code</c>): when set, the redirect is
    /// <c>https://app.carto.com/auth/token</c>, where CARTO shows the code, and no listener is
    /// started (<see cref="Port"/> is not used). It is given the authorize URL (also given to
    /// <see cref="OpenBrowser"/>) and returns what was pasted: the bare code, or the whole URL the
    /// browser reached (whose <c>state</c>, when there, must be this login's). Null cancels the login.
    /// </summary>
    /// <example><code>ReadCode = async (url, ct) => await notebook.AskAsync("Paste the code CARTO shows", ct)</code></example>
    public Func<Uri, CancellationToken, Task<string?>>? ReadCode { get; set; }
}

/// <summary>A login that did not end with credentials (SPEC §7.5): refused, not this login's answer, or a step that failed. Nothing was saved.</summary>
public sealed class CartoLoginException : Exception
{
    internal CartoLoginException(string message, string? error)
        : base(message) => Error = error;

    /// <summary>The authorization server's <c>error</c> (such as <c>access_denied</c>), when it gave one; terminal-safe.</summary>
    public string? Error { get; }
}
