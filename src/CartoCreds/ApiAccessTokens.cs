using CartoCreds.Core;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>What an API Access Token may read (SPEC §12): a connection, and a source on it.</summary>
/// <param name="ConnectionName">The connection's name, as CARTO shows it.</param>
/// <param name="Source">A table (<c>project.dataset.table</c>), a SQL query, <c>*</c> (everything on the connection), or a wildcard pattern naming at least two segments before its first <c>*</c>.</param>
public sealed record CartoGrant(string ConnectionName, string Source);

/// <summary>An API an API Access Token may call (SPEC §12).</summary>
public enum CartoApi
{
    /// <summary>The SQL API.</summary>
    Sql,

    /// <summary>The Maps API.</summary>
    Maps,

    /// <summary>The Location Data Services API.</summary>
    Lds,

    /// <summary>The Imports API; allowed only alone.</summary>
    Imports,
}

/// <summary>What an API Access Token is asked for (SPEC §12); checked before anything is sent.</summary>
/// <param name="Grants">At least one connection and source.</param>
/// <param name="AllowedApis">At least one API; <see cref="CartoApi.Imports"/> only alone.</param>
public sealed record ApiAccessTokenRequest(IReadOnlyList<CartoGrant> Grants, IReadOnlyList<CartoApi> AllowedApis)
{
    /// <summary>The origins (<c>https://host[:port]</c>; <c>http</c> only for loopback hosts) the token may be used from; any when empty.</summary>
    public IReadOnlyList<string> Referers { get; init; } = [];

    /// <summary>When the token expires; never when null. It cannot be changed later.</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
}

/// <summary>An API Access Token (SPEC §12): the token and what it may do. <see cref="ToString"/> masks the token.</summary>
/// <param name="Value">The token, whole: for a browser, never for a log.</param>
/// <param name="ExpiresOn">When it expires; never when null.</param>
/// <param name="Grants">The connections and sources it may read.</param>
/// <param name="AllowedApis">The APIs it may call.</param>
/// <param name="Referers">The origins it may be used from; any when empty.</param>
public sealed record ApiAccessToken(
    string Value,
    DateTimeOffset? ExpiresOn,
    IReadOnlyList<CartoGrant> Grants,
    IReadOnlyList<CartoApi> AllowedApis,
    IReadOnlyList<string> Referers)
{
    /// <summary><c>ApiAccessToken(****abcd)</c>: never the token whole.</summary>
    /// <returns>The masked text form.</returns>
    public override string ToString() => $"ApiAccessToken({Secret.mask(Value ?? "")})";
}

/// <summary>Why a call to CARTO's Tokens API failed (SPEC §12).</summary>
public enum CartoApiFailure
{
    /// <summary>401 or 403: CARTO refused the credentials (403: they lack the <c>write:tokens</c> permission).</summary>
    Rejected,

    /// <summary>404: a wrong API base URL.</summary>
    NotFound,

    /// <summary>429: too many requests.</summary>
    RateLimited,

    /// <summary>Any other status, a redirect (never followed), or an answer that is not the Tokens API's.</summary>
    UnexpectedAnswer,

    /// <summary>No connection, or no answer in time.</summary>
    Unreachable,

    /// <summary>400 or 422: CARTO refused what was asked; the message holds its words.</summary>
    InvalidRequest,
}

/// <summary>A call to CARTO's Tokens API failed (SPEC §12). The message and <see cref="Url"/> hold no token or secret.</summary>
public sealed class CartoApiException : Exception
{
    internal CartoApiException(VerifyError error)
        : base(CallMessages.verifyError(error))
    {
        Failure = error.Failure.Tag switch
        {
            VerifyFailure.Tags.Rejected => CartoApiFailure.Rejected,
            VerifyFailure.Tags.NotFound => CartoApiFailure.NotFound,
            VerifyFailure.Tags.RateLimited => CartoApiFailure.RateLimited,
            VerifyFailure.Tags.Unreachable => CartoApiFailure.Unreachable,
            VerifyFailure.Tags.InvalidRequest => CartoApiFailure.InvalidRequest,
            _ => CartoApiFailure.UnexpectedAnswer,
        };
        StatusCode = FSharpOption<int>.get_IsSome(error.Status) ? error.Status.Value : null;
        Url = error.Url;
    }

    /// <summary>What failed.</summary>
    public CartoApiFailure Failure { get; }

    /// <summary>The HTTP status CARTO answered, when it answered.</summary>
    public int? StatusCode { get; }

    /// <summary>The URL asked, a token in it masked.</summary>
    public string Url { get; }
}

