namespace CartoCreds.Core

open System
open System.Diagnostics
open System.Threading
open System.Threading.Tasks

/// How a login's URL reaches a browser (SPEC §7.5): `$BROWSER URL` when `BROWSER` is set (its
/// words, the URL in place of a `%s` or after them), else the platform's opener (`xdg-open`,
/// `open`, `explorer`). The browser is started and left to run; nothing waits for it.
[<RequireQualifiedAccess>]
module Browser =

    [<Literal>]
    let Variable = "BROWSER"

    /// The program and its arguments that open `url` on this host.
    let command (host: Host) (url: string) : string * string list =
        match host.GetVariable Variable |> Input.givenOption with
        | Some browser ->
            match browser.Split(' ', StringSplitOptions.RemoveEmptyEntries) |> List.ofArray with
            | program :: args when args |> List.exists (fun a -> a.Contains "%s") ->
                program, args |> List.map (fun a -> a.Replace("%s", url))
            | program :: args -> program, args @ [ url ]
            | [] -> "xdg-open", [ url ]
        | None ->
            match host.Platform with
            | Platform.MacOS -> "open", [ url ]
            | Platform.Windows -> "explorer", [ url ]
            | Platform.Linux -> "xdg-open", [ url ]

    /// How long an opener is watched for a failure: `xdg-open` and `open` end at once, a browser
    /// named by `$BROWSER` may run on.
    let private watched = TimeSpan.FromSeconds 5.0

    /// Starts the browser on `url`: false when it could not be started, or ended with a failure
    /// within 5 s (`xdg-open` with nothing to open with); true when it ended well or runs on.
    /// The URL is shown anyway, so false is never the login's failure.
    let openUrlAsync (host: Host) (url: Uri) : Task<bool> =
        let program, args = command host url.AbsoluteUri

        try
            let info = ProcessStartInfo(program, args)
            info.UseShellExecute <- false
            // The browser's own output is not the tool's.
            info.RedirectStandardOutput <- true
            info.RedirectStandardError <- true
            info.RedirectStandardInput <- true

            match Process.Start info with
            | null -> Task.FromResult false
            | started ->
                started.StandardInput.Close()
                started.OutputDataReceived.Add ignore
                started.ErrorDataReceived.Add ignore
                started.BeginOutputReadLine()
                started.BeginErrorReadLine()

                task {
                    use started = started
                    use timer = new CancellationTokenSource(watched)

                    try
                        do! started.WaitForExitAsync timer.Token
                        return started.ExitCode = 0
                    with :? OperationCanceledException ->
                        return true
                }
        with _ ->
            Task.FromResult false

    /// Whether a browser could show a window here: on Linux, `DISPLAY` or `WAYLAND_DISPLAY` is
    /// set; macOS and Windows always have one.
    let hasDisplay (host: Host) : bool =
        match host.Platform with
        | Platform.Linux ->
            [ "DISPLAY"; "WAYLAND_DISPLAY" ]
            |> List.exists (fun name -> (host.GetVariable name |> Input.givenOption).IsSome)
        | Platform.MacOS
        | Platform.Windows -> true
