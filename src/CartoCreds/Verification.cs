using CartoCreds.Core;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>Whose credentials they are, as CARTO answered (SPEC §8).</summary>
/// <param name="Username">The legacy platform's username; null for CARTO 3.</param>
/// <param name="UserId">The user's id.</param>
/// <param name="Email">The user's email, when CARTO gave it.</param>
/// <param name="TenantDomain">CARTO 3's tenant domain (<c>user_metadata.tenant_domain</c>); null for the legacy platform.</param>
public sealed record CartoIdentity(string? Username, string? UserId, string? Email, string? TenantDomain);

/// <summary>Why credentials could not be verified (SPEC §8).</summary>
public enum CartoVerificationFailure
{
    /// <summary>401 or 403: CARTO refused the key, token or client credentials.</summary>
    Rejected,

    /// <summary>404: a wrong base URL or account.</summary>
    NotFound,

    /// <summary>429: too many requests; see <see cref="CartoVerificationException.RetryAfter"/>.</summary>
    RateLimited,

    /// <summary>Any other status, or an answer that is not an account.</summary>
    UnexpectedAnswer,

    /// <summary>No connection, or no answer in time (10 s by default).</summary>
    Unreachable,
}

/// <summary>
/// Credentials could not be verified (SPEC §8). The message and <see cref="Url"/> name the URL
/// asked, never with a key or token.
/// </summary>
public sealed class CartoVerificationException : Exception
{
    internal CartoVerificationException(VerifyError error, Exception? inner = null)
        : base(CallMessages.verifyError(error), inner)
    {
        Failure = (CartoVerificationFailure)error.Failure.Tag;
        StatusCode = Option(error.Status);
        RetryAfter = Option(error.RetryAfter);
        Url = error.Url;
    }

    /// <summary>What failed.</summary>
    public CartoVerificationFailure Failure { get; }

    /// <summary>The HTTP status CARTO answered, when it answered.</summary>
    public int? StatusCode { get; }

    /// <summary>How long to wait before trying again, when CARTO said (429 only).</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The URL asked, without any key or token.</summary>
    public string Url { get; }

    private static T? Option<T>(FSharpOption<T> option)
        where T : struct =>
        FSharpOption<T>.get_IsSome(option) ? option.Value : null;
}

/// <summary>
/// The CARTO Data Warehouse's credentials (SPEC §7.8), as carto-auth's <c>get_carto_dw_credentials()</c>
/// reads them. <see cref="ToString"/> masks the token.
/// </summary>
/// <param name="ProjectId">The Google Cloud project of the organization's CARTO Data Warehouse.</param>
/// <param name="Token">The token for that project (a secret).</param>
/// <param name="ExpiresOn">When the token expires, when it says (a JWT <c>exp</c>); else null.</param>
public sealed record CartoDwCredentials(string ProjectId, string Token, DateTimeOffset? ExpiresOn)
{
    /// <summary>The project and the token masked: never the secret itself.</summary>
    public override string ToString() => $"CartoDwCredentials {{ ProjectId = {ProjectId}, Token = {Secret.mask(Token ?? "")} }}";
}

/// <summary>The core's verification results as the facade's types.</summary>
internal static class Verified
{
    public static async Task<CartoIdentity> Identity(Task<FSharpResult<Identity, VerifyError>> pending)
    {
        var result = await pending.ConfigureAwait(false);
        if (result.IsError)
        {
            throw new CartoVerificationException(result.ErrorValue);
        }

        var identity = result.ResultValue;
        return new CartoIdentity(Text(identity.Username), Text(identity.UserId), Text(identity.Email), Text(identity.TenantDomain));
    }

    /// <summary>A CARTO 3 verification: an invalid <c>CARTO_ACCOUNTS_URL</c> (or <c>CARTO_AUTH_URL</c>) is an <see cref="InvalidOperationException"/>.</summary>
    public static async Task<CartoIdentity> Identity(Task<FSharpResult<FSharpResult<Identity, VerifyError>, ServiceUrlError>> pending)
    {
        var result = await pending.ConfigureAwait(false);
        return result.IsOk
            ? await Identity(Task.FromResult(result.ResultValue)).ConfigureAwait(false)
            : throw new InvalidOperationException(CallMessages.service(result.ErrorValue));
    }

    /// <summary>The CARTO Data Warehouse's credentials, or the verification error (an invalid <c>CARTO_AUTH_URL</c>: <see cref="InvalidOperationException"/>).</summary>
    public static async Task<CartoDwCredentials> DataWarehouse(Task<FSharpResult<FSharpResult<DwCredentials, VerifyError>, ServiceUrlError>> pending)
    {
        var result = await pending.ConfigureAwait(false);
        if (result.IsError)
        {
            throw new InvalidOperationException(CallMessages.service(result.ErrorValue));
        }

        if (result.ResultValue.IsError)
        {
            throw new CartoVerificationException(result.ResultValue.ErrorValue);
        }

        var found = result.ResultValue.ResultValue;
        var expires = FSharpOption<DateTimeOffset>.get_IsSome(found.ExpiresOn) ? found.ExpiresOn.Value : (DateTimeOffset?)null;
        return new CartoDwCredentials(found.ProjectId, found.Token, expires);
    }

    private static string? Text(FSharpOption<string> option) => FSharpOption<string>.get_IsSome(option) ? option.Value : null;
}
