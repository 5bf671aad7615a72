/// Packaging: the three packages carry their metadata, and the tool installs from a local folder and runs.
module CartoCreds.Cli.Tests.PackageTests

open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open Xunit

let private repository =
    Tool.repositoryRoot |> Option.defaultWith (fun () -> failwith "the tests run outside the checkout")

/// The configuration these tests were built in (the packed projects were built with them).
let private configuration =
    DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent.Name

/// Runs dotnet with a home, CLI home and package folder of its own, inside `work`.
let private dotnet (work: string) (workingDirectory: string) (args: string list) =
    let info =
        ProcessStartInfo(
            "dotnet",
            args,
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        )

    info.Environment["HOME"] <- Path.Combine(work, "home")
    info.Environment["DOTNET_CLI_HOME"] <- Path.Combine(work, "home")
    info.Environment["NUGET_PACKAGES"] <- Path.Combine(work, "nuget-packages")
    info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] <- "1"
    info.Environment["DOTNET_NOLOGO"] <- "1"
    use proc = Process.Start info
    let out = proc.StandardOutput.ReadToEndAsync()
    let err = proc.StandardError.ReadToEndAsync()
    proc.WaitForExit()
    let command = String.concat " " args
    Assert.True((proc.ExitCode = 0), $"dotnet {command} failed:\n{out.Result}\n{err.Result}")
    out.Result

let private entries (package: string) =
    use zip = ZipFile.OpenRead package
    zip.Entries |> Seq.map _.FullName |> Set.ofSeq

let private nuspec (package: string) =
    use zip = ZipFile.OpenRead package
    let entry = zip.Entries |> Seq.find (fun e -> e.FullName.EndsWith ".nuspec")
    use reader = new StreamReader(entry.Open())
    reader.ReadToEnd()

[<Fact>]
let ``the packages carry id, license, readme, docs and symbols, and the tool installs and runs`` () =
    let work = Directory.CreateTempSubdirectory("cartocreds-pack-").FullName

    try
        let packages = Path.Combine(work, "packages")

        for project in [ "src/CartoCreds.Core"; "src/CartoCreds"; "src/CartoCreds.Cli" ] do
            dotnet work repository [ "pack"; project; "-c"; configuration; "--no-build"; "-o"; packages; "-nologo" ]
            |> ignore

        for id, doc in
            [ "CartoCreds.Core", Some "lib/net10.0/CartoCreds.Core.xml"
              "CartoCreds", Some "lib/net10.0/CartoCreds.xml"
              "CartoCreds.Cli", None ] do
            let package = Path.Combine(packages, id + ".0.1.0.nupkg")
            Assert.True(File.Exists(Path.Combine(packages, id + ".0.1.0.snupkg")), id + ": no symbols package")
            let spec = nuspec package
            Assert.Contains("<id>" + id + "</id>", spec)
            Assert.Contains("<license type=\"expression\">MIT</license>", spec)
            Assert.Contains("<readme>README.md</readme>", spec)
            Assert.Contains("<description>", spec)
            Assert.Contains("<tags>carto cartoframes credentials", spec)
            Assert.Contains("README.md", entries package)
            doc |> Option.iter (fun path -> Assert.Contains(path, entries package))

        Assert.Contains(
            "tools/net10.0/any/cartocreds.dll",
            entries (Path.Combine(packages, "CartoCreds.Cli.0.1.0.nupkg"))
        )

        // Install from the local folder only: a configuration with no other source.
        let config = Path.Combine(work, "nuget.config")

        File.WriteAllText(
            config,
            "<configuration><packageSources><clear /><add key=\"local\" value=\""
            + packages
            + "\" /></packageSources></configuration>"
        )

        let tools = Path.Combine(work, "tools")

        dotnet
            work
            work
            [ "tool"
              "install"
              "CartoCreds.Cli"
              "--version"
              "0.1.0"
              "--tool-path"
              tools
              "--configfile"
              config ]
        |> ignore

        let info =
            ProcessStartInfo(Path.Combine(tools, "cartocreds"), [ "--version" ], RedirectStandardOutput = true)

        info.Environment["HOME"] <- Path.Combine(work, "home")
        use proc = Process.Start info
        let version = proc.StandardOutput.ReadToEnd()
        proc.WaitForExit()
        Assert.Equal(0, proc.ExitCode)
        Assert.Equal("0.1.0\n", version)
    finally
        Directory.Delete(work, true)
