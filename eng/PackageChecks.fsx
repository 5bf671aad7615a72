/// The checks of `dotnet fsi build.fsx pack`: the packages as a user meets them.
module PackageChecks

open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open System.Reflection.Metadata

/// Runs dotnet in `directory` with a package folder of its own (so that a package packed here is
/// never served from the machine's cache); exit code and output.
let private dotnetIn (directory: string) (packageFolder: string) (arguments: string list) =
    let info =
        ProcessStartInfo(
            "dotnet",
            arguments,
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        )

    info.Environment["NUGET_PACKAGES"] <- packageFolder
    info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] <- "1"
    info.Environment["DOTNET_NOLOGO"] <- "1"
    use proc = Process.Start info
    let out = proc.StandardOutput.ReadToEndAsync()
    let err = proc.StandardError.ReadToEndAsync()
    proc.WaitForExit()
    proc.ExitCode, out.Result + err.Result

/// The packages as a user meets them: metadata, frameworks, symbols with sources and no machine
/// paths, the tool installed and run, and a C# and an F# application that consume the libraries.
let checkPackages (packages: string) (version: string) =
    let failures = ResizeArray<string>()

    let check (name: string) (ok: bool) (detail: string) =
        if ok then
            printfn "ok    %s" name
        else
            printfn "FAIL  %s\n%s" name detail
            failures.Add name

    let read (package: string) (suffix: string) =
        use zip = ZipFile.OpenRead package
        let entry = zip.Entries |> Seq.find (fun e -> e.FullName.EndsWith suffix)
        use reader = new StreamReader(entry.Open())
        reader.ReadToEnd()

    let entries (package: string) =
        use zip = ZipFile.OpenRead package
        zip.Entries |> Seq.map (fun e -> e.FullName) |> Set.ofSeq

    for id, libraries in
        [ "CartoCreds.Core", true
          "CartoCreds", true
          "CartoCreds.Extensions.DependencyInjection", true
          "CartoCreds.AspNetCore", true
          "CartoCreds.Cli", false ] do
        let package = Path.Combine(packages, id + "." + version + ".nupkg")
        let spec = read package ".nuspec"
        let readme = read package "README.md"

        check
            (id + ": id, license, readme, description, tags")
            ([ "<id>" + id + "</id>"
               "<license type=\"expression\">MIT</license>"
               "<readme>README.md</readme>"
               "<description>"
               "<tags>carto cartoframes credentials" ]
             |> List.forall spec.Contains)
            spec

        let install =
            if libraries then
                "dotnet add package " + id
            else
                "dotnet tool install --global " + id

        check
            (id + ": its own README says how to install it")
            (readme.StartsWith("# " + id) && readme.Contains install)
            readme

        if libraries then
            let files = entries package

            for framework in [ "net8.0"; "net10.0" ] do
                let lib = "lib/" + framework + "/" + id

                check
                    (id + ": " + framework + " assembly and XML docs")
                    (files.Contains(lib + ".dll") && files.Contains(lib + ".xml"))
                    (String.Join("\n", files))

        if id = "CartoCreds.Core" then
            check (id + ": FSharp.Core 6.0.0 or later") (spec.Contains "id=\"FSharp.Core\" version=\"6.0.0\"") spec

        // SPEC §13: the web package takes ASP.NET Core from the shared framework, and the hosting
        // package (its exact version) from NuGet; the Microsoft.Extensions packages come with that.
        if id = "CartoCreds.AspNetCore" then
            check
                (id + ": the ASP.NET Core framework and the hosting package of the same version")
                (spec.Contains "<frameworkReference name=\"Microsoft.AspNetCore.App\" />"
                 && spec.Contains("id=\"CartoCreds.Extensions.DependencyInjection\" version=\"[" + version + "]\""))
                spec

        // SPEC §9, §10: each framework depends on its lowest Microsoft.Extensions packages (the
        // logging abstractions for every library, the hosting packages for the DI one).
        if libraries && id <> "CartoCreds.AspNetCore" then
            for framework, floor in [ "net8.0", "8.0.0"; "net10.0", "10.0.0" ] do
                let start = spec.IndexOf("<group targetFramework=\"" + framework + "\">")

                let group =
                    if start < 0 then
                        ""
                    else
                        spec.Substring(start, spec.IndexOf("</group>", start) - start)

                let extensions =
                    Text.RegularExpressions.Regex.Matches(
                        group,
                        "id=\"Microsoft\\.Extensions\\.[^\"]+\" version=\"([^\"]+)\""
                    )
                    |> Seq.map (fun m -> m.Groups[1].Value)
                    |> List.ofSeq

                check
                    (id + ": " + framework + " depends on the Microsoft.Extensions " + floor + " packages")
                    (not extensions.IsEmpty && extensions |> List.forall ((=) floor))
                    group

        // Symbols: every document under /_/ (no machine path) and embedded, for stepping in.
        use symbols = ZipFile.OpenRead(Path.Combine(packages, id + "." + version + ".snupkg"))

        for entry in symbols.Entries |> Seq.filter (fun e -> e.FullName.EndsWith ".pdb") do
            use stream = new MemoryStream()
            (use source = entry.Open() in source.CopyTo stream)
            stream.Position <- 0L
            use provider = MetadataReaderProvider.FromPortablePdbStream stream
            let reader = provider.GetMetadataReader()
            let embedded = Guid "0E8A571B-6926-466E-B4AD-8AB04611F5FE"

            let documents =
                [ for handle in reader.Documents ->
                      let document = reader.GetDocument handle
                      let name = reader.GetString document.Name

                      let hasSource =
                          reader.GetCustomDebugInformation(DocumentHandle.op_Implicit handle: EntityHandle)
                          |> Seq.exists (fun h -> reader.GetGuid (reader.GetCustomDebugInformation h).Kind = embedded)

                      name, hasSource ]

            let wrong =
                documents |> List.filter (fun (name, hasSource) -> not (name.StartsWith "/_/") || not hasSource)

            check
                (id + ": " + entry.FullName + " has its sources, under /_/")
                (not documents.IsEmpty && wrong.IsEmpty)
                (sprintf "%A" wrong)

    let work = Directory.CreateTempSubdirectory("cartocreds-packages-").FullName

    try
        let cache = Path.Combine(work, "nuget-packages")
        // The local folder first; the machine's own sources still serve FSharp.Core and the rest.
        let config = Path.Combine(work, "nuget.config")

        File.WriteAllText(
            config,
            "<configuration><packageSources><add key=\"cartocreds-local\" value=\""
            + packages
            + "\" /></packageSources></configuration>"
        )

        // The tool, installed from the folder and run.
        let tools = Path.Combine(work, "tools")

        let code, output =
            dotnetIn
                work
                cache
                [ "tool"
                  "install"
                  "CartoCreds.Cli"
                  "--version"
                  version
                  "--tool-path"
                  tools
                  "--configfile"
                  config ]

        check "the tool installs from the folder" (code = 0) output

        if code = 0 then
            let info =
                ProcessStartInfo(Path.Combine(tools, "cartocreds"), [ "--version" ], RedirectStandardOutput = true)

            use proc = Process.Start info
            let printed = proc.StandardOutput.ReadToEnd()
            proc.WaitForExit()

            check
                ("the installed tool runs and says " + version)
                (proc.ExitCode = 0 && printed = version + "\n")
                printed

        // Applications as users write them, beside the config that names the folder.
        let app (name: string) (project: string) (programFile: string, program: string) =
            let dir = Path.Combine(work, name)
            Directory.CreateDirectory dir |> ignore

            File.WriteAllText(
                Path.Combine(dir, name + (if programFile.EndsWith ".fs" then ".fsproj" else ".csproj")),
                project
            )

            File.WriteAllText(Path.Combine(dir, programFile), program)
            File.Copy(config, Path.Combine(dir, "nuget.config"))
            let code, output = dotnetIn dir cache [ "run"; "-c"; "Release" ]
            code, output

        let csharpCode, csharpOutput =
            app
                "CSharpOnNet8"
                ("<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net8.0</TargetFramework><RollForward>Major</RollForward><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup><ItemGroup><PackageReference Include=\"CartoCreds\" Version=\""
                 + version
                 + "\" /></ItemGroup></Project>")
                ("Program.cs",
                 "using CartoCreds;\nvar creds = new Credentials(username: \"johnsmith\", apiKey: \"0123456789abcdef\");\nConsole.WriteLine(creds);\n")

        check
            "a C# application on .NET 8 uses CartoCreds"
            (csharpCode = 0
             && csharpOutput.Contains
                 "Credentials(username=johnsmith, api_key=****cdef, base_url=https://johnsmith.carto.com)")
            csharpOutput

        // Hosting apps that pin the Microsoft.Extensions packages as LTS services and the SDK's
        // templates do: they restore (no NU1605), build with warnings as errors, start a host and
        // resolve credentials (SPEC §9).
        let hostingApp (name: string) (framework: string) (pins: (string * string) list) =
            let references =
                ("CartoCreds.Extensions.DependencyInjection", version) :: pins
                |> List.map (fun (id, v) -> "<PackageReference Include=\"" + id + "\" Version=\"" + v + "\" />")
                |> String.concat ""

            app
                name
                ("<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>"
                 + framework
                 + "</TargetFramework><RollForward>Major</RollForward><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup><ItemGroup>"
                 + references
                 + "</ItemGroup></Project>")
                ("Program.cs",
                 "using CartoCreds;\nusing Microsoft.Extensions.DependencyInjection;\nusing Microsoft.Extensions.Hosting;\n"
                 + "var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });\n"
                 + "builder.Services.AddCartoCredentials(o => { o.Username = \"johnsmith\"; o.ApiKey = \"0123456789abcdef\"; });\n"
                 + "builder.Services.AddHealthChecks().AddCartoCredentials();\n"
                 + "builder.Services.AddHttpClient(\"carto\").AddCartoAuthentication();\n"
                 + "using var host = builder.Build();\nawait host.StartAsync();\n"
                 + "Console.WriteLine(host.Services.GetRequiredService<Credentials>());\nawait host.StopAsync();\n")

        for name, framework, pins in
            [ "HostingPinnedTo8",
              "net8.0",
              [ "Microsoft.Extensions.Hosting", "8.0.1"
                "Microsoft.Extensions.Options", "8.0.2"
                "Microsoft.Extensions.Http", "8.0.1" ]
              "HostingPinnedTo10",
              "net10.0",
              [ "Microsoft.Extensions.Hosting", "10.0.0"
                "Microsoft.Extensions.Options", "10.0.0"
                "Microsoft.Extensions.Http", "10.0.0" ] ] do
            let code, output = hostingApp name framework pins

            check
                ("a "
                 + framework
                 + " host pinned to "
                 + (pins
                    |> List.map (fun (id, v) -> id.Replace("Microsoft.Extensions.", "") + " " + v)
                    |> String.concat ", ")
                 + " starts and resolves CartoCreds.Extensions.DependencyInjection")
                (code = 0
                 && output.Contains
                     "Credentials(username=johnsmith, api_key=****cdef, base_url=https://johnsmith.carto.com)")
                output

        let fsharpCode, fsharpOutput =
            app
                "FSharpPinned"
                ("<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><DisableImplicitFSharpCoreReference>true</DisableImplicitFSharpCoreReference><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup><ItemGroup><Compile Include=\"Program.fs\" /><PackageReference Include=\"FSharp.Core\" Version=\"10.0.111\" /><PackageReference Include=\"CartoCreds.Core\" Version=\""
                 + version
                 + "\" /></ItemGroup></Project>")
                ("Program.fs",
                 "open CartoCreds.Core\nmatch Credentials.create { CredentialsInput.Empty with Username = Some \"ana\" } with\n| Ok c -> printfn \"%s\" c.Text\n| Error e -> eprintfn \"%s\" (ValueMessages.valueErrors e)\n")

        check
            "an F# application pinned to FSharp.Core 10.0.111 uses CartoCreds.Core"
            (fsharpCode = 0 && fsharpOutput.Contains "Credentials(username=ana, api_key=default_public")
            fsharpOutput
    finally
        Directory.Delete(work, true)

    if failures.Count > 0 then
        eprintfn "build.fsx: %d package checks failed" failures.Count
        exit 1