/// <summary>The facade's Tokens API types to the core's and back; the rules are the core's.</summary>
internal static class ApiAccessTokens
{
    /// <summary>A request checked at <paramref name="now"/>, or an <see cref="ArgumentException"/> naming every field that fails.</summary>
    public static ApiTokenRequest Check(ApiAccessTokenRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Grants, nameof(request.Grants));
        ArgumentNullException.ThrowIfNull(request.AllowedApis, nameof(request.AllowedApis));
        ArgumentNullException.ThrowIfNull(request.Referers, nameof(request.Referers));
        var input = new ApiTokenInput(
            ListModule.OfSeq(request.Grants.Select(g => new TokenGrant(g?.ConnectionName ?? "", g?.Source ?? ""))),
            ListModule.OfSeq(request.AllowedApis.Select(Api)),
            ListModule.OfSeq(request.Referers.Select(r => r ?? "")),
            request.ExpiresOn is { } at ? FSharpOption<DateTimeOffset>.Some(at) : FSharpOption<DateTimeOffset>.None);
        var checkedRequest = ApiTokens.request(now, input);
        if (checkedRequest.IsOk)
        {
            return checkedRequest.ResultValue;
        }

        var problems = checkedRequest.ErrorValue;
        throw new ArgumentException(
            "The API Access Token request is invalid: " + string.Join("; ", problems.Select(ValueMessages.apiTokenProblem)),
            ValueMessages.apiTokenField(problems.Head));
    }

    /// <summary>A request's canonical form (a shared key for the same request in any order), once it passed the checks at <paramref name="now"/>.</summary>
    public static string Canonical(ApiAccessTokenRequest request, DateTimeOffset now) => ApiTokens.canonical(Check(request, now));

    /// <summary>A token to delete, or an <see cref="ArgumentException"/>.</summary>
    public static CloudText Token(string token)
    {
        var value = CloudTextModule.create(CloudField.Token, token ?? "");
        return value.IsOk ? value.ResultValue : throw new ArgumentException(ValueMessages.cloudValueError(value.ErrorValue), nameof(token));
    }

    public static async Task<ApiAccessToken> Created(Task<FSharpResult<ApiToken, TokensCallError>> pending) =>
        Of(Unwrap(await pending.ConfigureAwait(false)));

    public static async Task<IReadOnlyList<ApiAccessToken>> Listed(Task<FSharpResult<FSharpList<ApiToken>, TokensCallError>> pending) =>
        Unwrap(await pending.ConfigureAwait(false)).Select(Of).ToList();

    public static async Task<bool> Deleted(Task<FSharpResult<bool, TokensCallError>> pending) =>
        Unwrap(await pending.ConfigureAwait(false));

    public static T Unwrap<T>(FSharpResult<T, TokensCallError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    public static Exception Of(TokensCallError error) => error switch
    {
        TokensCallError.Call call => new CartoApiException(call.Item),
        _ => new InvalidOperationException(CallMessages.tokensCallError(error)),
    };

    public static ApiAccessToken Of(ApiToken token) => new(
        token.Value,
        FSharpOption<DateTimeOffset>.get_IsSome(token.ExpiresOn) ? token.ExpiresOn.Value : null,
        token.Grants.Select(g => new CartoGrant(g.Connection, g.Source)).ToList(),
        token.Apis.Select(Api).ToList(),
        token.Referers.ToList());

    private static TokenApi Api(CartoApi api) => api switch
    {
        CartoApi.Sql => TokenApi.Sql,
        CartoApi.Maps => TokenApi.Maps,
        CartoApi.Lds => TokenApi.Lds,
        CartoApi.Imports => TokenApi.Imports,
        _ => throw new ArgumentOutOfRangeException(nameof(api), api, "not an API of CARTO's"),
    };

    private static CartoApi Api(TokenApi api) => api.Tag switch
    {
        TokenApi.Tags.Sql => CartoApi.Sql,
        TokenApi.Tags.Maps => CartoApi.Maps,
        TokenApi.Tags.Lds => CartoApi.Lds,
        _ => CartoApi.Imports,
    };
}

/// <summary>
/// API Access Tokens of one request for an application (SPEC §12): each created to expire after
/// <see cref="Lifetime"/>, handed out until half its lifetime has passed, then replaced (one
/// creation for any number of callers); a replaced token is deleted once it has expired, and
/// <see cref="DisposeAsync"/> deletes the rest, except the one a fleet still shares. With
/// <see cref="CloudCredentials.WithSharedTokenCache"/> and client credentials, every instance of a
/// fleet hands out the same token, so the fleet creates about one token per half-lifetime. The
/// clock is the credentials' <see cref="TimeProvider"/> (<see cref="CloudCredentials.WithTransport"/>).
/// </summary>
/// <example><code>
/// await using var broker = new ApiAccessTokenBroker(creds, new([new("carto_dw", "project.dataset.table")], [CartoApi.Maps]));
/// var token = await broker.GetAsync(); // hand token.Value to the page
/// </code></example>
public sealed class ApiAccessTokenBroker : IAsyncDisposable
{
    private readonly ApiTokenBroker _broker;
    private Handed? _last;

