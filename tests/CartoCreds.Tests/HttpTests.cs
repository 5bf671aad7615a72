using System.Net;
using System.Text;
using System.Text.Json;
using CartoCreds.Testing;
using CoreFailure = CartoCreds.Core.VerifyFailure;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §5.2 and §8 from C#: <see cref="CartoAuthenticationHandler"/> and <c>VerifyAsync</c> against
/// the loopback CARTO stand-in: credentials for their own origin only, the single retry, every
/// verification failure, and no secret in any exception.
/// </summary>
public sealed class HttpTests
{
    private const string Secret = "s3cr3t-s3cr3t-s3cr3t-0003";

    private static HttpClient ClientFor(ICartoAuthenticator credentials) =>
        new(new CartoAuthenticationHandler(credentials, new SocketsHttpHandler())) { BaseAddress = credentials.BaseAddress };

    private static async Task<JsonElement> Echo(HttpClient client, string url, HttpContent? body = null)
    {
        using var response = body is null ? await client.GetAsync(url) : await client.PostAsync(url, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static Credentials Legacy(string baseUrl, string key) => new(baseUrl: baseUrl, apiKey: key, allowNonSecure: true);

    [Fact]
    public async Task Legacy_credentials_add_the_key_to_their_own_requests_keeping_the_query()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        using var client = ClientFor(Legacy(server.Url, "key&with=odd#chars+0001"));

        var echo = await Echo(client, "api/v2/sql/echo?q=select%201&format=json");

        Assert.Equal("?q=select%201&format=json&api_key=key%26with%3Dodd%23chars%2B0001", echo.GetProperty("query").GetString());
        Assert.Equal("", echo.GetProperty("authorization").GetString());
    }

    [Fact]
    public async Task A_request_that_names_its_own_api_key_is_sent_as_it_is()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        using var client = ClientFor(Legacy(server.Url, "secret-key-0001"));

        var echo = await Echo(client, "echo?api_key=default_public");

        Assert.Equal("?api_key=default_public", echo.GetProperty("query").GetString());
    }

    [Fact]
    public async Task No_credentials_reach_another_port_host_or_scheme()
    {
        using var box = new Sandbox();
        using var own = new CartoServer();
        using var other = new CartoServer();
        own.Account.AcceptToken("access-token-own-0001");
        var legacyKey = "secret-key-own-0001";
        var authenticators = new ICartoAuthenticator[]
        {
            Legacy(own.Url, legacyKey),
            CloudCredentials.FromToken("access-token-own-0001", own.Url),
            // The same port under another name, and under another scheme: neither is the origin.
            Legacy($"http://localhost:{other.Port}", legacyKey),
            CloudCredentials.FromToken("access-token-own-0001", $"http://localhost:{other.Port}"),
            Legacy($"https://127.0.0.1:{other.Port}", legacyKey),
        };

        foreach (var credentials in authenticators)
        {
            using var client = ClientFor(credentials);
            var echo = await Echo(client, $"{other.Url}/echo?q=1");
            Assert.Equal("?q=1", echo.GetProperty("query").GetString());
            Assert.Equal("", echo.GetProperty("authorization").GetString());
        }

        Assert.All(other.Received, r =>
        {
            Assert.DoesNotContain(legacyKey, r.Query);
            Assert.Equal("", r.Authorization);
        });
    }

    [Fact]
    public async Task Cloud_credentials_add_the_bearer_token_and_leave_a_callers_own_header()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        using var client = ClientFor(CloudCredentials.FromToken("access-token-0002", server.Url));

        Assert.Equal("Bearer access-token-0002", (await Echo(client, "v3/echo")).GetProperty("authorization").GetString());

