namespace CartoCreds.Core

open System
open System.Diagnostics

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

    /// Starts the browser on `url`; false when it could not be started (the URL is shown anyway).
    let openUrl (host: Host) (url: Uri) : bool =
        let program, args = command host url.AbsoluteUri

        try
            let info = ProcessStartInfo(program, args)
            info.UseShellExecute <- false
            // The browser's own output is not the tool's.
            info.RedirectStandardOutput <- true
            info.RedirectStandardError <- true
            info.RedirectStandardInput <- true

            match Process.Start info with
            | null -> false
            | started ->
                started.StandardInput.Close()
                started.OutputDataReceived.Add ignore
                started.ErrorDataReceived.Add ignore
                started.BeginOutputReadLine()
                started.BeginErrorReadLine()
                true
        with _ ->
            false
