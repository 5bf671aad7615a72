// The project's build script: `dotnet fsi build.fsx <target>`. Needs only the .NET SDK.
//
//   build    restore and build the solution (Release, warnings as errors)
//   test     build, publish the AOT binaries the tests run, run every test project, print "N passed, N failed"
//   demo     build the core and run examples/quickstart.fsx (a tour in a temporary directory)
//   publish  publish the cartocreds tool and the worker example as Native AOT binaries (linux-x64 unless RID is set)
//   bench    run the benchmarks and the start-up timing (see BENCHMARKS.md)
//   standin  start the loopback CARTO stand-in the README's HTTP and hosting examples call (Ctrl-C stops it)
//   pack     make the NuGet packages in artifacts/packages (0.2.0-dev.N, N the commit count; 'pack release'
//            for 0.2.0), then check them as a user meets them

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions

#load "eng/PackageChecks.fsx"

let root = __SOURCE_DIRECTORY__
let solution = Path.Combine(root, "CartoCreds.Functional.sln")

let rid =
    match Environment.GetEnvironmentVariable "RID" with
    | null
    | "" -> "linux-x64"
    | value -> value

/// Runs a command in the repository, echoing its output; returns the exit code and the output.
let run (program: string) (arguments: string list) : int * string list =
    printfn "> %s %s" program (String.concat " " arguments)

    let info =
        ProcessStartInfo(
            program,
            arguments,
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            UseShellExecute = false
        )

    use proc = Process.Start info
    let lines = ResizeArray<string>()
    let mutable line = proc.StandardOutput.ReadLine()

    while not (isNull line) do
        printfn "%s" line
        lines.Add line
        line <- proc.StandardOutput.ReadLine()

    proc.WaitForExit()
    proc.ExitCode, List.ofSeq lines

let check (code: int, _: string list) =
    if code <> 0 then
        eprintfn "build.fsx: command failed with exit code %d" code
        exit code

let build () = check (run "dotnet" [ "build"; solution; "-c"; "Release"; "-warnaserror"; "-nologo" ])

let demo () =
    check (
        run
            "dotnet"
            [ "build"; Path.Combine(root, "src", "CartoCreds.Core"); "-c"; "Release"; "-nologo"; "-v"; "quiet" ]
    )

    check (run "dotnet" [ "fsi"; Path.Combine(root, "examples", "quickstart.fsx") ])

/// The loopback CARTO stand-in for the README's examples (eng/StandIn.fsx), until Ctrl-C.
let standIn () =
    let testing = Path.Combine(root, "tests", "CartoCreds.Testing")
    check (run "dotnet" [ "build"; testing; "-c"; "Release"; "-nologo"; "-v"; "quiet" ])
    // Its own console: it prints what to export, and reads Ctrl-D; Ctrl-C is its to handle.
    Console.CancelKeyPress.Add(fun e -> e.Cancel <- true)

    use proc =
        Process.Start(ProcessStartInfo("dotnet", [ "fsi"; Path.Combine(root, "eng", "StandIn.fsx") ]))

    proc.WaitForExit()

/// A Native AOT publish with warnings as errors: a trim or AOT warning fails the build.
let private publishAot (project: string) (output: string) =
    run
        "dotnet"
        [ "publish"
          project
          "-c"
          "Release"
          "-r"
          rid
          "-p:PublishAot=true"
          "-warnaserror"
          "-o"
          output
          "-nologo" ]

/// Both AOT binaries: the tool, and the hosting example (configuration binding, DI and
/// IHttpClientFactory under Native AOT, SPEC §9). The exit code of the first that failed, else 0.
let private tryPublish () =
    match publishAot (Path.Combine(root, "src", "CartoCreds.Cli")) (Path.Combine(root, "artifacts", "aot", rid)) with
    | 0, _ ->
        publishAot (Path.Combine(root, "examples", "CartoWorker")) (Path.Combine(root, "artifacts", "aot-worker", rid))
        |> fst
    | code, _ -> code

let publish () = check (tryPublish (), [])

/// Whether Wine is on this Linux machine's PATH.
let private hasWine () =
    OperatingSystem.IsLinux()
    && (Environment.GetEnvironmentVariable "PATH" |> string).Split(':')
       |> Array.exists (fun dir -> dir <> "" && File.Exists(Path.Combine(dir, "wine")))

