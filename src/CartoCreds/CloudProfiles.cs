using CartoCreds.Core;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>One profile of the CARTO CLI credentials file (SPEC §7.6).</summary>
/// <param name="Name">The profile's name.</param>
/// <param name="IsCurrent">Whether it is the file's <c>current_profile</c>.</param>
/// <param name="ApiBaseUrl">Its API base URL (<c>https://{tenant_id}.api.carto.com</c>, or its own <c>api_base_url</c>); empty when the profile holds none that is valid.</param>
/// <param name="Email">The account's email, when the file holds it.</param>
/// <param name="ExpiresOn">When its token expires (its JWT <c>exp</c>, or what the file says), when known.</param>
public sealed record CloudProfile(string Name, bool IsCurrent, string ApiBaseUrl, string? Email, DateTimeOffset? ExpiresOn)
{
    /// <summary>Whether the token has expired, or expires within an hour, at <paramref name="now"/>: time to log in again.</summary>
    /// <param name="now">The time to judge by.</param>
    /// <returns><see langword="true"/> when the token expired or expires within the hour.</returns>
    public bool NeedsRenewal(DateTimeOffset now) =>
        !ProfileList.freshness(now, ExpiresOn is { } at ? FSharpOption<DateTimeOffset>.Some(at) : FSharpOption<DateTimeOffset>.None).IsValid;
}

/// <summary>
/// The profiles of the CARTO CLI credentials file (<c>~/.carto_credentials.json</c>, SPEC §7.3,
/// §7.6): listed, and made current, read and written by the rules the CARTO CLI file follows
/// (a file another user could change is refused; a change is locked, atomic and private, and
/// keeps every other profile and key).
/// </summary>
public static class CloudProfiles
{
    /// <summary>Every profile of the file, in its order; none when there is no file.</summary>
    /// <param name="path">The CARTO CLI file; <c>~/.carto_credentials.json</c> when null.</param>
    /// <returns>The profiles.</returns>
    /// <exception cref="InvalidDataException">The file is not a CARTO CLI credentials file.</exception>
    /// <exception cref="IOException">The file could not be read, or another user could change it.</exception>
    /// <example><code>foreach (var p in CloudProfiles.List()) Console.WriteLine($"{(p.IsCurrent ? "*" : " ")} {p.Name} {p.ApiBaseUrl}");</code></example>
    public static IReadOnlyList<CloudProfile> List(string? path = null)
    {
        var (_, profiles) = Errors.Unwrap(CliProfilesDisk.list(Ambient.Host, Errors.Given(path))).ToValueTuple();
        return profiles
            .Select(p => new CloudProfile(
                p.Name,
                p.IsCurrent,
                p.ApiBaseUrl.IsOk ? p.ApiBaseUrl.ResultValue : "",
                p.Email?.Value,
                p.ExpiresOn is { } expires ? expires.Value : null))
            .ToList();
    }

    /// <summary>Makes <paramref name="name"/> the file's current profile, keeping every profile and key as it was.</summary>
    /// <param name="name">The profile to make current.</param>
    /// <param name="path">The CARTO CLI file; <c>~/.carto_credentials.json</c> when null.</param>
    /// <returns>The full path of the file written.</returns>
    /// <exception cref="ArgumentException">The file holds no such profile (the message names those it holds), or has no file.</exception>
    /// <exception cref="InvalidDataException">The file is not a CARTO CLI credentials file.</exception>
    /// <exception cref="IOException">The file could not be written, its lock not taken within 10 s, or another user could change it.</exception>
    public static string Use(string name, string? path = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Errors.Unwrap(CliProfilesDisk.makeCurrent(Ambient.Host, name, Errors.Given(path)));
    }
}
