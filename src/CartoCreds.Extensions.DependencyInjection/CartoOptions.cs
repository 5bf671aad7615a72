namespace CartoCreds;

/// <summary>Which CARTO platform the credentials are for (SPEC §9).</summary>
public enum CartoPlatform
{
    /// <summary>The legacy platform: a username, an API key and a base URL (CARTOframes' credentials).</summary>
    Legacy,

    /// <summary>CARTO 3: an access token, or client credentials, with a regional API base URL.</summary>
    Cloud,
}

/// <summary>
/// CARTO credentials as configuration gives them (SPEC §9): the Arguments layer. What is not given
/// here comes from <see cref="CredFile"/>, the environment and the saved session, by the same
/// precedence as <see cref="Credentials"/> and <see cref="CloudCredentials"/>.
/// </summary>
/// <example>
/// <code>
/// // appsettings.json: { "Carto": { "Token": "…", "ApiBaseUrl": "https://gcp-europe-west1.api.carto.com" } }
/// builder.Services.AddCartoCredentials(builder.Configuration.GetSection(CartoOptions.SectionName));
/// </code>
/// </example>
public sealed class CartoOptions
{
    /// <summary>The configuration section these options are usually bound from: <c>Carto</c>.</summary>
    public const string SectionName = "Carto";

    /// <summary>
    /// The platform; when not set, inferred from the fields that are: <see cref="CartoPlatform.Cloud"/>
    /// when any of <see cref="Token"/>, <see cref="ClientId"/>, <see cref="ClientSecret"/>,
    /// <see cref="ApiBaseUrl"/> or <see cref="Profile"/> is, else <see cref="CartoPlatform.Legacy"/>.
    /// </summary>
    public CartoPlatform? Platform { get; set; }

    /// <summary>Legacy: the CARTO username.</summary>
    public string? Username { get; set; }

    /// <summary>Legacy: the API key. Keep it in user secrets or a vault, not in appsettings.json.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Legacy: the account's base URL.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Legacy: permits an <c>http://</c> base URL.</summary>
    public bool AllowNonSecure { get; set; }

    /// <summary>CARTO 3: an access token.</summary>
    public string? Token { get; set; }

    /// <summary>CARTO 3: a machine-to-machine client id, with <see cref="ClientSecret"/>.</summary>
    public string? ClientId { get; set; }

    /// <summary>CARTO 3: the client's secret.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>CARTO 3: the regional API base URL.</summary>
    public string? ApiBaseUrl { get; set; }

    /// <summary>CARTO 3: the CARTO CLI profile of the saved session.</summary>
    public string? Profile { get; set; }

    /// <summary>Both: a credentials file, read when these options do not give the credentials.</summary>
    public string? CredFile { get; set; }

    /// <summary>
    /// CARTO 3 client credentials: share their tokens with every instance of the app through the
    /// container's <c>IDistributedCache</c> (Redis, Garnet, SQL Server, …; SPEC §7.7), sealed under the
    /// client secret. Other credentials have no token to share, and are not affected.
    /// </summary>
    public bool ShareTokens { get; set; }

    /// <summary>Values of the configuration that could not be read, for the validator to report.</summary>
    internal List<string> Problems { get; } = [];

    /// <summary>
    /// The fields that are set, secrets masked (<c>****</c> and their last 4 characters), and a base
    /// URL by its scheme, host and port only: a pasted <c>?api_key=</c> or <c>user:password@</c>
    /// never shows.
    /// </summary>
    /// <returns>The text form.</returns>
    public override string ToString()
    {
        var set = new List<string>();
        void Add(string name, string? value, bool secret = false)
        {
            if (!string.IsNullOrEmpty(value))
            {
                set.Add($"{name}={(secret ? Core.Secret.mask(value) : value)}");
            }
        }

        Add(nameof(Platform), Platform?.ToString());
        Add(nameof(Username), Username);
        Add(nameof(ApiKey), ApiKey, secret: true);
        Add(nameof(BaseUrl), OriginOf(BaseUrl));
        Add(nameof(AllowNonSecure), AllowNonSecure ? "true" : null);
        Add(nameof(Token), Token, secret: true);
        Add(nameof(ClientId), ClientId);
        Add(nameof(ClientSecret), ClientSecret, secret: true);
        Add(nameof(ApiBaseUrl), OriginOf(ApiBaseUrl));
        Add(nameof(Profile), Profile);
        Add(nameof(CredFile), CredFile);
        Add(nameof(ShareTokens), ShareTokens ? "true" : null);
        return $"CartoOptions({string.Join(", ", set)})";
    }

    /// <summary>A URL's scheme, host and port, with <c>/…</c> when it has more; what is not a URL, as a refused value is shown.</summary>
    private static string? OriginOf(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            return null;
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.Length > 0)
        {
            var origin = $"{uri.Scheme}://{uri.Authority}";
            var rest = uri.UserInfo.Length > 0 || uri.PathAndQuery is not ("/" or "") || uri.Fragment.Length > 0;
            return Core.Refused.terminalSafe(rest ? origin + "/…" : origin);
        }

        return Core.Refused.show(url)?.Value ?? "(not shown)";
    }
}
