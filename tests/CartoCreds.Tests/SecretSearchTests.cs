using System.Collections.Concurrent;
using CartoCreds.Testing;
using Microsoft.Extensions.Logging;

namespace CartoCreds.Tests;

/// <summary>
/// Every entry point of the facade, used with known secrets (an API key, an access token, a client
/// secret, a CARTO Data Warehouse token) against the loopback stand-in, with a logger that keeps
/// every record: no secret, nor any 8-character slice of one, is in any text the facade gives
/// (<c>ToString</c>, an exception and its inner ones, a log record) but the getters that are asked
/// for it (<c>Key()</c>, <c>GetAccessTokenAsync().Value</c>, <c>Token</c>).
/// </summary>
public sealed class SecretSearchTests
{
    private const string ApiKey = "k7Qm2Zx9Lp4Vw8Rt1Ys6Hd";
    private const string AccessToken = "t3Hn8Bq5Jc2Xv9Ke4Wm7Pd";
    private const string ClientSecret = "s9Gf4Nr7Ta2Lx6Qe1Zu8Yb";
    private const string DwToken = "d5Wp8Cv3Mk9Hs2Jr7Fn4Xa";
    private static readonly string[] Secrets = [ApiKey, AccessToken, ClientSecret, DwToken];

    private readonly List<string> _texts = [];
    private readonly ConcurrentQueue<string> _logs = new();

    private void Said(object? value) => _texts.Add(value?.ToString() ?? "");

    private async Task Fails(Func<Task> act)
    {
        var error = await Record.ExceptionAsync(act);
        Assert.NotNull(error);
        _texts.Add(error.ToString());
    }

    private void Fails(Action act)
    {
        var error = Record.Exception(act);
        Assert.NotNull(error);
        _texts.Add(error.ToString());
    }

