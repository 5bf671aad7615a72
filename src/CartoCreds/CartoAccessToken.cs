using CartoCreds.Core;

namespace CartoCreds;

/// <summary>An access token and its expiry, when known. <see cref="ToString"/> masks the token.</summary>
/// <param name="Value">The bearer token, whole.</param>
/// <param name="ExpiresOn">When it expires, when known.</param>
public readonly record struct CartoAccessToken(string Value, DateTimeOffset? ExpiresOn)
{
    /// <summary>When the library replaces the token (SPEC §7.4: 5 minutes before it expires, or half its lifetime when shorter).</summary>
    public DateTimeOffset? RefreshOn { get; init; }

    /// <summary><c>CartoAccessToken(****abcd)</c>: never the token whole.</summary>
    /// <returns>The masked text form.</returns>
    public override string ToString() => $"CartoAccessToken({Secret.mask(Value ?? "")})";
}

/// <summary>No valid token can be handed out (SPEC §7.4): the access token has expired, or client credentials could not be exchanged and no valid token is left.</summary>
public sealed class CartoTokenException : Exception
{
    internal CartoTokenException(string message, int? statusCode, string? error)
        : base(message)
    {
        StatusCode = statusCode;
        Error = error;
    }

    /// <summary>The token server's HTTP status, when it answered.</summary>
    public int? StatusCode { get; }

    /// <summary>The server's <c>error</c> code (such as <c>access_denied</c>), when it gave one.</summary>
    public string? Error { get; }
}
