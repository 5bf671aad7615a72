namespace CartoCreds.Testing

open System
open System.Diagnostics
open System.IO

/// <summary>
/// Windows code run under Wine (Debian's `wine64`, a second implementation of the Win32 API), in a
/// private `WINEPREFIX` and `HOME` made once per test process in a temporary directory: nothing of
/// the user's own Wine or home is read or written. Tests that need it are skipped, with the reason,
/// where Wine is not installed (.ci/run installs it when it can).
/// </summary>
module PrivateWine =

    /// The Wine loader, when this machine has one.
    let private wine = if OperatingSystem.IsLinux() then Programs.find "wine" else None

    /// Why Windows code cannot run here, if it cannot.
    let missing =
        match wine with
        | None when not (OperatingSystem.IsLinux()) -> Some "Wine runs Windows code on Linux only"
        | None -> Some "wine is not installed (apt install wine64 wine; .ci/run does when it can)"
        | Some _ -> None

    /// The private prefix and home, made (and Wine's prefix booted) at first use.
    let private root =
        lazy
            (let root = Directory.CreateTempSubdirectory("cartocreds-wine-").FullName
             Directory.CreateDirectory(Path.Combine(root, "home")) |> ignore
             root)

    let private variables () =
        [ "WINEPREFIX", Path.Combine(root.Value, "prefix")
          "HOME", Path.Combine(root.Value, "home")
          "WINEDEBUG", "-all" ]

    let private startInfo (program: string) (arguments: string list) (environment: (string * string) list) =
        let info =
            ProcessStartInfo(
                wine.Value,
                program :: arguments,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false
            )

        info.Environment.Clear()
        info.Environment["PATH"] <- Environment.GetEnvironmentVariable "PATH"

        for name, value in variables () @ environment do
            info.Environment[name] <- value

        info

    /// Starts `program` under Wine and leaves it running (a second Windows process, such as one
    /// that holds a file open); its output is read and dropped.
    let start (program: string) (arguments: string list) : Process =
        let child = Process.Start(startInfo program arguments [])
        child.OutputDataReceived.Add ignore
        child.ErrorDataReceived.Add ignore
        child.BeginOutputReadLine()
        child.BeginErrorReadLine()
        child

    /// Runs `program` (a Windows program, or a built-in such as `cmd.exe`) under Wine with
    /// `arguments`; its exit code, standard output and error, within 120 s (the first run boots
    /// the prefix).
    let run (program: string) (arguments: string list) (environment: (string * string) list) =
        use child = Process.Start(startInfo program arguments environment)
        let output = child.StandardOutput.ReadToEndAsync()
        let errors = child.StandardError.ReadToEndAsync()

        if not (child.WaitForExit 120_000) then
            child.Kill true
            failwith (program + " did not finish under Wine within 120 s")

        child.ExitCode, output.Result, errors.Result

    /// The private prefix's directory (booted or not).
    let prefix () = Path.Combine(root.Value, "prefix")

    /// Boots the prefix, once per process, so that a test's first run is not the slow one.
    let boot =
        let booted =
            lazy
                (let code, _, errors = run "cmd.exe" [ "/c"; "exit" ] []

                 if code <> 0 then
                     failwith ("Wine's prefix did not boot: " + errors))

        fun () -> booted.Force()

    /// A Linux path as Windows code under Wine names it (Wine's `Z:` drive is the root).
    let windowsPath (path: string) = "Z:" + path.Replace('/', '\\')
