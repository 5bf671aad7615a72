using System.Text.Json;
using CartoCreds.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §12 through the facade, against the loopback stand-in of CARTO's Tokens API: create, list
/// and delete; the checks before anything is sent; the failures as <see cref="CartoApiException"/>;
/// and the broker moved by a clock across every transition (reuse, half-life, a failed creation,
/// expiry, deletion of what it replaced, disposal), alone and as a fleet sharing one cache.
/// </summary>
[Collection(SharedCacheTests.Alone)]
public sealed class ApiAccessTokenTests
{
    private static readonly ApiAccessTokenRequest Maps = new(
        [new CartoGrant("carto_dw", "carto-demo-data.demo_tables.airports")],
        [CartoApi.Maps, CartoApi.Sql])
    {
        Referers = ["https://maps.example.com/"],
    };

    private static CloudCredentials Client(Sandbox box, CartoServer server, TimeProvider? clock = null, string name = "app")
    {
        using (box.With(("XDG_CONFIG_HOME", box.Path(name)), ("CARTO_AUTH_URL", server.Url)))
        {
            return CloudCredentials.FromClientCredentials(server.Account.ClientId, server.Account.ClientSecret, server.Url)
                .WithTransport(timeProvider: clock);
        }
    }

    private static int Creates(CartoServer server) => server.Received.Count(r => r.Method == "POST" && r.Path == "/v3/tokens");

