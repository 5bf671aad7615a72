/// Runs `cartocreds` as a process, from the managed build or the Native AOT binary, with a clean
/// environment whose home and configuration directory are a temporary directory.
module CartoCreds.Cli.Tests.Tool

open System
open System.Diagnostics
open System.IO

/// A build of the tool: how to start it.
type Build =
    { Name: string
      Program: string
      Prefix: string list }

    override this.ToString() = this.Name

/// The checkout these tests were built from, when they run inside one.
let repositoryRoot = CartoCreds.Testing.Repository.root

let managed =
    { Name = "managed"
      Program = "dotnet"
      Prefix = [ Path.Combine(AppContext.BaseDirectory, "cartocreds.dll") ] }

/// The AOT binary that `dotnet fsi build.fsx publish` leaves in artifacts/aot/linux-x64.
let aot =
    repositoryRoot
    |> Option.map (fun root -> Path.Combine(root, "artifacts", "aot", "linux-x64", "cartocreds"))
    |> Option.filter File.Exists
    |> Option.map (fun path -> { Name = "aot"; Program = path; Prefix = [] })

/// The builds there are. `build.fsx test` publishes the AOT binary first and sets CARTOCREDS_REQUIRE_AOT, so a
/// missing binary fails there instead of being skipped.
let builds: Build list =
    match aot, Environment.GetEnvironmentVariable "CARTOCREDS_REQUIRE_AOT" with
    | Some binary, _ -> [ managed; binary ]
    | None, "1" ->
        failwith
            "CARTOCREDS_REQUIRE_AOT=1 but artifacts/aot/linux-x64/cartocreds is missing: run 'dotnet fsi build.fsx publish'"
    | None, _ -> [ managed ]

/// The command tree run inside the test process, with its own writers and input: fast, and the
/// same code as both builds run (the process-level behaviour has tests of its own).
let inProcess = { Name = "in-process"; Program = ""; Prefix = [] }

let byName (name: string) =
    if name = inProcess.Name then
        inProcess
    else
        builds |> List.find (fun b -> b.Name = name)

/// The AOT binary's row of a theory: run when it was published, and otherwise reported as
/// skipped (with the reason), so every run counts the same cases.
type AotAttribute() as this =
    inherit Xunit.Sdk.DataAttribute()

    do
        if aot.IsNone && Environment.GetEnvironmentVariable "CARTOCREDS_REQUIRE_AOT" <> "1" then
            this.Skip <- "the AOT binary is not published (dotnet fsi build.fsx publish)"

    override _.GetData _ = [ [| box "aot" |] ]

/// A theory that runs on Unix only (FIFOs, modes, `/bin/sh`, `script`), reported as skipped elsewhere.
type UnixTheoryAttribute() as this =
    inherit Xunit.TheoryAttribute()

    do
        if OperatingSystem.IsWindows() then
            this.Skip <- "Unix only: FIFOs, file modes, /bin/sh and script"

/// The in-process row of a theory.
type InProcessAttribute() =
    inherit Xunit.Sdk.DataAttribute()
    override _.GetData _ = [ [| box "in-process" |] ]

/// The managed build's row of a theory.
type ManagedAttribute() =
    inherit Xunit.Sdk.DataAttribute()
    override _.GetData _ = [ [| box "managed" |] ]

/// What a run printed and returned.
type Run = { Code: int; Out: string; Err: string }

/// A temporary home for one test, removed afterwards.
type Home() =
    let root = Directory.CreateTempSubdirectory("cartocreds-cli-").FullName
    member _.Root = root
    member _.Config = Path.Combine(root, "config")
    member this.SavedPath = Path.Combine(this.Config, "cartoframes", "creds.json")
    member _.Path(name: string) = Path.Combine(root, name)

    interface IDisposable with
        member _.Dispose() = Directory.Delete(root, true)

/// Runs the command tree in this process with a host of HOME, XDG_CONFIG_HOME and the given
/// variables, standard input from `stdin`, and writers of its own.
let private runInProcess (home: Home) (variables: (string * string) list) (stdin: string option) (args: string list) =
    let out = new StringWriter()
    let err = new StringWriter()
    let input = Text.Encoding.UTF8.GetBytes(defaultArg stdin "")

    let terminal: CartoCreds.Cli.Terminal =
        { Out = out
          Err = err
          OpenInput = fun () -> new MemoryStream(input) :> Stream
          IsInteractive = false }

    let host =
        CartoCreds.Core.Host.ofVariables ([ "HOME", home.Root; "XDG_CONFIG_HOME", home.Config ] @ variables)

    let code = CartoCreds.Cli.Program.run host terminal (Array.ofList args)
    { Code = code; Out = out.ToString(); Err = err.ToString() }

/// A child process with redirected streams and a clean environment: only PATH, DOTNET_ROOT,
/// HOME and XDG_CONFIG_HOME (the test's own), plus the given variables.
let private startInfo (program: string) (args: string list) (home: Home) (variables: (string * string) list) =
    let info = ProcessStartInfo(program, args)
    info.RedirectStandardOutput <- true
    info.RedirectStandardError <- true
    info.RedirectStandardInput <- true
    info.UseShellExecute <- false
    let keep = set [ "PATH"; "DOTNET_ROOT"; "DOTNET_CLI_TELEMETRY_OPTOUT"; "DOTNET_NOLOGO" ]

    for name in Seq.toArray info.Environment.Keys do
        if not (keep.Contains name) then
            info.Environment.Remove name |> ignore

    info.Environment["HOME"] <- home.Root
    info.Environment["XDG_CONFIG_HOME"] <- home.Config

    for name, value in variables do
        info.Environment[name] <- value

    info

