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

    public static TheoryData<string, int, string, string> Blocks()
    {
        var data = new TheoryData<string, int, string, string>();
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
                data.Add(readme, index, block.Groups[1].Value, block.Groups[2].Value);
            }
        }

        return data;
    }

    /// <summary>Runs a program with a temporary home and no CARTO variables; its output.</summary>
    private static (int Code, string Out, string Err) Run(string program, IEnumerable<string> arguments, string home, string directory)
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
    public void Every_code_block_of_the_readmes_compiles_and_runs(string readme, int index, string language, string code)
    {
        var work = Directory.CreateTempSubdirectory("cartocreds-readme-").FullName;
        try
        {
            var home = Directory.CreateDirectory(System.IO.Path.Combine(work, "home")).FullName;
            var bin = AppContext.BaseDirectory;
            (int Code, string Out, string Err) result;

            if (language == "fsharp")
            {
                var script = System.IO.Path.Combine(work, "block.fsx");
                File.WriteAllText(script, $"#r \"{System.IO.Path.Combine(bin, "CartoCreds.Core.dll")}\"\n{code}");
                result = Run("dotnet", ["fsi", "--quiet", script], home, work);
            }
            else
            {
                var references = string.Concat(new[] { "CartoCreds", "CartoCreds.Core", "FSharp.Core" }
                    .Select(name => $"<Reference Include=\"{System.IO.Path.Combine(bin, name + ".dll")}\" />"));
                File.WriteAllText(
                    System.IO.Path.Combine(work, "Block.csproj"),
                    "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework>"
                    + "<ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup>"
                    + $"<ItemGroup>{references}</ItemGroup></Project>");
                File.WriteAllText(System.IO.Path.Combine(work, "Program.cs"), code);
                result = Run("dotnet", ["run", "--project", System.IO.Path.Combine(work, "Block.csproj")], home, work);
            }

            Assert.True(result.Code == 0, $"{readme}, block {index} ({language}) failed:\n{result.Out}\n{result.Err}");
            Assert.True(result.Err.Length == 0, $"{readme}, block {index} ({language}) wrote to stderr:\n{result.Err}");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