    /// <summary>Waits (at most 10 s) until <paramref name="done"/> holds: for what a broker does behind its callers.</summary>
    private static async Task Eventually(Func<bool> done, string what)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), what);
            await Task.Delay(20);
        }
    }

    /// <summary>As <see cref="Eventually(Func{bool}, string)"/>, for a condition that asks.</summary>
    private static async Task Eventually(Func<Task<bool>> done, string what)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_token_is_created_listed_and_deleted_and_its_text_form_is_masked()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var creds = Client(box, server);
        var expires = new DateTimeOffset(2031, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var token = await creds.CreateApiAccessTokenAsync(Maps with { ExpiresOn = expires });

        Assert.Equal(expires, token.ExpiresOn);
        Assert.Equal([new CartoGrant("carto_dw", "carto-demo-data.demo_tables.airports")], token.Grants);
        Assert.Equal([CartoApi.Maps, CartoApi.Sql], token.AllowedApis);
        Assert.Equal(["https://maps.example.com"], token.Referers);
        Assert.DoesNotContain(token.Value, token.ToString());
        Assert.StartsWith("ApiAccessToken(****", token.ToString());

        var listed = Assert.Single(await creds.ListApiAccessTokensAsync());
        Assert.Equal(token.Value, listed.Value);
        Assert.Equal(expires, listed.ExpiresOn);

        Assert.True(await creds.DeleteApiAccessTokenAsync(token.Value));
        Assert.False(await creds.DeleteApiAccessTokenAsync(token.Value));
        Assert.Empty(await creds.ListApiAccessTokensAsync());
    }

    [Fact]
    public async Task An_invalid_request_names_each_field_and_sends_nothing()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var creds = Client(box, server);

        var none = await Assert.ThrowsAsync<ArgumentException>(() => creds.CreateApiAccessTokenAsync(new([], [CartoApi.Maps])));
        Assert.Equal("Grants", none.ParamName);

        var many = await Assert.ThrowsAsync<ArgumentException>(() => creds.CreateApiAccessTokenAsync(
            new([new CartoGrant("carto_dw", "project.*")], [CartoApi.Imports, CartoApi.Sql])
            {
                Referers = ["http://maps.example.com"],
                ExpiresOn = DateTimeOffset.UtcNow.AddMinutes(-1),
            }));
        Assert.Equal("Grants", many.ParamName);
        Assert.Contains("grant 1: source project.* is a wildcard too broad", many.Message);
        Assert.Contains("imports is allowed only alone", many.Message);
        Assert.Contains("referer 1 (http://maps.example.com) uses http", many.Message);
        Assert.Contains("is not in the future", many.Message);

        var apis = await Assert.ThrowsAsync<ArgumentException>(() => creds.CreateApiAccessTokenAsync(
            new([new CartoGrant("carto_dw", "t")], [])));
        Assert.Equal("AllowedApis", apis.ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => creds.DeleteApiAccessTokenAsync(" "));

        Assert.Equal(0, server.Count);
    }

    [Fact]
    public async Task An_API_Access_Token_as_the_credentials_is_refused_before_anything_is_sent()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var made = await Client(box, server).CreateApiAccessTokenAsync(Maps);
        var sent = server.Count;
        var apiToken = CloudCredentials.FromToken(made.Value, server.Url);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => apiToken.CreateApiAccessTokenAsync(Maps));
        Assert.Contains("client credentials or a login", error.Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => apiToken.ListApiAccessTokensAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => apiToken.DeleteApiAccessTokenAsync(made.Value));
        Assert.Equal(sent, server.Count);
    }

    [Fact]
    public async Task The_service_failures_are_CartoApiExceptions_of_their_kind_without_a_token()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var creds = Client(box, server);
        const string Echoed = "eyJhbGciOiJIUzI1NiJ9.eyJhIjoiMSJ9.c2lnbmF0dXJl";

        server.Account.MayWriteTokens = false;
        var forbidden = await Assert.ThrowsAsync<CartoApiException>(() => creds.CreateApiAccessTokenAsync(Maps));
        Assert.Equal(CartoApiFailure.Rejected, forbidden.Failure);
        Assert.Equal(403, forbidden.StatusCode);
        Assert.Contains("write:tokens", forbidden.Message);
        Assert.Equal(server.Url + "/v3/tokens", forbidden.Url);

        server.Answer = request => request.Path == "/v3/tokens"
            ? Answer.Json(400, "{\"error\": \"Bad request\", \"description\": \"token " + Echoed + " cannot read t\"}")
            : server.Account.Answer(request);
        var invalid = await Assert.ThrowsAsync<CartoApiException>(() => creds.CreateApiAccessTokenAsync(Maps));
        Assert.Equal(CartoApiFailure.InvalidRequest, invalid.Failure);
        Assert.Contains("cannot read t", invalid.Message);
        Assert.DoesNotContain(Echoed, invalid.Message);

        server.Answer = request => request.Path.StartsWith("/v3/tokens/", StringComparison.Ordinal)
            ? Answer.Json(429, "{}")
            : server.Account.Answer(request);
        var limited = await Assert.ThrowsAsync<CartoApiException>(() => creds.DeleteApiAccessTokenAsync(Echoed));
        Assert.Equal(CartoApiFailure.RateLimited, limited.Failure);
        Assert.DoesNotContain(Echoed, limited.Message);
        Assert.DoesNotContain(Echoed, limited.Url);
    }

    // ---- The broker ----

    [Fact]
    public async Task The_broker_reuses_a_token_until_half_life_then_replaces_it_behind_its_callers_and_deletes_it_once_expired()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var start = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        await using var broker = new ApiAccessTokenBroker(Client(box, server, clock), Maps);
        Assert.Equal(TimeSpan.FromHours(1), broker.Lifetime);

        // No token: the first is created, to expire a lifetime from now.
        var first = await broker.GetAsync();
        Assert.Equal(start.AddHours(1), first.ExpiresOn);
        Assert.Equal(1, Creates(server));
        using (var body = JsonDocument.Parse(server.Received.Last(r => r.Path == "/v3/tokens").Body))
        {
            Assert.Equal("2030-06-01T13:00:00Z", body.RootElement.GetProperty("expiration_date").GetString());
        }

        // Before half-life: the same, nothing sent.
        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Same(first, await broker.GetAsync());
        Assert.Equal(1, Creates(server));

        // Past half-life: the same is handed out while the next is made behind it.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(first.Value, (await broker.GetAsync()).Value);
        await Eventually(() => Creates(server) == 2, "the next token was not created behind the callers");
        ApiAccessToken second = first;
        await Eventually(async () => (second = await broker.GetAsync()).Value != first.Value, "the next token was not handed out");
        Assert.Equal(start.AddMinutes(31).AddHours(1), second.ExpiresOn);
        Assert.Equal(2, Creates(server));

        // The replaced token is kept at CARTO until it expires, then deleted.
        clock.Advance(TimeSpan.FromMinutes(28));
        await broker.GetAsync();
        Assert.True(server.Account.ApiTokens.ContainsKey(first.Value));
        clock.Advance(TimeSpan.FromMinutes(1));
        await broker.GetAsync();
        await Eventually(() => !server.Account.ApiTokens.ContainsKey(first.Value), "the expired token was not deleted");
        Assert.Contains(server.Received, r => r.Method == "DELETE");

        // Long after: no token has a quarter of its life left, so a caller waits for the next.
        clock.Advance(TimeSpan.FromHours(3));
        var third = await broker.GetAsync();
        Assert.NotEqual(second.Value, third.Value);
        Assert.Equal(clock.GetUtcNow().AddHours(1), third.ExpiresOn);

        // Disposed: every token it created is deleted; then it hands out nothing.
        await broker.DisposeAsync();
        Assert.Empty(server.Account.ApiTokens);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => broker.GetAsync());
    }

    [Fact]
    public async Task A_failed_replacement_keeps_the_token_while_a_quarter_of_its_life_is_left_and_waits_before_trying_again()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var broker = new ApiAccessTokenBroker(Client(box, server, clock), Maps, TimeSpan.FromMinutes(40));
        var first = await broker.GetAsync();

        server.Answer = request => request.Path == "/v3/tokens" ? Answer.Json(503, "{}") : server.Account.Answer(request);
        clock.Advance(TimeSpan.FromMinutes(21));
        Assert.Equal(first.Value, (await broker.GetAsync()).Value);
        await Eventually(() => Creates(server) == 2, "no replacement was tried");
        await Task.Delay(100);

        // Within the 30 s after the failure: the same token, nothing sent.
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(first.Value, (await broker.GetAsync()).Value);
        await Task.Delay(100);
        Assert.Equal(2, Creates(server));

        // Past a quarter of its life left, the failure is the caller's.
        clock.Advance(TimeSpan.FromMinutes(10));
        var error = await Assert.ThrowsAsync<CartoApiException>(() => broker.GetAsync());
        Assert.Equal(CartoApiFailure.UnexpectedAnswer, error.Failure);
        Assert.Equal(503, error.StatusCode);

        server.Answer = null;
        Assert.NotEqual(first.Value, (await broker.GetAsync()).Value);
    }

    [Fact]
    public async Task A_token_CARTO_refused_is_replaced_when_it_is_the_one_held_and_kept_to_be_deleted()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        await using var broker = new ApiAccessTokenBroker(Client(box, server), Maps);
        var first = await broker.GetAsync();

        Assert.Same(first, await broker.GetAsync("a token it never handed out"));
        Assert.Equal(1, Creates(server));

        var next = await broker.GetAsync(first.Value);
        Assert.NotEqual(first.Value, next.Value);
        Assert.Equal(2, Creates(server));
        Assert.Equal(next.Value, (await broker.GetAsync(first.Value)).Value);

        await broker.DisposeAsync();
        Assert.Empty(server.Account.ApiTokens);
    }

    [Fact]
    public async Task Many_callers_of_a_new_broker_share_one_creation_and_a_short_lifetime_is_refused()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        server.Account.TokenCreateDelay = TimeSpan.FromMilliseconds(300);
        await using var broker = new ApiAccessTokenBroker(Client(box, server), Maps, TimeSpan.FromMinutes(5));

        var tokens = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => broker.GetAsync())));

        Assert.Single(tokens.Select(t => t.Value).Distinct());
        Assert.Equal(1, Creates(server));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ApiAccessTokenBroker(Client(box, server), Maps, TimeSpan.FromMinutes(4)));
        Assert.Throws<ArgumentException>(() => new ApiAccessTokenBroker(Client(box, server), new([], [CartoApi.Maps])));
    }

    [Fact]
    public async Task A_fleet_sharing_a_cache_creates_one_token_per_half_life_and_keeps_the_shared_one_when_disposed()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        var fleet = Enumerable.Range(1, 8)
            .Select(n => new ApiAccessTokenBroker(SharedCacheTests.Machine(box, server, "m" + n, cache, clock: clock), Maps))
            .ToList();

        var first = await Task.WhenAll(fleet.Select(b => Task.Run(() => b.GetAsync())));
        Assert.Single(first.Select(t => t.Value).Distinct());
        Assert.Equal(1, Creates(server));

        // Past half-life every instance falls due together; one creates the next, the rest take it.
        clock.Advance(TimeSpan.FromMinutes(31));
        await Task.WhenAll(fleet.Select(b => Task.Run(() => b.GetAsync())));
        await Eventually(
            async () => (await Task.WhenAll(fleet.Select(b => b.GetAsync()))).All(t => t.Value != first[0].Value),
            "the fleet did not move to the next token");
        Assert.Equal(2, Creates(server));
        var now = await Task.WhenAll(fleet.Select(b => b.GetAsync()));
        Assert.Single(now.Select(t => t.Value).Distinct());

        // The fleet's current token stays at CARTO when its instances stop; the first, replaced, goes.
        var current = now[0].Value;
        foreach (var broker in fleet)
        {
            await broker.DisposeAsync();
        }

        Assert.True(server.Account.ApiTokens.ContainsKey(current));
        Assert.Single(server.Account.ApiTokens);
    }
}