    [Fact]
    public async Task No_text_the_facade_gives_holds_a_secret_or_8_characters_of_one()
    {
        using var server = new CartoServer();
        server.Account.ApiKey = ApiKey;
        server.Account.ClientSecret = ClientSecret;
        server.Account.DwToken = DwToken;
        server.Account.AcceptToken(AccessToken);
        using var box = new Sandbox(("CARTO_AUTH_URL", server.Url), ("CARTO_ACCOUNTS_URL", server.Url));
        var logger = new Capture(_logs);

        // Legacy: every layer, the getters and setters, verification, the saved session.
        var legacy = new Credentials("alice", ApiKey, server.Url, allowNonSecure: true, logger: logger);
        Assert.Equal(ApiKey, legacy.Key());
        Said(legacy);
        Said(legacy.Origin);
        Said(await legacy.VerifyAsync());
        Said(legacy.Save());
        Said(new Credentials(logger: logger));
        Said(Credentials.FromFile());
        Said(new Credentials(legacy));
        DefaultCredentials.Set(legacy);
        Said(DefaultCredentials.Get());
        Said(CredentialScope.Resolve(null, legacy));
        DefaultCredentials.Unset();
        Fails(() => CredentialScope.Resolve(null, null));

        // A request to another origin goes without the key, and says nothing of it.
        using (var elsewhere = new HttpRequestMessage(HttpMethod.Get, "https://elsewhere.example/api/v2/sql?q=1"))
        {
            await legacy.AuthenticateAsync(elsewhere);
            Said(elsewhere);
        }

        // The handler's requests: the key goes to the stand-in alone (the server's echo is not the facade's text).
        using (var carto = new HttpClient(new CartoAuthenticationHandler(legacy, new SocketsHttpHandler())) { BaseAddress = legacy.BaseAddress })
        {
            Assert.Contains(ApiKey, await carto.GetStringAsync("api/v2/echo"));
        }
        using (box.With(("CARTO_API_KEY", ApiKey), ("CARTO_USERNAME", "alice")))
        {
            Said(new Credentials(logger: logger));
        }

        using (box.With(("CARTO_API_KEY", ApiKey + "\u0007"), ("CARTO_USERNAME", "alice")))
        {
            Fails(() => new Credentials(logger: logger));
        }

        Fails(() => new Credentials("alice", ApiKey + "\u0007", logger: logger));
        Fails(() => legacy.Key(ApiKey + " \u0007"));
        Fails(() => new Credentials(apiKey: ApiKey, logger: logger));
        var bad = box.Path("bad.json");
        box.Write(bad, "{\"api_key\": \"" + ApiKey + "\", \"base_url\": 7}");
        Fails(() => new Credentials(credFile: bad, logger: logger));
        await Fails(() => new Credentials("alice", ApiKey, CartoServer.ClosedUrl(), allowNonSecure: true).VerifyAsync());
        await Fails(() => new Credentials("alice", ApiKey.Substring(0, 12) + "Xq0", server.Url, allowNonSecure: true).VerifyAsync());
        Assert.True(legacy.Delete());
        Fails(() => new Credentials(logger: logger));

        // CARTO 3: an access token, client credentials, the CARTO Data Warehouse, profiles, a login.
        var token = CloudCredentials.FromToken(AccessToken, server.Url).WithLogger(logger);
        Said(token);
        Said(await token.GetAccessTokenAsync());
        Assert.Equal(AccessToken, (await token.GetAccessTokenAsync()).Value);
        Said(await token.VerifyAsync());
        var dw = await token.GetCartoDwCredentialsAsync();
        Assert.Equal(DwToken, dw.Token);
        Said(dw);
        Said(token.Save("saved"));
        Said(new CloudCredentials(profile: "saved", logger: logger));
        foreach (var profile in CloudProfiles.List())
        {
            Said(profile);
        }

        using (var elsewhere = new HttpRequestMessage(HttpMethod.Get, "https://elsewhere.example/v3/sql"))
        {
            await token.AuthenticateAsync(elsewhere);
            Said(elsewhere);
        }

        var client = CloudCredentials.FromClientCredentials(server.Account.ClientId, ClientSecret, server.Url).WithLogger(logger);
        Said(client);
        Said(await client.GetAccessTokenAsync());
        Said(await client.VerifyAsync());
        Said(await client.GetCartoDwCredentialsAsync());
        Said(new CloudCredentials(clientId: server.Account.ClientId, clientSecret: ClientSecret, apiBaseUrl: server.Url, logger: logger));
        using (box.With(("CARTO_CLIENT_ID", server.Account.ClientId), ("CARTO_CLIENT_SECRET", ClientSecret), ("CARTO_AUTH_URL", server.Url)))
        {
            Said(new CloudCredentials(logger: logger));
        }

        using (box.With(("CARTO_CLIENT_SECRET", ClientSecret)))
        {
            Fails(() => new CloudCredentials(logger: logger));
        }

        Fails(() => CloudCredentials.FromToken(AccessToken + "\u0007"));
        Fails(() => CloudCredentials.FromClientCredentials("m2m", ClientSecret + "\u0007"));
        Fails(() => new CloudCredentials(token: AccessToken, clientId: "m2m", logger: logger));
        var refused = CloudCredentials.FromClientCredentials("another-client", ClientSecret, server.Url).WithLogger(logger);
        await Fails(async () => await refused.GetAccessTokenAsync());
        await Fails(() => refused.VerifyAsync());
        await Fails(() => refused.GetCartoDwCredentialsAsync());
        await Fails(() => CloudCredentials.FromToken(AccessToken, CartoServer.ClosedUrl()).WithLogger(logger).GetCartoDwCredentialsAsync());
        await Fails(() => CloudCredentials.LoginAsync(new CloudLoginOptions
        {
            Timeout = TimeSpan.FromSeconds(5),
            OpenBrowser = (_, _) => Task.CompletedTask,
            ReadCode = (_, _) => Task.FromResult<string?>(AccessToken + " pasted"),
        }));
        Assert.True(CloudCredentials.DeleteProfile("saved"));

        // The search: every text and every log record, for every secret and each 8 characters of one.
        var everything = _texts.Concat(_logs).ToList();
        Assert.True(everything.Count > 40, $"{everything.Count} texts");
        Assert.Contains(_logs, line => line.Contains("Explicit", StringComparison.Ordinal));
        foreach (var secret in Secrets)
        {
            for (var at = 0; at + 8 <= secret.Length; at++)
            {
                var slice = secret.Substring(at, 8);
                var found = everything.FirstOrDefault(text => text.Contains(slice, StringComparison.Ordinal));
                Assert.True(found is null, $"'{slice}' of a secret in: {found}");
            }
        }
    }

    /// <summary>Every log record, formatted, with its exception and state.</summary>
    private sealed class Capture(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{formatter(state, exception)} {exception} {state}");
    }
}