        using var request = new HttpRequestMessage(HttpMethod.Get, "v3/echo");
        request.Headers.Authorization = new("Bearer", "callers-own-0001");
        using var response = await client.SendAsync(request);
        var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Bearer callers-own-0001", echo.GetProperty("authorization").GetString());
    }

    [Fact]
    public async Task A_refused_exchanged_token_is_replaced_once_and_the_body_sent_again()
    {
        using var server = new CartoServer();
        server.Account.ClientSecret = Secret;
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));
        var cloud = CloudCredentials.FromClientCredentials(server.Account.ClientId, Secret, server.Url);
        using var client = ClientFor(cloud);

        using (var first = await client.PostAsync("protected", new StringContent("{\"q\": 1}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        server.Account.RevokeTokens();
        using (var second = await client.PostAsync("protected", new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"q\": 2}")))))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        var protectedRequests = server.Received.Where(r => r.Path == "/protected").ToList();
        Assert.Equal(["{\"q\": 1}", "{\"q\": 2}", "{\"q\": 2}"], protectedRequests.Select(r => r.Body));
        Assert.Equal(
            ["Bearer stand-in-token-0001", "Bearer stand-in-token-0001", "Bearer stand-in-token-0002"],
            protectedRequests.Select(r => r.Authorization));
        Assert.Equal(2, server.Account.IssuedCount);
    }

    [Fact]
    public async Task A_401_is_retried_once_only_and_never_for_an_access_token()
    {
        using var server = new CartoServer();
        server.Account.ClientSecret = Secret;
        server.Answer = request => request.Path == "/protected" ? Answer.Json(401, "{}") : server.Account.Answer(request);
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));

        using (var client = ClientFor(CloudCredentials.FromClientCredentials(server.Account.ClientId, Secret, server.Url)))
        using (var response = await client.GetAsync("protected"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(2, server.Received.Count(r => r.Path == "/protected"));

        using (var client = ClientFor(CloudCredentials.FromToken("access-token-0003", server.Url)))
        using (var response = await client.GetAsync("protected"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(3, server.Received.Count(r => r.Path == "/protected"));
    }

    [Fact]
    public void The_synchronous_send_replaces_a_refused_exchanged_token_once_too()
    {
        using var server = new CartoServer();
        server.Account.ClientSecret = Secret;
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));
        using var client = ClientFor(CloudCredentials.FromClientCredentials(server.Account.ClientId, Secret, server.Url));

        using (var first = client.Send(new HttpRequestMessage(HttpMethod.Get, "protected")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        server.Account.RevokeTokens();
        using (var second = client.Send(new HttpRequestMessage(HttpMethod.Post, "protected") { Content = new StringContent("{\"q\": 3}") }))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        var protectedRequests = server.Received.Where(r => r.Path == "/protected").ToList();
        Assert.Equal(["", "{\"q\": 3}", "{\"q\": 3}"], protectedRequests.Select(r => r.Body));
        Assert.Equal(
            ["Bearer stand-in-token-0001", "Bearer stand-in-token-0001", "Bearer stand-in-token-0002"],
            protectedRequests.Select(r => r.Authorization));
    }

    [Fact]
    public void The_synchronous_send_authenticates_too()
    {
        using var box = new Sandbox();
        using var server = new CartoServer();
        using var client = ClientFor(Legacy(server.Url, "secret-key-0004"));

        using var response = client.Send(new HttpRequestMessage(HttpMethod.Get, "echo"));

        Assert.Equal("?api_key=secret-key-0004", Assert.Single(server.Received).Query);
    }

    [Fact]
    public async Task VerifyAsync_names_the_account_for_both_platforms()
    {
        using var server = new CartoServer();
        using var box = new Sandbox(("CARTO_ACCOUNTS_URL", server.Url), ("CARTO_AUTH_URL", server.Url));

        var legacy = await Legacy(server.Url, server.Account.ApiKey).VerifyAsync();
        Assert.Equal(new CartoIdentity("alice", server.Account.LegacyUserId, null, null), legacy);

        var cloud = await CloudCredentials.FromClientCredentials(server.Account.ClientId, server.Account.ClientSecret).VerifyAsync();
        Assert.Equal(new CartoIdentity(null, server.Account.UserId, server.Account.Email, server.Account.TenantDomain), cloud);

        using var own = new HttpClient();
        Assert.Equal(legacy, await Legacy(server.Url, server.Account.ApiKey).VerifyAsync(own));
    }

    public static TheoryData<int, string, CartoVerificationFailure> Failures => new()
    {
        { 401, "{}", CartoVerificationFailure.Rejected },
        { 403, "{}", CartoVerificationFailure.Rejected },
        { 404, "{}", CartoVerificationFailure.NotFound },
        { 429, "{}", CartoVerificationFailure.RateLimited },
        { 502, "<html>bad gateway</html>", CartoVerificationFailure.UnexpectedAnswer },
        { 200, "<html>sign in</html>", CartoVerificationFailure.UnexpectedAnswer },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failed_verification_is_CartoVerificationException_without_the_key(int status, string body, CartoVerificationFailure failure)
    {
        using var server = new CartoServer(_ => Answer.Json(status, body).WithHeader("Retry-After", "12"));
        using var box = new Sandbox(("CARTO_ACCOUNTS_URL", server.Url));
        const string key = "secret-key-verify-0005";
        const string token = "access-token-verify-0005";

        var legacy = await Assert.ThrowsAsync<CartoVerificationException>(() => Legacy(server.Url, key).VerifyAsync());
        var cloud = await Assert.ThrowsAsync<CartoVerificationException>(() => CloudCredentials.FromToken(token, server.Url).VerifyAsync());

        foreach (var error in new[] { legacy, cloud })
        {
            Assert.Equal(failure, error.Failure);
            Assert.Equal(status, error.StatusCode);
            Assert.Equal(failure == CartoVerificationFailure.RateLimited ? TimeSpan.FromSeconds(12) : null, error.RetryAfter);
            Assert.DoesNotContain(key, error.ToString());
            Assert.DoesNotContain(token, error.ToString());
            Assert.DoesNotContain(key, error.Url);
        }

        Assert.Equal(server.Url + "/api/v3/me", legacy.Url);
        Assert.Equal(server.Url + "/users/me", cloud.Url);
    }

    [Fact]
    public async Task An_unreachable_service_and_a_cancelled_call_are_told_apart()
    {
        using var box = new Sandbox();
        var closed = CartoServer.ClosedUrl();

        var error = await Assert.ThrowsAsync<CartoVerificationException>(() => Legacy(closed, "secret-key-0006").VerifyAsync());
        Assert.Equal(CartoVerificationFailure.Unreachable, error.Failure);
        Assert.Null(error.StatusCode);

        using var stalled = new CartoServer(_ => Answer.Json(200, "{}").After(TimeSpan.FromSeconds(5)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Legacy(stalled.Url, "secret-key-0006").VerifyAsync(cancel.Token));
    }

    [Fact]
    public async Task A_timeout_option_bounds_verification_and_the_token_exchange()
    {
        using var stalled = new CartoServer(_ => Answer.Json(200, "{}").After(TimeSpan.FromSeconds(5)));
        using var box = new Sandbox(("CARTO_ACCOUNTS_URL", stalled.Url), ("CARTO_AUTH_URL", stalled.Url));
        var half = TimeSpan.FromMilliseconds(500);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var legacy = await Assert.ThrowsAsync<CartoVerificationException>(() => Legacy(stalled.Url, "secret-key-0010").VerifyAsync(half));
        Assert.Equal(CartoVerificationFailure.Unreachable, legacy.Failure);
        Assert.Contains("no answer within 0.5 s", legacy.Message);

        var token = CloudCredentials.FromToken("access-token-0010", stalled.Url).WithTransport(timeout: half);
        Assert.Equal(half, token.Timeout);
        var verified = await Assert.ThrowsAsync<CartoVerificationException>(() => token.VerifyAsync());
        Assert.Equal(CartoVerificationFailure.Unreachable, verified.Failure);

        var client = CloudCredentials.FromClientCredentials("m2m-client", "secret-0010").WithTransport(timeout: half);
        var exchange = await Assert.ThrowsAsync<CartoTokenException>(async () => await client.GetAccessTokenAsync());
        Assert.Contains("0.5", exchange.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed}");

        Assert.Equal(TimeSpan.FromSeconds(10), CloudCredentials.FromToken("access-token-0010").Timeout);
        Assert.Throws<ArgumentOutOfRangeException>(() => token.WithTransport(timeout: TimeSpan.Zero));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Legacy(stalled.Url, "secret-key-0010").VerifyAsync(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void An_invalid_accounts_url_is_reported_when_verifying_naming_the_variable()
    {
        using var box = new Sandbox(("CARTO_ACCOUNTS_URL", "ftp://accounts.example"));
        var cloud = CloudCredentials.FromToken("access-token-0007");
        var error = Assert.Throws<InvalidOperationException>(() => cloud.VerifyAsync().GetAwaiter().GetResult());
        Assert.StartsWith("variable CARTO_ACCOUNTS_URL:", error.Message);
    }

    [Fact]
    public void The_failure_kinds_are_the_cores_in_the_same_order()
    {
        var core = new[] { CoreFailure.Rejected, CoreFailure.NotFound, CoreFailure.RateLimited, CoreFailure.UnexpectedAnswer, CoreFailure.Unreachable };
        Assert.Equal(Enum.GetValues<CartoVerificationFailure>(), core.Select(f => (CartoVerificationFailure)f.Tag));
    }

    [Fact]
    public async Task GetCartoDwCredentialsAsync_reads_the_project_and_token_with_either_kind_of_credentials()
    {
        using var server = new CartoServer();
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));

        var exchanged = await CloudCredentials.FromClientCredentials(server.Account.ClientId, server.Account.ClientSecret, server.Url).GetCartoDwCredentialsAsync();
        Assert.Equal(new CartoDwCredentials(server.Account.DwProject, server.Account.DwToken, null), exchanged);
        Assert.DoesNotContain(server.Account.DwToken, exchanged.ToString());
        Assert.Contains(server.Account.DwProject, exchanged.ToString());

        server.Account.AcceptToken("access-token-dw-0001");
        var given = await CloudCredentials.FromToken("access-token-dw-0001", server.Url).GetCartoDwCredentialsAsync();
        Assert.Equal(exchanged, given);

        var asked = server.Received.Where(r => r.Path == "/v3/connections/carto-dw/token").ToList();
        Assert.Equal(2, asked.Count);
        Assert.Equal("Bearer access-token-dw-0001", asked[1].Authorization);
    }

    public static TheoryData<int, string, CartoVerificationFailure, string> DwFailures => new()
    {
        { 401, "{}", CartoVerificationFailure.Rejected, "CARTO rejected the credentials (HTTP 401)" },
        { 404, "{}", CartoVerificationFailure.NotFound, "CARTO found no CARTO Data Warehouse (HTTP 404)" },
        { 200, "{\"token\": \"ya29.dw-secret-0002\"}", CartoVerificationFailure.UnexpectedAnswer, "an answer without projectId" },
        { 200, "{\"projectId\": \"p\"}", CartoVerificationFailure.UnexpectedAnswer, "an answer without token" },
        { 302, "", CartoVerificationFailure.UnexpectedAnswer, "a redirect to https://elsewhere.example, which is not followed" },
    };

    [Theory]
    [MemberData(nameof(DwFailures))]
    public async Task A_failed_CARTO_DW_request_is_CartoVerificationException_naming_what_failed_without_a_secret(
        int status, string body, CartoVerificationFailure failure, string said)
    {
        using var server = new CartoServer(_ => Answer.Json(status, body).WithHeader("Location", "https://elsewhere.example/dw"));
        using var box = new Sandbox();
        const string token = "access-token-dw-0002";

        var error = await Assert.ThrowsAsync<CartoVerificationException>(() => CloudCredentials.FromToken(token, server.Url).GetCartoDwCredentialsAsync());
        Assert.Equal(failure, error.Failure);
        Assert.Equal(server.Url + "/v3/connections/carto-dw/token", error.Url);
        Assert.Contains(said, error.Message);
        Assert.DoesNotContain(token, error.ToString());
        Assert.DoesNotContain("dw-secret", error.ToString());
        Assert.Single(server.Received);
    }

    [Fact]
    public async Task A_CARTO_DW_request_with_no_server_is_unreachable_and_a_bad_auth_url_names_the_variable()
    {
        using (new Sandbox())
        {
            var closed = CartoServer.ClosedUrl();
            var error = await Assert.ThrowsAsync<CartoVerificationException>(() => CloudCredentials.FromToken("access-token-dw-0003", closed).GetCartoDwCredentialsAsync());
            Assert.Equal(CartoVerificationFailure.Unreachable, error.Failure);
        }

        using (new Sandbox(("CARTO_AUTH_URL", "ftp://auth.example")))
        {
            var m2m = CloudCredentials.FromClientCredentials("m2m-client", "secret-dw-0003");
            var setting = await Assert.ThrowsAsync<InvalidOperationException>(() => m2m.GetCartoDwCredentialsAsync());
            Assert.StartsWith("variable CARTO_AUTH_URL:", setting.Message);
            Assert.DoesNotContain("secret-dw-0003", setting.Message);
        }
    }
}
