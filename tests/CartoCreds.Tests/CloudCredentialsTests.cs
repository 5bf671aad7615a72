using CartoCreds.Testing;

namespace CartoCreds.Tests;

/// <summary>SPEC §5.2 and §7: CARTO 3 credentials from C#, resolved, saved, and exchanged against a real server on 127.0.0.1.</summary>
public sealed class CloudCredentialsTests
{
    private const string Token = "eyTokenTokenTokenToken0001";
    private const string Secret = "s3cr3t-s3cr3t-s3cr3t-0002";

    [Fact]
    public async Task A_token_from_the_environment_resolves_with_the_default_region_and_is_masked()
    {
        using var box = new Sandbox(("CARTO_API_TOKEN", Token));
        var cloud = new CloudCredentials();
        Assert.Equal(CloudCredentialsKind.AccessToken, cloud.Kind);
        Assert.Equal(CloudCredentials.DefaultApiBaseUrl, cloud.ApiBaseUrl);
        Assert.Null(cloud.ClientId);
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.Environment, "CARTO_API_TOKEN"), cloud.Origin);
        Assert.Equal("CloudCredentials(token=****0001, api_base_url=https://gcp-us-east1.api.carto.com)", cloud.ToString());
        var pending = cloud.GetAccessTokenAsync();
        Assert.True(pending.IsCompletedSuccessfully); // an access token needs no await
        var token = await pending;
        Assert.Equal(Token, token.Value);
        Assert.Equal("CartoAccessToken(****0001)", token.ToString());
    }

    [Fact]
    public void Each_resolution_error_is_the_exception_of_SPEC_5()
    {
        using var box = new Sandbox();
        var none = Assert.Throws<CredentialsNotFoundException>(() => new CloudCredentials());
        Assert.StartsWith("No CARTO 3 credentials found. Looked in, highest precedence first:", none.Message);

        var half = Assert.Throws<ArgumentException>(() => new CloudCredentials(clientId: "client"));
        Assert.Equal("Invalid CARTO 3 credentials in Arguments (client_id): a client id is given without its client secret.", half.Message);

        using (box.With(("CARTO_API_TOKEN", Token), ("CARTO_CLIENT_ID", "client")))
        {
            Assert.Throws<InvalidOperationException>(() => new CloudCredentials());
        }

        Assert.Throws<FileNotFoundException>(() => new CloudCredentials(credFile: box.Path("none.json")));
        var bad = Assert.Throws<ArgumentException>(() => CloudCredentials.FromToken(Token + " " + Token));
        Assert.DoesNotContain(Token, bad.Message);
    }

    [Fact]
    public async Task Explicit_credentials_never_throw_for_the_environment_and_an_invalid_auth_url_is_the_tokens_error()
    {
        using var box = new Sandbox(("CARTO_AUTH_URL", "https://auth.carto.com/oauth/token"));
        var cloud = CloudCredentials.FromClientCredentials("m2m-client", Secret);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => cloud.GetAccessTokenAsync().AsTask());
        Assert.StartsWith("variable CARTO_AUTH_URL: it names the token endpoint (…/oauth/token)", error.Message);

        // Resolved, the same variable is the Environment layer's problem, named as the layer's location.
        using (box.With(("CARTO_AUTH_URL", "https://auth.carto.com/oauth/token"), ("CARTO_CLIENT_ID", "m2m-client"), ("CARTO_CLIENT_SECRET", Secret)))
        {
            var resolved = Assert.Throws<InvalidOperationException>(() => new CloudCredentials());
            Assert.StartsWith("Invalid CARTO 3 credentials in Environment (CARTO_AUTH_URL): it names the token endpoint", resolved.Message);
            Assert.DoesNotContain(Secret, resolved.Message);
        }
    }

    [Fact]
    public void A_token_saved_as_a_CARTO_CLI_profile_is_the_saved_session_until_deleted()
    {
        using var box = new Sandbox();
        var path = CloudCredentials.FromToken(Token, "https://gcp-europe-west1.api.carto.com").Save(profile: "eu");
        Assert.Equal(box.Path(".carto_credentials.json"), path);

        var saved = new CloudCredentials();
        Assert.Equal("https://gcp-europe-west1.api.carto.com", saved.ApiBaseUrl);
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.SavedSession, path) { Profile = "eu" }, saved.Origin);
        Assert.Equal(CloudCredentials.FromToken(Token, "https://gcp-europe-west1.api.carto.com"), saved);

        Assert.True(CloudCredentials.DeleteProfile("eu"));
        Assert.False(CloudCredentials.DeleteProfile("eu"));
        Assert.Throws<CredentialsNotFoundException>(() => new CloudCredentials());
        Assert.Throws<InvalidOperationException>(() => CloudCredentials.FromClientCredentials("client", Secret).Save());
    }

    [Fact]
    public void Save_over_a_CARTO_CLI_file_with_a_repeated_key_keeps_the_last_one_and_throws_nothing()
    {
        using var box = new Sandbox();
        var path = box.Path(".carto_credentials.json");
        File.WriteAllText(path, """{"current_profile": "a", "profiles": {"prod": {"token": "eyFirstFirstFirst1"}, "prod": {"token": "eyLastLastLastLast1"}}, "current_profile": "prod"}""");
        Assert.Equal(path, CloudCredentials.FromToken(Token).Save(profile: "eu"));
        var saved = new CloudCredentials();
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.SavedSession, path) { Profile = "prod" }, saved.Origin);
        Assert.Equal(CloudCredentials.FromToken("eyLastLastLastLast1"), saved);
    }

    [Fact]
    public void Save_refuses_a_CARTO_CLI_file_others_can_write_with_the_exception_a_read_throws()
    {
        if (OperatingSystem.IsWindows()) return; // Unix modes
        using var box = new Sandbox();
        var path = box.Path(".carto_credentials.json");
        File.WriteAllText(path, """{"current_profile": "prod", "profiles": {"prod": {"token": "eyPlantedPlanted01"}}}""");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        var read = Assert.Throws<IOException>(() => new CloudCredentials());
        var save = Assert.Throws<IOException>(() => CloudCredentials.FromToken(Token).Save(profile: "mine"));
        Assert.Contains(path + " is writable by other users (mode 0666)", read.Message);
        Assert.StartsWith(path + " is writable by other users (mode 0666)", save.Message);
        Assert.DoesNotContain("mine", File.ReadAllText(path));
    }

    /// <summary>A token server on 127.0.0.1 that answers every request with <paramref name="status"/> and <paramref name="body"/>.</summary>
    [Fact]
    public async Task Client_credentials_are_exchanged_once_and_the_token_reused()
    {
        using var server = new CartoServer();
        server.Account.ClientSecret = Secret;
        using var box = new Sandbox(("CARTO_CLIENT_ID", "m2m-client"), ("CARTO_CLIENT_SECRET", Secret), ("CARTO_AUTH_URL", server.Url));
        var cloud = new CloudCredentials();
        Assert.Equal(CloudCredentialsKind.ClientCredentials, cloud.Kind);
        Assert.Equal("m2m-client", cloud.ClientId);
        Assert.Equal("stand-in-token-0001", (await cloud.GetAccessTokenAsync()).Value);
        Assert.Equal("stand-in-token-0001", (await cloud.GetAccessTokenAsync()).Value);
        Assert.Equal(1, server.Count);
    }

    [Fact]
    public async Task A_refused_exchange_is_CartoTokenException_with_the_servers_answer_and_no_secret()
    {
        using var server = new CartoServer();      // knows another secret: refuses this one
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));
        var cloud = CloudCredentials.FromClientCredentials("m2m-client", Secret);
        var error = await Assert.ThrowsAsync<CartoTokenException>(async () => await cloud.GetAccessTokenAsync());
        Assert.Equal(401, error.StatusCode);
        Assert.Equal("access_denied", error.Error);
        Assert.Equal("the token server refused the client credentials (HTTP 401: access_denied: Unauthorized)", error.Message);
        Assert.DoesNotContain(Secret, error.ToString());
    }

    /// <summary>A JWT whose payload says <c>exp</c>.</summary>
    private static string Jwt(DateTimeOffset exp)
    {
        var payload = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{{\"exp\":{exp.ToUnixTimeSeconds()}}}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return "eyJhbGciOiJub25lIn0." + payload + ".c2ln";
    }

    [Fact]
    public async Task An_expired_access_token_is_never_handed_out_by_the_clock_handed_in()
    {
        using var box = new Sandbox();
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(now);
        var cloud = CloudCredentials.FromToken(Jwt(now.AddMinutes(30))).WithTransport(timeProvider: clock);
        var token = await cloud.GetAccessTokenAsync();
        Assert.Equal(now.AddMinutes(30), token.ExpiresOn);
        clock.Advance(TimeSpan.FromMinutes(31));
        var error = await Assert.ThrowsAsync<CartoTokenException>(async () => await cloud.GetAccessTokenAsync());
        Assert.Equal("the access token expired at 2026-11-27 12:30:00 UTC; get a new one (log in again, or create another API access token)", error.Message);
        Assert.Null(error.StatusCode);
        // A request to its own origin is not sent with it either.
        using var request = new HttpRequestMessage(HttpMethod.Get, cloud.BaseAddress);
        await Assert.ThrowsAsync<CartoTokenException>(async () => await cloud.AuthenticateAsync(request));
        Assert.Null(request.Headers.Authorization);
    }

    /// <summary>Counts what it passes on to a real handler: the requests still go to the loopback server.</summary>
    private sealed class Counting() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false })
    {
        public int Count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Count);
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task The_exchange_goes_through_the_client_handed_in_and_is_replaced_by_the_clock_handed_in()
    {
        using var server = new CartoServer();
        server.Account.ClientSecret = Secret;
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url));
        var counting = new Counting();
        using var http = new HttpClient(counting);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var cloud = CloudCredentials.FromClientCredentials("m2m-client", Secret).WithTransport(http, clock);
        var first = await cloud.GetAccessTokenAsync();
        Assert.Equal("stand-in-token-0001", first.Value);
        Assert.Equal(first.ExpiresOn - TimeSpan.FromMinutes(5), first.RefreshOn);
        Assert.Equal(1, counting.Count);
        clock.Advance(TimeSpan.FromMinutes(56)); // due
        Assert.Equal("stand-in-token-0002", (await cloud.GetAccessTokenAsync()).Value);
        Assert.Equal(2, counting.Count);
        Assert.Equal(2, server.Count);
    }
}
