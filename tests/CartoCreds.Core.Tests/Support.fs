/// What the core's tests share: a sandbox of their own, child processes with bounded waits, and
/// facts that need a platform or a capability, skipped with the reason elsewhere.
module CartoCreds.Core.Tests.Support

open System
open System.Diagnostics
open System.IO
open Xunit
open CartoCreds.Core

/// `Shell.resolveCloud`'s credentials with their origin, without the services it carries.
let resolveCloud host now request = Shell.resolveCloud host now request |> Result.map _.Resolved

/// A temporary directory, removed afterwards, with a host whose home is inside it.
type Sandbox() =
    let root = Directory.CreateTempSubdirectory("cartocreds-test-").FullName
    member _.Root = root
    member _.Path([<ParamArray>] parts: string[]) = Path.Combine(Array.append [| root |] parts)
    member this.ConfigDirectory = this.Path(".config", "cartoframes")
    member this.SavedPath = this.Path(".config", "cartoframes", "creds.json")

    member this.Host(variables: (string * string) list) =
        Host.ofVariables ([ "HOME", root; "XDG_CONFIG_HOME", this.Path ".config" ] @ variables)

    interface IDisposable with
        member _.Dispose() =
            try
                Directory.Delete(root, true)
            with _ ->
                ()

/// A CARTO 3 text value (token, client id, secret) that a test knows to be valid.
let cloudText (field: CloudField) (value: string) : CloudText =
    match CloudText.create field value with
    | Ok t -> t
    | Error e -> failwithf "%A" e

/// A service URL (an auth server's, an accounts service's) that must be valid.
let serviceUrl (value: string) : ServiceUrl =
    match ServiceUrl.create value with
    | Ok url -> url
    | Error e -> failwithf "%A" e

/// CARTO 3 credentials of an access token, for tests that save or read one.
let tokenCredentials (text: string) : CloudCredentials =
    match CloudCredentials.ofToken text None with
    | Ok c -> c
    | Error e -> failwithf "%A" e

/// A JWT whose payload says `exp`, made distinct by `tag` (its signature, which is not read).
let jwtExpiring (exp: DateTimeOffset) (tag: string) =
    let part (text: string) =
        Convert.ToBase64String(Text.Encoding.UTF8.GetBytes text).TrimEnd('=').Replace('+', '-').Replace('/', '_')

    part "{\"alg\":\"none\"}" + "." + part ("{\"exp\":" + string (exp.ToUnixTimeSeconds()) + "}") + "." + tag

/// The log of every token source the token tests make (SPEC §10): each line at every level is
/// formatted, and one that holds a secret the suite uses (a client secret, an issued token) throws
/// where it is logged, so the scenario that logged it fails.
module Watched =

    let private secrets =
        Text.RegularExpressions.Regex(
            "s3cr3t|stand-in-client-secret|[a-z]+-token-[0-9a-z]*-?abcdefghijkl|token-[0-9]+-abcdefghijkl",
            Text.RegularExpressions.RegexOptions.Compiled
        )

    /// A logger that refuses a secret.
    let logger: Microsoft.Extensions.Logging.ILogger =
        { new Microsoft.Extensions.Logging.ILogger with
            member _.BeginScope<'State>(_: 'State) : IDisposable = null
            member _.IsEnabled _ = true

            member _.Log<'State>(_, _, state: 'State, error, formatter: Func<'State, exn, string>) =
                let line = formatter.Invoke(state, error)

                if secrets.IsMatch line then
                    failwith ("a secret was logged: " + line) }

