using System.Diagnostics;
using CartoCreds.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;

namespace CartoCreds.Tests;

/// <summary>
/// The worker example (<c>examples/CartoWorker</c>) run as a process with its own environment:
/// credentials from <c>Carto__*</c> variables through the host's configuration, an authenticated
/// client from <c>IHttpClientFactory</c>, against the loopback stand-in; its managed build, and the
/// Native AOT build that <c>build.fsx publish</c> leaves in <c>artifacts/aot-worker</c>.
/// </summary>
public sealed class WorkerExampleTests
{
    private static readonly string? AotWorker = FindAotWorker();

    private static string? FindAotWorker()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "artifacts", "aot-worker", "linux-x64", "CartoWorker");
            if (File.Exists(Path.Combine(dir.FullName, "CartoCreds.Functional.sln")))
            {
                return File.Exists(path) ? path : null;
            }
        }

        return null;
    }

    public static TheoryData<string> Builds()
    {
        var builds = new TheoryData<string> { "managed" };
        if (AotWorker is not null || Environment.GetEnvironmentVariable("CARTOCREDS_REQUIRE_AOT") == "1")
        {
            builds.Add("aot");
        }

        return builds;
    }

    private static Task<(int Code, string Out, string Err)> Run(string build, params (string Name, string Value)[] variables) =>
        Run(build, Directory.CreateTempSubdirectory("cartocreds-worker-home-").FullName, variables);

    /// <summary>The worker run once in <paramref name="home"/> (its own machine), removed afterwards.</summary>
    private static async Task<(int Code, string Out, string Err)> Run(string build, string home, params (string Name, string Value)[] variables)
    {
        try
        {
            var info = build == "aot"
                ? new ProcessStartInfo(AotWorker ?? throw new InvalidOperationException(
                    "CARTOCREDS_REQUIRE_AOT=1 but artifacts/aot-worker/linux-x64/CartoWorker is missing: run 'dotnet fsi build.fsx publish'"))
                : new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CartoWorker.dll")]);
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.WorkingDirectory = home;
            foreach (var name in info.Environment.Keys
                .Where(k => k.StartsWith("CARTO", StringComparison.OrdinalIgnoreCase) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal))
                .ToList())
            {
                info.Environment.Remove(name);
            }

            info.Environment["HOME"] = home;
            info.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
            foreach (var (name, value) in variables)
            {
                info.Environment[name] = value;
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            return (process.ExitCode, await output, await errors);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task The_worker_lists_the_connections_with_credentials_from_its_environment(string build)
    {
        using var server = new CartoServer();
        const string token = "worker-access-token-0001";
        server.Account.AcceptToken(token);

        var (code, output, errors) = await Run(build, ("Carto__Token", token), ("Carto__ApiBaseUrl", server.Url));

        Assert.True(code == 0, errors);
        Assert.Equal("carto_dw (bigquery)\nsnowflake_prod (snowflake)\n", output);
        var request = Assert.Single(server.Received);
        Assert.Equal("/v3/connections", request.Path);
        Assert.Equal("Bearer " + token, request.Authorization);
        Assert.DoesNotContain(token, output + errors);
        // The library says which layer it used, and the worker logs the origin at start; neither holds the token.
        Assert.Contains("info: CartoCreds[2] Credentials from Arguments (token, api_base_url): CloudCredentials(token=****0001", errors);
        Assert.Contains("info: ConnectionLister[", errors);
        Assert.Contains("Using CARTO credentials from Arguments (token, api_base_url)", errors);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task With_a_grant_the_worker_hands_out_an_API_Access_Token_masked_and_deletes_it_when_it_stops(string build)
    {
        using var server = new CartoServer();
        const string token = "worker-access-token-0002";
        server.Account.AcceptToken(token);

        var (code, output, errors) = await Run(
            build, ("Carto__Token", token), ("Carto__ApiBaseUrl", server.Url), ("Worker__BrokerGrant", "carto_dw=project.dataset.table"));

        Assert.True(code == 0, errors);
        var created = Assert.Single(server.Received, r => r.Method == "POST" && r.Path == "/v3/tokens");
        Assert.Contains("\"connection_name\":\"carto_dw\"", created.Body);
        Assert.Contains("\"expiration_date\"", created.Body);
        Assert.Matches(@"api token ApiAccessToken\(\*\*\*\*[^)]{4}\)\n$", output);
        // Stopped, the worker's broker deleted the token it made; no token was printed whole.
        Assert.Empty(server.Account.ApiTokens);
        Assert.Contains(server.Received, r => r.Method == "DELETE");
        Assert.DoesNotContain("eyJ", output + errors);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task Without_credentials_the_worker_does_not_start_and_says_why(string build)
    {
        var (code, output, errors) = await Run(build);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("CARTO credentials could not be resolved: ", errors);
        Assert.Contains("Saved session", errors);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task A_refused_token_is_reported_without_the_token(string build)
    {
        using var server = new CartoServer();
        const string token = "worker-revoked-token-0002";

        var (code, output, errors) = await Run(build, ("Carto__Token", token), ("Carto__ApiBaseUrl", server.Url));

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("CARTO answered 401", errors);
        Assert.DoesNotContain(token, errors);
    }

    [Theory]
    [MemberData(nameof(Builds))]
    public async Task Workers_on_three_machines_share_one_token_through_redis(string build)
    {
        using var server = new CartoServer();
        using var garnet = new LoopbackGarnet();
        (string, string)[] settings =
        [
            ("Carto__ClientId", server.Account.ClientId), ("Carto__ClientSecret", server.Account.ClientSecret),
            ("Carto__ApiBaseUrl", server.Url), ("CARTO_AUTH_URL", server.Url),
            ("Carto__ShareTokens", "true"), ("ConnectionStrings__Redis", garnet.Configuration),
        ];

        // Garnet, in this process, compiles its commands' paths on first use: warmed as a server that has been up.
        using (var warm = new RedisCache(new RedisCacheOptions { Configuration = garnet.Configuration }))
        {
            await warm.SetAsync("warm", [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(5) });
            Assert.NotNull(await warm.GetAsync("warm"));
        }

        var runs = new List<(int Code, string Out, string Err)>();
        for (var machine = 0; machine < 3; machine++)
        {
            runs.Add(await Run(build, Directory.CreateTempSubdirectory("cartocreds-worker-machine-").FullName, settings));
        }

        Assert.All(runs, run => Assert.True(run.Code == 0, run.Err));
        Assert.All(runs, run => Assert.Equal("carto_dw (bigquery)\nsnowflake_prod (snowflake)\n", run.Out));
        // Three machines (no disk in common), one exchange: the second and the third read the shared
        // cache. A lookup that meets the 500 ms bound (a machine busy with other test processes can
        // make a loopback call that slow) is skipped with a warning, and may cost one exchange more:
        // each one beyond the first must be explained by such a warning. HostingTests checks the
        // connection made at start deterministically.
        var skips = runs.Count(run => run.Err.Contains("shared token cache failed"));
        Assert.InRange(server.Account.IssuedCount, 1, 1 + skips);
        Assert.DoesNotContain("read from the shared cache", runs[0].Err);
        if (skips == 0)
        {
            Assert.Equal(1, server.Account.IssuedCount);
            Assert.All(runs.Skip(1), run => Assert.Contains("read from the shared cache", run.Err));
        }

        Assert.All(runs, run => Assert.DoesNotContain(server.Account.ClientSecret, run.Out + run.Err));
    }
}
