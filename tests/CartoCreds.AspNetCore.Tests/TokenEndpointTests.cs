using System.Net;
using System.Text.Json;
using CartoCreds;
using CartoCreds.Testing;
using CartoCreds.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CartoCreds.AspNetCore.Tests;

/// <summary>
/// SPEC §13's token mode on a real Kestrel on 127.0.0.1, against the loopback stand-in of CARTO
/// (its token server and Tokens API): the answer's fields and headers, one token for many callers
/// and for two replicas sharing a cache, the checks that stop the app as it is built, and CARTO's
/// refusal answered as a bad gateway without a token.
/// </summary>
public sealed class TokenEndpointTests
{
    private static readonly ApiAccessTokenRequest Airports = new(
        [new CartoGrant("carto_dw", "carto-demo-data.demo_tables.airports")],
        [CartoApi.Maps])
    {
        Referers = ["http://127.0.0.1"],
    };

    /// <summary>
    /// An app on a free loopback port with the stand-in's client credentials, on a "machine" of its
    /// own (<paramref name="machine"/>, its configuration directory in the sandbox), started: the
    /// credentials are resolved as it starts, with the sandbox's variables.
    /// </summary>
    private static async Task<WebApplication> Started(Sandbox box, CartoServer server, string machine, IDistributedCache? shared = null)
    {
        using var place = box.With(("XDG_CONFIG_HOME", box.Path(machine)), ("CARTO_AUTH_URL", server.Url));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["Carto:ClientId"] = server.Account.ClientId;
        builder.Configuration["Carto:ClientSecret"] = server.Account.ClientSecret;
        builder.Configuration["Carto:ApiBaseUrl"] = server.Url;
        if (shared is not null)
        {
            builder.Configuration["Carto:ShareTokens"] = "true";
            builder.Services.AddSingleton(shared);
        }

        builder.Services.AddCartoCredentials(builder.Configuration.GetSection("Carto")).AddCartoWeb();
        var app = builder.Build();
        app.MapCartoAccessToken("/carto/token", Airports);
        await app.StartAsync();
        return app;
    }

    private static int Creates(CartoServer server) => server.Received.Count(r => r.Method == "POST" && r.Path == "/v3/tokens");

    [Fact]
    public async Task The_endpoint_answers_a_scoped_token_its_expiry_and_the_API_base_URL_never_cached()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        {
            await using var app = await Started(box, server, "app");
            using var http = new HttpClient();

            using var response = await http.GetAsync(app.Urls.First() + "/carto/token");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var token = body.RootElement.GetProperty("accessToken").GetString()!;
            Assert.True(server.Account.ApiTokens.ContainsKey(token));
            Assert.Equal(server.Url, body.RootElement.GetProperty("apiBaseUrl").GetString());
            var expires = DateTimeOffset.Parse(body.RootElement.GetProperty("expiresAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(58), TimeSpan.FromMinutes(61));
            Assert.EndsWith("Z", body.RootElement.GetProperty("expiresAt").GetString());

            // What the app sent CARTO: the grant, the APIs, the referer, an expiry.
            using var sent = JsonDocument.Parse(server.Received.Single(r => r.Path == "/v3/tokens").Body);
            Assert.Equal("carto_dw", sent.RootElement.GetProperty("grants")[0].GetProperty("connection_name").GetString());
            Assert.Equal("http://127.0.0.1", sent.RootElement.GetProperty("referers")[0].GetString());

            // Stopped, the broker deletes the token it made.
            await app.StopAsync();
            await app.DisposeAsync();
            Assert.Empty(server.Account.ApiTokens);
        }
    }

    [Fact]
    public async Task Many_callers_and_two_replicas_sharing_a_cache_get_one_token()
    {
        using var server = new CartoServer();
        using var box = new Sandbox();
        {
            var cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
            await using var first = await Started(box, server, "a", cache);
            await using var second = await Started(box, server, "b", cache);
            using var http = new HttpClient();

            var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => http.GetStringAsync(first.Urls.First() + "/carto/token")));
            var replica = await http.GetStringAsync(second.Urls.First() + "/carto/token");

            var tokens = answers.Append(replica).Select(a => JsonDocument.Parse(a).RootElement.GetProperty("accessToken").GetString()).Distinct();
            Assert.Single(tokens);
            Assert.Equal(1, Creates(server));
        }
    }

    [Fact]
    public void A_request_CARTO_would_refuse_a_path_that_is_not_one_or_no_AddCartoWeb_stop_the_app_as_it_is_built()
    {
        using var server = new CartoServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddCartoWeb();
        var app = builder.Build();

        var grants = Assert.Throws<ArgumentException>(() => app.MapCartoAccessToken("/t", new([], [CartoApi.Maps])));
        Assert.Equal("Grants", grants.ParamName);
        var broad = Assert.Throws<ArgumentException>(() => app.MapCartoAccessToken("/t", new([new CartoGrant("c", "project.*")], [CartoApi.Maps])));
        Assert.Contains("too broad", broad.Message);
        var path = Assert.Throws<ArgumentException>(() => app.MapCartoAccessToken("carto/token", Airports));
        Assert.Equal("pattern", path.ParamName);

        var bare = WebApplication.CreateSlimBuilder().Build();
        var missing = Assert.Throws<InvalidOperationException>(() => bare.MapCartoAccessToken("/t", Airports));
        Assert.Contains("AddCartoWeb", missing.Message);
    }

    [Fact]
    public async Task CARTO_refusing_the_token_is_a_bad_gateway_in_JSON_without_a_token()
    {
        using var server = new CartoServer();
        server.Account.MayWriteTokens = false;
        using var box = new Sandbox();
        {
            await using var app = await Started(box, server, "app");
            using var http = new HttpClient();

            using var response = await http.GetAsync(app.Urls.First() + "/carto/token");

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Contains("write:tokens", body.RootElement.GetProperty("error").GetString());
            Assert.DoesNotContain("stand-in-token", body.RootElement.GetProperty("error").GetString());
        }
    }
}