    /// <summary>The last token handed out, as the core's value, the facade's and a completed task of it: a hit allocates nothing.</summary>
    private sealed record Handed(ApiToken Core, Task<ApiAccessToken> Task);

    /// <summary>A broker of tokens of <paramref name="request"/>, made with <paramref name="credentials"/>.</summary>
    /// <param name="credentials">Client credentials or a login (not an API Access Token).</param>
    /// <param name="request">The grants, APIs and referers; its <see cref="ApiAccessTokenRequest.ExpiresOn"/> is not used (each token expires after <paramref name="lifetime"/>).</param>
    /// <param name="lifetime">How long each token lives: 1 hour when null, at least 5 minutes.</param>
    /// <exception cref="ArgumentNullException"><paramref name="credentials"/> or <paramref name="request"/> is null.</exception>
    /// <exception cref="ArgumentException">The request fails a check; the message names each field.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lifetime"/> is shorter than 5 minutes.</exception>
    public ApiAccessTokenBroker(CloudCredentials credentials, ApiAccessTokenRequest request, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(request);
        var life = Broker.lifetime(lifetime is { } given ? FSharpOption<TimeSpan>.Some(given) : FSharpOption<TimeSpan>.None);
        if (life.IsError)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, ValueMessages.brokerLifetime(life.ErrorValue));
        }

        var checkedRequest = ApiAccessTokens.Check(request with { ExpiresOn = null }, credentials.Session.Clock.GetUtcNow());
        _broker = new ApiTokenBroker(credentials.Session, checkedRequest, life.ResultValue);
    }

    /// <summary>How long each token lives.</summary>
    public TimeSpan Lifetime => _broker.Lifetime;

    /// <summary>
    /// A token of the request with at least a quarter of its lifetime left: the one held, or the
    /// next, created once for every caller that waits for it.
    /// </summary>
    /// <param name="cancellationToken">Cancels this caller's wait (not a creation others share).</param>
    /// <returns>The token; <c>ToString</c> masks it.</returns>
    /// <exception cref="InvalidOperationException">The credentials are an API Access Token, or <c>CARTO_AUTH_URL</c> is invalid.</exception>
    /// <exception cref="CartoApiException">The Tokens API failed and no token is left to hand out.</exception>
    /// <exception cref="ObjectDisposedException">The broker was disposed.</exception>
    public Task<ApiAccessToken> GetAsync(CancellationToken cancellationToken = default)
    {
        var pending = _broker.GetAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? Hand(pending.Result) : Later(pending);
    }

    /// <summary>
    /// As <see cref="GetAsync(CancellationToken)"/>, after CARTO refused <paramref name="refused"/>
    /// (a token this broker handed out, answered 401): when it is the one held, it is dropped and
    /// the next is created (a proxy's one retry, SPEC §13). Null: as <see cref="GetAsync(CancellationToken)"/>.
    /// </summary>
    /// <param name="refused">The token CARTO refused, or null.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>A token other than <paramref name="refused"/> when that one was held.</returns>
    /// <exception cref="CartoApiException">The Tokens API failed and no token is left to hand out.</exception>
    /// <exception cref="ObjectDisposedException">The broker was disposed.</exception>
    public Task<ApiAccessToken> GetAsync(string? refused, CancellationToken cancellationToken = default)
    {
        var pending = _broker.GetAsync(refused is null ? FSharpOption<string>.None : FSharpOption<string>.Some(refused), cancellationToken);
        return pending.IsCompletedSuccessfully ? Hand(pending.Result) : Later(pending);
    }

    private async Task<ApiAccessToken> Later(ValueTask<FSharpResult<ApiToken, TokensCallError>> pending) =>
        await Hand(await pending.ConfigureAwait(false)).ConfigureAwait(false);

    private Task<ApiAccessToken> Hand(FSharpResult<ApiToken, TokensCallError> result)
    {
        if (result.IsError)
        {
            return Task.FromException<ApiAccessToken>(ApiAccessTokens.Of(result.ErrorValue));
        }

        var token = result.ResultValue;
        var last = Volatile.Read(ref _last);
        if (last is not null && ReferenceEquals(last.Core, token))
        {
            return last.Task;
        }

        var handed = new Handed(token, Task.FromResult(ApiAccessTokens.Of(token)));
        Volatile.Write(ref _last, handed);
        return handed.Task;
    }

    /// <summary>Deletes the tokens this broker created (best effort, bounded), except the one a fleet still shares.</summary>
    /// <returns>When the deletions are done or abandoned.</returns>
    public async ValueTask DisposeAsync() => await _broker.DisposeAsync().ConfigureAwait(false);
}
