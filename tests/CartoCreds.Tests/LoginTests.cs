using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using CartoCreds.Testing;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §7.5 from C#: <c>CloudCredentials.LoginAsync</c> against a real authorization server on
/// 127.0.0.1 (the stand-in's <c>/authorize</c>, <c>/oauth/token</c> that checks the verifier against
/// the challenge, <c>/accounts</c>, <c>/config.yaml</c> and <c>/users/me</c>), with a "browser" that
/// follows the redirects with an HTTP client. Every wait is bounded.
/// </summary>
public sealed class LoginTests
{
    /// <summary>A browser: follows the authorize URL's redirects to the login's callback, at most 5, within 10 s.</summary>
    private static async Task Follow(Uri url, CancellationToken cancel)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, MaxAutomaticRedirections = 5 })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        using var _ = await http.GetAsync(url, cancel);
    }

    private static Sandbox Box(CartoServer server) =>
        new(("CARTO_AUTH_URL", server.Url), ("CARTO_ACCOUNTS_URL", server.Url));

    private static CloudLoginOptions Options(Func<Uri, CancellationToken, Task> browser, string? profile = null) => new()
    {
        Port = CartoServer.FreePort(),
        Timeout = TimeSpan.FromSeconds(20),
        OpenBrowser = browser,
        Profile = profile,
    };

    [Fact]
    public async Task A_login_saves_the_token_as_a_profile_with_the_CARTO_CLI_keys_and_keeps_the_others()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        var path = box.Path(".carto_credentials.json");
        box.Write(path, "{\"current_profile\": \"prod\", \"theme\": \"dark\", \"profiles\": {\"prod\": {\"token\": \"prod-token-0123456789\", \"tenant_id\": \"gcp-us-east1\"}}}");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Uri? shown = null;
        var options = Options((url, cancel) => { shown = url; return Follow(url, cancel); }, profile: "stand-in");
        var creds = await CloudCredentials.LoginAsync(options);

        // The URL asked for a code with PKCE, for carto-auth's client and the login's own redirect.
        var query = System.Web.HttpUtility.ParseQueryString(shown!.Query);
        Assert.Equal("0dxb8HR3ATXCxJiPOJVHsLoHoAtbRX6u", query["client_id"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Equal("carto-cloud-native-api", query["audience"]);
        Assert.Equal($"http://localhost:{options.Port}/callback/", query["redirect_uri"]);
        Assert.Equal(43, query["code_challenge"]!.Length);
        Assert.True(query["state"]!.Length >= 22);

        // The API base URL is the tenant's config.yaml's; the origin is the profile saved.
        Assert.Equal(server.Url, creds.ApiBaseUrl);
        Assert.Equal(CredentialsLayer.SavedSession, creds.Origin.Layer);
        Assert.Equal("stand-in", creds.Origin.Profile);
        Assert.True(creds.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(50));

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        Assert.Equal("prod", root.GetProperty("current_profile").GetString());
        Assert.Equal("dark", root.GetProperty("theme").GetString());
        Assert.Equal("prod-token-0123456789", root.GetProperty("profiles").GetProperty("prod").GetProperty("token").GetString());
        var saved = root.GetProperty("profiles").GetProperty("stand-in");
        Assert.Equal((await creds.GetAccessTokenAsync()).Value, saved.GetProperty("token").GetString());
        Assert.Equal(server.Url, saved.GetProperty("api_base_url").GetString());
        Assert.Equal(server.Account.TenantDomain, saved.GetProperty("tenant_domain").GetString());
        Assert.Equal(server.Account.Email, saved.GetProperty("user_email").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", saved.GetProperty("expires_at").GetString());

        // What the CARTO CLI reads, the library reads: the profile resolves and verifies.
        var again = new CloudCredentials(profile: "stand-in");
        Assert.Equal(server.Account.Email, (await again.VerifyAsync()).Email);

        // The listener is up no longer than the login.
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, options.Port));
    }

    [Fact]
    public async Task An_answer_with_another_state_is_refused_and_nothing_is_saved()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        server.Account.LoginState = "forged-state-0000000000";

        var error = await Assert.ThrowsAsync<CartoLoginException>(() => CloudCredentials.LoginAsync(Options(Follow)));
        Assert.Contains("not this login's (its state differs)", error.Message);
        Assert.EndsWith("nothing was saved.", error.Message);
        Assert.False(File.Exists(box.Path(".carto_credentials.json")));
        Assert.DoesNotContain(server.Received, r => r.Path == "/oauth/token");
    }

    [Fact]
    public async Task A_refusal_is_said_terminal_safe_with_its_error()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        server.Account.LoginError = "access_denied\u001B]0;owned\u0007";

        var error = await Assert.ThrowsAsync<CartoLoginException>(() => CloudCredentials.LoginAsync(Options(Follow)));
        Assert.StartsWith("The login was refused: access_denied\\u001B]0;owned\\u0007 (The user said no)", error.Message);
        Assert.DoesNotContain("\u001B", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(box.Path(".carto_credentials.json")));
    }

    [Fact]
    public async Task A_verifier_that_is_not_the_challenges_is_refused_by_the_server()
    {
        using var server = new CartoServer();
        using var box = Box(server);

        // A browser that swaps the challenge: the code the server issues is bound to another one.
        Task Tampering(Uri url, CancellationToken cancel)
        {
            var query = System.Web.HttpUtility.ParseQueryString(url.Query);
            query["code_challenge"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
            return Follow(new UriBuilder(url) { Query = query.ToString() }.Uri, cancel);
        }

        var error = await Assert.ThrowsAsync<CartoTokenException>(() => CloudCredentials.LoginAsync(Options(Tampering)));
        Assert.Equal(403, error.StatusCode);
        Assert.Equal("invalid_grant", error.Error);
        Assert.False(File.Exists(box.Path(".carto_credentials.json")));
    }

    [Fact]
    public async Task No_callback_times_out_within_its_bound_and_cancellation_cancels()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        var options = Options((_, _) => Task.CompletedTask);
        options.Timeout = TimeSpan.FromSeconds(1);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TimeoutException>(() => CloudCredentials.LoginAsync(options));
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        Assert.StartsWith("No answer came from the browser within 1 s", error.Message);

        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var cancelled = Options((_, _) => Task.CompletedTask);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CloudCredentials.LoginAsync(cancelled, cancel.Token));
        Assert.False(File.Exists(box.Path(".carto_credentials.json")));
    }

    [Fact]
    public async Task A_port_in_use_is_an_error_that_names_it()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var options = Options(Follow);
            options.Port = port;
            var error = await Assert.ThrowsAsync<IOException>(() => CloudCredentials.LoginAsync(options));
            Assert.Equal($"Port {port} is in use (another login, or another program); log in on another with --port N (C#: CloudLoginOptions.Port).", error.Message);
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task Stray_requests_to_the_listener_get_404_and_the_login_goes_on()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        var statuses = new List<HttpStatusCode>();

        async Task Wandering(Uri url, CancellationToken cancel)
        {
            var redirect = new Uri(System.Web.HttpUtility.ParseQueryString(url.Query)["redirect_uri"]!);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            foreach (var stray in new[] { "/favicon.ico", "/callback/", "/" })
            {
                using var response = await http.GetAsync(new Uri(redirect, stray), cancel);
                statuses.Add(response.StatusCode);
            }

            await Follow(url, cancel);
        }

        var creds = await CloudCredentials.LoginAsync(Options(Wandering, profile: "wanderer"));
        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.NotFound], statuses);
        Assert.Equal("wanderer", creds.Origin.Profile);
    }

    [Fact]
    public async Task Without_saving_the_credentials_are_only_returned()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        var options = Options(Follow);
        options.Save = false;
        options.ApiBaseUrl = "https://gcp-europe-west1.api.carto.com";

        var creds = await CloudCredentials.LoginAsync(options);
        Assert.Equal("https://gcp-europe-west1.api.carto.com", creds.ApiBaseUrl);
        Assert.Equal(CredentialsLayer.Explicit, creds.Origin.Layer);
        Assert.False(File.Exists(box.Path(".carto_credentials.json")));
        Assert.DoesNotContain(server.Received, r => r.Path == "/config.yaml");
    }

    /// <summary>The person on another device: opens the authorize URL (no redirect followed) and reads where CARTO sends them.</summary>
    private static async Task<Uri> Landing(Uri url, CancellationToken cancel)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var answer = await http.GetAsync(url, cancel);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        return answer.Headers.Location!;
    }

    [Fact]
    public async Task With_ReadCode_the_person_pastes_the_code_or_the_URL_and_no_listener_is_started()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        var opened = new List<Uri>();

        foreach (var whole in new[] { false, true })
        {
            Uri? landed = null;
            var options = new CloudLoginOptions
            {
                Port = 1, // not used: nothing listens
                Timeout = TimeSpan.FromSeconds(20),
                Profile = whole ? "pasted-url" : "pasted-code",
                OpenBrowser = (url, _) => { opened.Add(url); return Task.CompletedTask; },
                ReadCode = async (url, cancel) =>
                {
                    landed = await Landing(url, cancel);
                    return whole ? landed.AbsoluteUri : System.Web.HttpUtility.ParseQueryString(landed.Query)["code"];
                },
            };

            var creds = await CloudCredentials.LoginAsync(options);
            Assert.Equal("https://app.carto.com/auth/token", landed!.GetLeftPart(UriPartial.Path));
            Assert.Equal(whole ? "pasted-url" : "pasted-code", creds.Origin.Profile);
            Assert.Equal(server.Account.Email, (await creds.VerifyAsync()).Email);
        }

        // The URL shown named CARTO's code page as the redirect, and the token request sent it again.
        Assert.All(opened, url => Assert.Equal("https://app.carto.com/auth/token", System.Web.HttpUtility.ParseQueryString(url.Query)["redirect_uri"]));
        var exchanges = server.Received.Where(r => r.Path == "/oauth/token").ToList();
        Assert.Equal(2, exchanges.Count);
        Assert.All(exchanges, r => Assert.Contains("redirect_uri=https%3A%2F%2Fapp.carto.com%2Fauth%2Ftoken", r.Body));
    }

    [Fact]
    public async Task A_pasted_URL_of_another_login_a_null_code_and_no_code_in_time_save_nothing()
    {
        using var server = new CartoServer();
        using var box = Box(server);
        CloudLoginOptions Pasting(Func<Uri, CancellationToken, Task<string?>> read, double seconds = 20) => new()
        {
            Timeout = TimeSpan.FromSeconds(seconds),
            OpenBrowser = (_, _) => Task.CompletedTask,
            ReadCode = read,
        };

        var forged = await Assert.ThrowsAsync<CartoLoginException>(() => CloudCredentials.LoginAsync(Pasting(async (url, cancel) =>
        {
            var landed = await Landing(url, cancel);
            return landed.AbsoluteUri.Replace("state=", "state=x", StringComparison.Ordinal);
        })));
        Assert.Contains("its state differs", forged.Message);

        var garbage = await Assert.ThrowsAsync<CartoLoginException>(() => CloudCredentials.LoginAsync(Pasting((_, _) => Task.FromResult<string?>("two words"))));
        Assert.Equal("The code could not be read: a code holds no space nor control character; nothing was saved.", garbage.Message);

        await Assert.ThrowsAsync<OperationCanceledException>(() => CloudCredentials.LoginAsync(Pasting((_, _) => Task.FromResult<string?>(null))));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var late = await Assert.ThrowsAsync<TimeoutException>(() => CloudCredentials.LoginAsync(Pasting((_, _) => new TaskCompletionSource<string?>().Task, 1)));
        Assert.Equal("No code was entered within 1 s; log in again (--timeout S gives more time); nothing was saved.", late.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 15);

        Assert.False(File.Exists(box.Path(".carto_credentials.json")));
        Assert.DoesNotContain(server.Received, r => r.Path == "/oauth/token");
    }
}
