using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CartoCreds.Tests;

/// <summary>
/// Every C# and F# block of the READMEs is compiled and run, as a reader would paste it, in a
/// temporary home: the documentation cannot drift from the code.
/// </summary>
public sealed partial class ReadmeTests
{
    private static readonly string Repository = FindRepository();

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CartoCreds.Functional.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the tests run outside the checkout");
    }

    [GeneratedRegex(@"^```(csharp|fsharp)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    /// <summary>The line before a block that calls CARTO: it runs against the loopback stand-in.</summary>
    private const string LoopbackMarker = "<!-- runs against the loopback CARTO stand-in -->\n";

    public static TheoryData<string, int, string, string, bool> Blocks()
    {
        var data = new TheoryData<string, int, string, string, bool>();
        var readmes = new[] { "README.md" }
            .Concat(Directory.GetFiles(System.IO.Path.Combine(Repository, "src"), "README.md", SearchOption.AllDirectories)
                .Select(path => System.IO.Path.GetRelativePath(Repository, path)));

        foreach (var readme in readmes)
        {
            var text = File.ReadAllText(System.IO.Path.Combine(Repository, readme));
            var index = 0;
            foreach (Match block in CodeBlock().Matches(text))
            {
                index++;
                var loopback = text[..block.Index].EndsWith(LoopbackMarker, StringComparison.Ordinal);
                data.Add(readme, index, block.Groups[1].Value, block.Groups[2].Value, loopback);
            }
        }

        return data;
    }

    /// <summary>Runs a program with a temporary home and only the CARTO variables given; its output.</summary>
    private static (int Code, string Out, string Err) Run(
        string program, IEnumerable<string> arguments, string home, string directory, IEnumerable<(string Name, string Value)> variables)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("CARTO", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["HOME"] = home;
        info.Environment["XDG_CONFIG_HOME"] = System.IO.Path.Combine(home, "config");
        info.Environment["DOTNET_CLI_HOME"] = home;
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in variables)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within 3 minutes");
        }

        return (process.ExitCode, output.Result, errors.Result);
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Every_code_block_of_the_readmes_compiles_and_runs(string readme, int index, string language, string code, bool loopback)
    {
        var work = Directory.CreateTempSubdirectory("cartocreds-readme-").FullName;
        using var carto = loopback ? new CartoCreds.Testing.CartoServer() : null;
        try
        {
            var home = Directory.CreateDirectory(System.IO.Path.Combine(work, "home")).FullName;
            var variables = carto is null ? [] : Loopback(carto, home);
            var bin = AppContext.BaseDirectory;
            (int Code, string Out, string Err) result;

            if (language == "fsharp")
            {
                var script = System.IO.Path.Combine(work, "block.fsx");
                File.WriteAllText(
                    script,
                    $"#r \"{System.IO.Path.Combine(bin, "Microsoft.Extensions.Logging.Abstractions.dll")}\"\n"
                    + $"#r \"{System.IO.Path.Combine(bin, "CartoCreds.Core.dll")}\"\n{code}");
                result = Run("dotnet", ["fsi", "--quiet", script], home, work, variables);
            }
            else
            {
                // The libraries, and the hosting package with the Microsoft.Extensions assemblies it
                // uses; a web application (a minimal API) has those in its shared framework.
                var web = code.Contains("WebApplication.", StringComparison.Ordinal);
                var references = string.Concat(new[] { "CartoCreds", "CartoCreds.Core", "CartoCreds.Extensions.DependencyInjection", "FSharp.Core" }
                    .Select(name => System.IO.Path.Combine(bin, name + ".dll"))
                    .Concat(web ? [WebPackage(bin)] : Directory.GetFiles(bin, "Microsoft.Extensions.*.dll"))
                    .Select(path => $"<Reference Include=\"{path}\" />"));
                File.WriteAllText(
                    System.IO.Path.Combine(work, "Block.csproj"),
                    $"<Project Sdk=\"Microsoft.NET.Sdk{(web ? ".Web" : "")}\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>"
                    + "<ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup>"
                    + $"<ItemGroup>{references}</ItemGroup></Project>");
                File.WriteAllText(System.IO.Path.Combine(work, "Program.cs"), code);
                result = Run("dotnet", ["run", "--project", System.IO.Path.Combine(work, "Block.csproj")], home, work, variables);
            }

            Assert.True(result.Code == 0, $"{readme}, block {index} ({language}) failed:\n{result.Out}\n{result.Err}");
            Assert.True(result.Err.Length == 0, $"{readme}, block {index} ({language}) wrote to stderr:\n{result.Err}");
            Assert.True(carto is null || carto.Count > 0, $"{readme}, block {index} never called the stand-in");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The web package as the solution's build left it, in the configuration these tests were
    /// built in (a reference from this project would make it an ASP.NET Core app, whose output
    /// no longer holds the Microsoft.Extensions assemblies the other blocks reference).
    /// </summary>
    private static string WebPackage(string bin)
    {
        var configuration = new DirectoryInfo(bin).Parent!.Name;
        var package = System.IO.Path.Combine(Repository, "src", "CartoCreds.AspNetCore", "bin", configuration, "net10.0", "CartoCreds.AspNetCore.dll");
        Assert.True(File.Exists(package), $"build the solution first: {package} is missing");
        return package;
    }

    /// <summary>
    /// What a block that calls CARTO finds: a saved session and CARTO 3 variables for the stand-in
    /// (a real server on 127.0.0.1), as a logged-in user has them for CARTO.
    /// </summary>
    private static (string Name, string Value)[] Loopback(CartoCreds.Testing.CartoServer carto, string home)
    {
        const string token = "readme-access-token-0001";
        carto.Account.AcceptToken(token);
        var saved = Directory.CreateDirectory(System.IO.Path.Combine(home, "config", "cartoframes")).FullName;
        File.WriteAllText(
            System.IO.Path.Combine(saved, "creds.json"),
            $$"""{"username": "alice", "api_key": "{{carto.Account.ApiKey}}", "base_url": "{{carto.Url}}", "allow_non_secure": true}""");
        return [("CARTO_API_TOKEN", token), ("CARTO_API_BASE_URL", carto.Url), ("CARTO_ACCOUNTS_URL", carto.Url), ("CARTO_AUTH_URL", carto.Url)];
    }
}
