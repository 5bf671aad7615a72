using System.Diagnostics;

namespace CartoCreds.Tests;

/// <summary>The C# tour a newcomer runs: it resolves and explains credentials in its own temporary directory.</summary>
public sealed class ExampleTests
{
    [Fact]
    public async Task The_CSharp_quickstart_runs_and_explains_each_layer_without_touching_home()
    {
        var home = Directory.CreateTempSubdirectory("cartocreds-example-home-").FullName;
        try
        {
            var info = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CSharpQuickstart.dll")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            info.Environment["HOME"] = home;
            info.Environment["XDG_CONFIG_HOME"] = Path.Combine(home, "config");
            info.Environment["CARTO_USERNAME"] = "must_be_ignored";

            using var process = Process.Start(info)!;
            var readOutput = process.StandardOutput.ReadToEndAsync();
            var readErrors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var output = await readOutput;
            var errors = await readErrors;

            Assert.True(process.ExitCode == 0, errors);
            Assert.Contains("== Resolved from the saved session\nCredentials(username=ana, api_key=****4e5f, base_url=https://ana.carto.com)\nfrom Saved session (", output);
            Assert.Contains("from Environment (CARTO_USERNAME)", output);
            Assert.Contains("ArgumentException: Invalid credentials in Arguments (base_url)", output);
            Assert.Contains("CredentialsNotFoundException: No CARTO credentials found.", output);
            Assert.DoesNotContain("3f1e0c9a2b7d4e5f", output);
            Assert.Empty(Directory.GetFileSystemEntries(home));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
