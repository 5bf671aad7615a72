namespace CartoCreds.Testing

open System
open System.Diagnostics
open System.IO

/// The programs the tests start from this machine's PATH.
module Programs =

    /// Where `program` is on PATH, when it is there.
    let find (program: string) : string option =
        (Environment.GetEnvironmentVariable "PATH" |> Option.ofObj |> Option.defaultValue "").Split(Path.PathSeparator)
        |> Array.tryPick (fun dir ->
            let path = Path.Combine(dir, program)
            if dir <> "" && File.Exists path then Some path else None)

/// <summary>
/// A private Secret Service for the keychain's tests (SPEC §11): a `dbus-daemon` of its own (no
/// service activation, so nothing else can answer) and `gnome-keyring-daemon --unlock`, its login
/// keyring's password given on stdin, in a home and runtime directory of its own. Disposed, both
/// stop and the directories go.
/// </summary>
module PrivateKeyring =
    let private onPath (program: string) = (Programs.find program).IsSome

    /// Why the keyring's tests cannot run here, if they cannot.
    let missing =
        if not (OperatingSystem.IsLinux()) then
            Some "the Secret Service is Linux's"
        else
            [ "dbus-daemon"; "dbus-send"; "gnome-keyring-daemon"; "secret-tool" ]
            |> List.filter (onPath >> not)
            |> function
                | [] -> None
                | absent ->
                    Some(
                        String.Join(", ", absent)
                        + " not installed (apt install dbus-daemon dbus-bin gnome-keyring libsecret-tools; .ci/run does when it can)"
                    )

    let private busConfig (socket: string) =
        $"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
     "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
    <busconfig>
      <type>session</type>
      <listen>unix:path={socket}</listen>
      <auth>EXTERNAL</auth>
      <policy context="default">
        <allow send_destination="*" eavesdrop="true"/>
        <allow eavesdrop="true"/>
        <allow own="*"/>
      </policy>
    </busconfig>
    """

    /// A session bus of its own; with `keyring`, gnome-keyring on it, unlocked.
    type Bus(keyring: bool) =
        let root = Directory.CreateTempSubdirectory("cartocreds-keyring-").FullName
        let home = Directory.CreateDirectory(Path.Combine(root, "home")).FullName
        let runtime = Directory.CreateDirectory(Path.Combine(root, "run")).FullName
        let config = Path.Combine(root, "bus.conf")
        do File.WriteAllText(config, busConfig (Path.Combine(runtime, "bus")))

        let start (program: string) (arguments: string list) (environment: (string * string) list) =
            let info =
                ProcessStartInfo(
                    program,
                    arguments,
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false
                )

            info.Environment.Clear()
            info.Environment["PATH"] <- Environment.GetEnvironmentVariable "PATH"
            info.Environment["HOME"] <- home
            info.Environment["XDG_RUNTIME_DIR"] <- runtime

            for name, value in environment do
                info.Environment[name] <- value

            Process.Start info

        let daemon = start "dbus-daemon" [ "--config-file=" + config; "--nofork"; "--print-address=1" ] []
        let address = daemon.StandardOutput.ReadLine()

        let secrets =
            if keyring then
                let child =
                    start
                        "gnome-keyring-daemon"
                        [ "--unlock"; "--components=secrets"; "--foreground" ]
                        [ "DBUS_SESSION_BUS_ADDRESS", address ]

                child.StandardInput.Write "private-keyring-password"
                child.StandardInput.Close()
                child.OutputDataReceived.Add ignore
                child.ErrorDataReceived.Add ignore
                child.BeginOutputReadLine()
                child.BeginErrorReadLine()
                Some child
            else
                None

        do
            if String.IsNullOrEmpty address then
                failwith ("dbus-daemon did not start: " + daemon.StandardError.ReadToEnd())

        member _.Address = address
        member _.Home = home
        member _.Runtime = runtime

        /// The keyring daemon's process, for a test that stops it (SIGSTOP) to make it hang.
        member _.KeyringProcess = secrets

        /// The variables a child process (secret-tool, the tool) needs to reach this bus.
        member _.Variables = [ "HOME", home; "XDG_RUNTIME_DIR", runtime; "DBUS_SESSION_BUS_ADDRESS", address ]

        /// Runs `program` with this bus; its exit code and output, within 20 s.
        member _.Run (program: string) (arguments: string list) (input: string) =
            let child = start program arguments [ "DBUS_SESSION_BUS_ADDRESS", address ]
            child.StandardInput.Write input
            child.StandardInput.Close()
            let output = child.StandardOutput.ReadToEndAsync()
            let errors = child.StandardError.ReadToEndAsync()

            if not (child.WaitForExit 20_000) then
                child.Kill true
                failwith $"{program} did not finish within 20 s"

            child.ExitCode, output.Result, errors.Result

        /// Locks the login keyring as a screen locker does: the Secret Service's `Lock`, over D-Bus.
        member this.LockLogin() =
            let code, _, errors =
                this.Run
                    "dbus-send"
                    [ "--session"
                      "--dest=org.freedesktop.secrets"
                      "--print-reply"
                      "/org/freedesktop/secrets"
                      "org.freedesktop.Secret.Service.Lock"
                      "array:objpath:/org/freedesktop/secrets/collection/login" ]
                    ""

            if code <> 0 then
                failwith ("the keyring could not be locked: " + errors)

        interface IDisposable with
            member _.Dispose() =
                for child in Option.toList secrets @ [ daemon ] do
                    try
                        if not child.HasExited then
                            child.Kill true
                            child.WaitForExit 10_000 |> ignore
                    with _ ->
                        ()

                    child.Dispose()

                Directory.Delete(root, true)