/// Child processes: run to their end within a bound.
module Processes =

    /// Runs a program to its end (60 s at most); exit code, output and errors.
    let run (program: string) (arguments: string list) : int * string * string =
        let info =
            ProcessStartInfo(
                program,
                arguments,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false
            )

        use proc = Process.Start info
        let output = proc.StandardOutput.ReadToEndAsync()
        let errors = proc.StandardError.ReadToEndAsync()

        if not (proc.WaitForExit 60_000) then
            proc.Kill true
            failwithf "%s did not finish within 60 s" program

        proc.ExitCode, output.Result, errors.Result

    /// Runs a program that must succeed.
    let succeed (program: string) (arguments: string list) : unit =
        let code, _, errors = run program arguments
        Assert.True((code = 0), program + " failed: " + errors)

    /// Makes a directory unwritable: by its permissions, or, where they do not bind (root), `chattr +i`.
    /// Returns how to undo it, or None when this machine can do neither.
    let lockDirectory (dir: string) : (unit -> unit) option =
        let chattr (flag: string) =
            try
                let code, _, _ = run "chattr" [ flag; dir ]
                code = 0
            with :? ComponentModel.Win32Exception ->
                false // no chattr here

        let rwx = UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute
        File.SetUnixFileMode(dir, UnixFileMode.UserRead ||| UnixFileMode.UserExecute)
        let probe = Path.Combine(dir, ".probe")

        let writable =
            try
                File.WriteAllText(probe, "")
                File.Delete probe
                true
            with _ ->
                false

        if not writable then
            Some(fun () -> File.SetUnixFileMode(dir, rwx))
        else
            File.SetUnixFileMode(dir, rwx)

            if chattr "+i" then Some(fun () -> chattr "-i" |> ignore) else None

/// The worker process of the core's tests (tests/CartoCreds.Core.Tests.Worker), started with a
/// clean environment: only what the test gives.
module Worker =

    let workerPath = Path.Combine(AppContext.BaseDirectory, "CartoCreds.Core.Tests.Worker.dll")

    /// Starts the worker with a clean environment (only what the test gives) and, optionally, a umask.
    let start (umask: string option) (variables: (string * string) list) (args: string list) =
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

    /// Waits for the worker's end (120 s at most): exit code, output and errors.
    let finish (p: Process) =
        let output = p.StandardOutput.ReadToEndAsync()
        let errors = p.StandardError.ReadToEndAsync()

        if not (p.WaitForExit 120_000) then
            p.Kill true
            failwith "the worker did not finish within 120 s"

        p.ExitCode, output.Result.Trim(), errors.Result.Trim()

/// A fact that runs on Linux only, and is reported as skipped, with the reason, elsewhere.
type LinuxFactAttribute(reason: string) as this =
    inherit FactAttribute()

    do
        if not (OperatingSystem.IsLinux()) then
            this.Skip <- "Linux only: " + reason

/// A fact that runs on Unix only (Linux, macOS), and is reported as skipped elsewhere.
type UnixFactAttribute(reason: string) as this =
    inherit FactAttribute()

    do
        if OperatingSystem.IsWindows() then
            this.Skip <- "Unix only: " + reason

/// A theory that runs on Unix only (Linux, macOS), and is reported as skipped elsewhere.
type UnixTheoryAttribute(reason: string) as this =
    inherit TheoryAttribute()

    do
        if OperatingSystem.IsWindows() then
            this.Skip <- "Unix only: " + reason

/// A fact that needs a directory it can make unwritable: by its permissions (not root), or with
/// `chattr +i` (root, on a file system that supports it); skipped with the reason elsewhere.
type LockableFactAttribute() as this =
    inherit FactAttribute()

    do
        if OperatingSystem.IsWindows() then
            this.Skip <- "Unix only: directory permissions"
        else
            let probe = Directory.CreateTempSubdirectory("cartocreds-lock-probe-").FullName

            try
                match Processes.lockDirectory probe with
                | Some unlock -> unlock ()
                | None -> this.Skip <- "no directory can be made unwritable here (root without chattr +i support)"
            finally
                Directory.Delete(probe, true)

/// A fact that gives files to another user (`chown`): it needs root, as the tests run here.
type RootFactAttribute() as this =
    inherit FactAttribute()

    do
        if not (OperatingSystem.IsLinux()) || Environment.UserName <> "root" then
            this.Skip <- "needs root on Linux to give a file to another user (chown)"

/// A fact that runs the worker as an unprivileged user with `setpriv`: it needs root and setpriv.
type AsAnotherUserFactAttribute() as this =
    inherit FactAttribute()

    do
        if
            not (OperatingSystem.IsLinux()) || Environment.UserName <> "root" || not (File.Exists "/usr/bin/setpriv")
        then
            this.Skip <- "needs root and /usr/bin/setpriv to run the worker as an unprivileged user"