/// Runs the tool with only PATH, DOTNET_ROOT, HOME and XDG_CONFIG_HOME, plus the given variables.
let runWith
    (build: Build)
    (home: Home)
    (variables: (string * string) list)
    (stdin: string option)
    (args: string list)
    : Run =
    if build.Name = inProcess.Name then
        runInProcess home variables stdin args
    else

        let info = startInfo build.Program (build.Prefix @ args) home variables

        use proc = Process.Start info
        let out = proc.StandardOutput.ReadToEndAsync()
        let err = proc.StandardError.ReadToEndAsync()
        stdin |> Option.iter proc.StandardInput.Write
        proc.StandardInput.Close()

        if not (proc.WaitForExit 60_000) then
            proc.Kill true
            failwith "cartocreds did not finish within 60 s"

        { Code = proc.ExitCode; Out = out.Result; Err = err.Result }

let run build home args = runWith build home [] None args

/// Starts a build of the tool (not the in-process one) as `runWith` would, and leaves it running.
let start (build: Build) (home: Home) (variables: (string * string) list) (args: string list) : Process =
    Process.Start(startInfo build.Program (build.Prefix @ args) home variables)

/// Runs the tool through `/bin/sh` with a redirection of its own (`< /dev/zero`, `> /dev/full`).
let runRedirected (build: Build) (home: Home) (redirection: string) (args: string list) : Run =
    let shell =
        { Name = build.Name
          Program = "/bin/sh"
          Prefix = [ "-c"; "exec \"$0\" \"$@\" " + redirection; build.Program ] @ build.Prefix }

    runWith shell home [] None args

/// Runs the tool on a pseudo-terminal (`script`) with the given variables, answers what `answer`
/// makes of the terminal's text once `prompt` has appeared, and returns everything the terminal
/// showed. The answer is sent only after the prompt, when the tool has turned echo off: typed
/// earlier, the terminal itself would echo it.
let runAtTerminalWith
    (build: Build)
    (home: Home)
    (variables: (string * string) list)
    (args: string list)
    (prompt: string)
    (answer: string -> string)
    (after: string)
    : Run =
    let quote (word: string) = "'" + word.Replace("'", "'\\''") + "'"
    let command = (build.Program :: build.Prefix @ args |> List.map quote |> String.concat " ") + after

    let info = startInfo "script" [ "-qec"; command; "/dev/null" ] home (("TERM", "xterm") :: variables)

    use proc = Process.Start info
    let shown = Text.StringBuilder()
    let text () = lock shown (fun () -> shown.ToString())

    // Bytes as they come: a StreamReader asked for 256 characters may wait for all 256.
    let reader =
        Threading.Tasks.Task.Run(fun () ->
            let input = proc.StandardOutput.BaseStream
            let decoder = Text.UTF8Encoding(false).GetDecoder()
            let bytes = Array.zeroCreate<byte> 4096
            let chars = Array.zeroCreate<char> 4097
            let mutable n = input.Read(bytes, 0, bytes.Length)

            while n > 0 do
                let count = decoder.GetChars(bytes, 0, n, chars, 0)
                lock shown (fun () -> shown.Append(chars, 0, count) |> ignore)
                n <- input.Read(bytes, 0, bytes.Length))

    let err = proc.StandardError.ReadToEndAsync()
    let deadline = DateTime.UtcNow.AddSeconds 60.0

    while not ((text ()).Contains prompt) && not proc.HasExited && DateTime.UtcNow < deadline do
        Threading.Thread.Sleep 50

    // The prompt is written just before echo is turned off: give the tool a moment to turn it off.
    Threading.Thread.Sleep 300

    if not ((text ()).Contains prompt) then
        failwith (
            "no prompt within 60 s, or the tool ended first; the terminal showed: "
            + (text ()).Replace("\u001b", "<ESC>").Replace("\r", "<CR>")
        )

    match answer (text ()) with
    | "" -> ()
    | typed ->
        proc.StandardInput.Write typed
        proc.StandardInput.Flush()

    if not (proc.WaitForExit 60_000) then
        proc.Kill true
        failwith ("no end within 60 s; the terminal showed: " + text ())

    reader.Wait 5_000 |> ignore
    { Code = proc.ExitCode; Out = text (); Err = err.Result }

/// Runs the tool on a pseudo-terminal, answers its prompt, then runs `after` in the same shell.
let runAtTerminalThen
    (build: Build)
    (home: Home)
    (args: string list)
    (prompt: string)
    (answer: string)
    (after: string)
    =
    runAtTerminalWith build home [] args prompt (fun _ -> answer) after

/// Runs the tool on a pseudo-terminal and answers its prompt (see `runAtTerminalWith`).
let runAtTerminal (build: Build) (home: Home) (args: string list) (prompt: string) (answer: string) : Run =
    runAtTerminalThen build home args prompt answer ""

/// A token whose JWT `exp` is `at`.
let jwt (at: DateTimeOffset) =
    let payload =
        Convert
            .ToBase64String(Text.Encoding.UTF8.GetBytes("{\"exp\":" + string (at.ToUnixTimeSeconds()) + "}"))
            .TrimEnd('=')

    "eyJhbGciOiJub25lIn0." + payload + ".c2ln"
