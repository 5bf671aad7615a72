/// SPEC §4 across processes: modes under any umask, and readers that never see a torn file.
module CartoCreds.Core.Tests.MultiProcessTests

open System
open System.Diagnostics
open System.IO
open System.Text
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators
open CartoCreds.Core.Tests.Support

let private mode (path: string) = File.GetUnixFileMode path

// ---- other processes ----

let private workerPath = Path.Combine(AppContext.BaseDirectory, "CartoCreds.Core.Tests.Worker.dll")

/// Starts the worker with a clean environment (only what the test gives) and, optionally, a umask.
let private startWorker (umask: string option) (variables: (string * string) list) (args: string list) =
    let quoted = args |> List.map (fun a -> "'" + a.Replace("'", "'\\''") + "'") |> String.concat " "

    let command =
        (umask |> Option.map (sprintf "umask %s && ") |> Option.defaultValue "")
        + $"exec dotnet '{workerPath}' {quoted}"

    let info =
        ProcessStartInfo(
            "bash",
            [ "-c"; command ],
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        )

    let keep = [ "PATH"; "DOTNET_ROOT"; "DOTNET_CLI_TELEMETRY_OPTOUT"; "DOTNET_NOLOGO" ]

    for name in info.Environment.Keys |> Seq.toArray do
        if not (List.contains name keep) then
            info.Environment.Remove name |> ignore

    for name, value in variables do
        info.Environment[name] <- value

    Process.Start info

let private finish (p: Process) =
    let output = p.StandardOutput.ReadToEndAsync()
    let errors = p.StandardError.ReadToEndAsync()
    p.WaitForExit()
    p.ExitCode, output.Result.Trim(), errors.Result.Trim()

[<UnixTheory("umask and Unix modes")>]
[<InlineData("000")>]
[<InlineData("022")>]
[<InlineData("277")>]
let ``the file is 0600 and new directories 0700 whatever the umask`` (umask: string) =
    use box = new Sandbox()
    let path = box.Path("deep", "er", "creds.json")

    let code, output, errors =
        startWorker (Some umask) [ "HOME", box.Root ] [ "save"; path; "ana"; "0123456789abcdef" ] |> finish

    Assert.True((code = 0), errors)
    Assert.Equal(path, output)
    Assert.Equal(UnixFileMode.UserRead ||| UnixFileMode.UserWrite, mode path)
    let rwx = UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute
    Assert.Equal(rwx, mode (box.Path "deep"))
    Assert.Equal(rwx, mode (box.Path("deep", "er")))

[<UnixFact("the workers are started through bash")>]
let ``while writer processes save repeatedly, reader processes never fail or see a torn file`` () =
    use box = new Sandbox()
    let path = box.Path "creds.json"
    let stop = box.Path "stop"
    let env = [ "HOME", box.Root ]
    let first, _, firstErrors = startWorker None env [ "write"; path; "1" ] |> finish
    Assert.True((first = 0), firstErrors)
    let readers = [ for _ in 1..2 -> startWorker None env [ "read"; path; stop; "120" ] ]
    let writers = [ for _ in 1..2 -> startWorker None env [ "write"; path; "300" ] ]
    let written = writers |> List.map finish
    File.WriteAllText(stop, "")
    let read = readers |> List.map finish

    for code, _, errors in written do
        Assert.True((code = 0), $"a writer failed: {errors}")

    for code, output, errors in read do
        Assert.True((code = 0), $"a reader failed: {errors}")
        Assert.True(int output > 0, "a reader read nothing")

    File.Delete stop
    Assert.Equal<string[]>([| path |], Directory.GetFileSystemEntries box.Root)