/// Runs every test project and prints the totals on a line of their own. It builds what the tests
/// need first, the Native AOT binaries included, so that no test is skipped for want of one.
let test () =
    build ()

    // Native AOT needs a C toolchain (clang or gcc) besides the SDK. Where it is missing, the AOT
    // cases are reported as skipped, and this says why; CI has one, and requires them.
    match tryPublish (), Environment.GetEnvironmentVariable "CI" with
    | 0, _ -> Environment.SetEnvironmentVariable("CARTOCREDS_REQUIRE_AOT", "1")
    | code, "true" ->
        eprintfn "build.fsx: the Native AOT publish failed (exit code %d)" code
        exit code
    | _ ->
        eprintfn
            "build.fsx: the Native AOT binaries could not be published (a C toolchain, clang or gcc, is needed); their tests are reported as skipped"

    // The tool's Windows paths run under Wine (SPEC §14): a self-contained win-x64 build of the tool
    // and of the core's Windows checks, published where Wine is installed; elsewhere those tests
    // are reported as skipped, with the reason.
    if hasWine () then
        check (
            run
                "dotnet"
                [ "publish"
                  Path.Combine(root, "src", "CartoCreds.Cli")
                  "-c"
                  "Release"
                  "-r"
                  "win-x64"
                  "--self-contained"
                  "-f"
                  "net10.0"
                  "-warnaserror"
                  "-o"
                  Path.Combine(root, "artifacts", "win-x64")
                  "-nologo" ]
        )

        // The core's Windows checks (WindowsFiles, the Credential Manager), run by WindowsFilesTests.
        check (
            run
                "dotnet"
                [ "publish"
                  Path.Combine(root, "tests", "CartoCreds.Core.Tests.Windows")
                  "-c"
                  "Release"
                  "-r"
                  "win-x64"
                  "--self-contained"
                  "-warnaserror"
                  "-o"
                  Path.Combine(root, "artifacts", "win-x64-tests")
                  "-nologo" ]
        )

    let code, lines = run "dotnet" [ "test"; solution; "-c"; "Release"; "--no-build"; "-nologo" ]

    let summary = Regex(@"Failed:\s+(\d+), Passed:\s+(\d+), Skipped:\s+(\d+)")

    let totals =
        lines
        |> List.choose (fun l ->
            let m = summary.Match l

            if m.Success then
                Some(int m.Groups[1].Value, int m.Groups[2].Value, int m.Groups[3].Value)
            else
                None)

    let failed = totals |> List.sumBy (fun (f, _, _) -> f)
    let passed = totals |> List.sumBy (fun (_, p, _) -> p)
    let skipped = totals |> List.sumBy (fun (_, _, s) -> s)
    // A test project that crashed reports no counts: count it as a failure rather than hide it.
    let failed = if code <> 0 && failed = 0 then failed + 1 else failed
    printfn ""

    if skipped > 0 then
        printfn "%d passed, %d failed, %d skipped" passed failed skipped
    else
        printfn "%d passed, %d failed" passed failed

    if code <> 0 then
        exit code

let bench () =
    build ()
    publish ()
    check (run "dotnet" [ "fsi"; Path.Combine(root, "bench", "startup.fsx") ])
    check (run "dotnet" [ "fsi"; Path.Combine(root, "bench", "handler.fsx") ])
    check (run "dotnet" [ "fsi"; Path.Combine(root, "bench", "save.fsx") ])
    check (run "dotnet" [ "fsi"; Path.Combine(root, "bench", "profile-save.fsx") ])

    check (
        run
            "dotnet"
            [ "run"
              "--project"
              Path.Combine(root, "bench", "CartoCreds.Bench")
              "-c"
              "Release"
              "--"
              "--filter"
              "*" ]
    )

/// The version `pack` stamps: 0.2.0 when a release is asked for, else 0.2.0-dev.N, N being the
/// number of commits, so that every commit's packs differ (a NuGet cache never serves an old one).
let private packVersion (release: bool) =
    let prefix = "0.2.0"

    if release then
        prefix, [ "-p:CartoCredsRelease=true" ]
    else
        match run "git" [ "-C"; root; "rev-list"; "--count"; "HEAD" ] with
        | 0, count :: _ -> prefix + "-dev." + count.Trim(), [ "-p:VersionSuffix=dev." + count.Trim() ]
        | _ -> failwith "build.fsx pack: the commit count comes from git; ask for a release with 'pack release'"

let pack (release: bool) =
    let packages = Path.Combine(root, "artifacts", "packages")
    let version, versionProperties = packVersion release

    if Directory.Exists packages then
        Directory.Delete(packages, true)

    // Deterministic: source paths in the symbols are /_/…, not this machine's. A full rebuild, since
    // an incremental build keeps the paths it was built with.
    let build =
        [ "build"; solution; "-c"; "Release"; "--no-incremental"; "-p:ContinuousIntegrationBuild=true" ]
        @ [ "-nologo"; "-v"; "quiet" ]
        @ versionProperties

    let packing =
        [ "pack"; solution; "-c"; "Release"; "--no-build"; "-p:ContinuousIntegrationBuild=true" ]
        @ [ "-o"; packages; "-nologo" ]
        @ versionProperties

    check (run "dotnet" build)
    check (run "dotnet" packing)
    printfn "packed %s" version
    PackageChecks.checkPackages packages version

match fsi.CommandLineArgs |> Array.tail |> List.ofArray with
| [ "build" ] -> build ()
| [ "test" ] -> test ()
| [ "demo" ]
| [] -> demo ()
| [ "publish" ] -> publish ()
| [ "bench" ] -> bench ()
| [ "pack" ] -> pack false
| [ "pack"; "release" ] -> pack true
| [ "standin" ] -> standIn ()
| other ->
    eprintfn "build.fsx: unknown target %A; targets: build, test, demo, publish, bench, pack, standin" other
    exit 2
