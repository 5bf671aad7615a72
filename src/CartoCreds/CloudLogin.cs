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

/// <summary>The login of <see cref="CloudCredentials.LoginAsync"/>: the options converted to the core's request, the core's login run.</summary>
internal static class CloudLogin
{
    /// <summary>Runs the login; its credentials with their origin and services, or the exception of its error.</summary>
    public static async Task<CloudResolution> RunAsync(CloudLoginOptions options, CancellationToken cancellationToken)
    {
        if (!OAuthLogin.isPort(options.Port))
        {
            throw new ArgumentOutOfRangeException(nameof(options.Port), options.Port, "A port number from 1 to 65535.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Timeout, TimeSpan.Zero, nameof(options.Timeout));

        var api = FSharpOption<ApiBaseUrl>.None;
        if (options.ApiBaseUrl is { } url)
        {
            var parsed = ApiBaseUrlModule.create(url);
            api = parsed.IsOk
                ? FSharpOption<ApiBaseUrl>.Some(parsed.ResultValue)
                : throw new ArgumentException(ValueMessages.cloudValueError(parsed.ErrorValue), nameof(options.ApiBaseUrl));
        }

        var host = Ambient.Host;
        var open = options.OpenBrowser ?? new Func<Uri, CancellationToken, Task>((uri, _) => Browser.openUrlAsync(host, uri));
        var receipt = options.ReadCode is { } read
            ? CodeReceipt.NewPasted(FuncConvert.FromFunc<Uri, CancellationToken, Task<FSharpOption<string>>>(async (uri, cancel) =>
                await read(uri, cancel).ConfigureAwait(false) is { } text ? FSharpOption<string>.Some(text) : FSharpOption<string>.None))
            : CodeReceipt.NewListener(options.Port);
        var request = new LoginRequest(
            Errors.Given(options.Profile),
            Errors.Given(options.Organization),
            receipt,
            options.Timeout,
            Verification.defaultTimeout,
            api,
            Errors.Given(options.CredentialsFile),
            options.Save,
            FuncConvert.FromFunc<Uri, CancellationToken, Task>((uri, cancel) => open(uri, cancel)),
            FuncConvert.FromAction<Uri>(_ => { }));

        var result = await OAuthLoginHttp.run(host, Http.shared.Value, request, cancellationToken).ConfigureAwait(false);
        return result.IsOk ? result.ResultValue.Resolution : throw Errors.Of(result.ErrorValue, cancellationToken);
    }
}

/// <summary>A login that did not end with credentials (SPEC §7.5): refused, not this login's answer, or a step that failed. Nothing was saved.</summary>
public sealed class CartoLoginException : Exception
{
    internal CartoLoginException(string message, string? error)
        : base(message) => Error = error;

    /// <summary>The authorization server's <c>error</c> (such as <c>access_denied</c>), when it gave one; terminal-safe.</summary>
    public string? Error { get; }
}
