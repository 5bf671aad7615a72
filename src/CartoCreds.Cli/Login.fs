/// `cartocreds cloud login` (SPEC §6, §7.5): a person logs in in a browser, and the token is saved
/// as a profile of the CARTO CLI file.
module CartoCreds.Cli.Login

open System
open System.CommandLine
open System.Runtime.InteropServices
open System.Threading
open System.Threading.Tasks
open CartoCreds.Core
open CartoCreds.Cli.Commands

/// When a time is, as the tool prints it.
let private at (time: DateTimeOffset) =
    time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Globalization.CultureInfo.InvariantCulture)

/// What a login printed on success: the profile, whose account it is, and when the token expires.
let private said (logged: LoggedIn) =
    let account =
        match logged.Email, logged.TenantDomain with
        | Some email, Some tenant ->
            "Logged in as " + Refused.terminalSafe email + " (" + Refused.terminalSafe tenant + ")"
        | Some email, None -> "Logged in as " + Refused.terminalSafe email
        | None, _ -> "Logged in"

    let saved =
        match logged.Saved with
        | Some(path, name) -> "; saved as profile " + Refused.terminalSafe name + " in " + path
        | None -> ""

    let expires =
        match logged.ExpiresOn with
        | Some time -> "; the token expires at " + at time + "."
        | None -> "."

    account + saved + expires

/// Ctrl-C while the login waits: cancelled, not killed, so the listener closes and nothing is saved.
let private onInterrupt (cancel: CancellationTokenSource) : IDisposable =
    if OperatingSystem.IsWindows() then
        { new IDisposable with
            member _.Dispose() = () }
    else
        PosixSignalRegistration.Create(
            PosixSignal.SIGINT,
            fun context ->
                context.Cancel <- true
                cancel.Cancel()
        )

/// What the tool says when no browser could be opened on a machine without a display.
let noDisplay =
    "No browser could be opened here (there is no display). Open the URL on any device, or log in without a local browser: cartocreds cloud login --code"

/// What the person is asked for in a login with `--code`.
[<Literal>]
let CodePrompt = "Paste the code CARTO shows (or the whole URL): "

/// The code, read on a thread of its own: a read at the terminal blocks until Enter, and the
/// login must be free to end on its timeout meanwhile.
let private pasted (terminal: Terminal) : Task<string option> =
    let read = TaskCompletionSource<string option>(TaskCreationOptions.RunContinuationsAsynchronously)

    let reader =
        Thread(
            (fun () ->
                try
                    read.SetResult(KeyInput.pastedCode terminal CodePrompt)
                with e ->
                    read.SetException e),
            IsBackground = true,
            Name = "cartocreds code prompt"
        )

    reader.Start()
    read.Task

/// `cloud login [--profile NAME] [--organization ORG] [--code] [--no-browser] [--port N] [--timeout S] [--api-base-url URL | --tenant-id ID] [--file PATH] [--store S]`.
let command (host: Host) (terminal: Terminal) =
    let command =
        Command("login", "Log in to CARTO 3 in a browser and save the token as a profile of the CARTO CLI file")

    let profile = option<string> "--profile" "The profile to save (default: the current one, else default)"
    let organization = option<string> "--organization" "Your organization in CARTO, for single sign-on"
    let noBrowser = option<bool> "--no-browser" "Print the URL to open instead of opening a browser"

    let code =
        option<bool>
            "--code"
            "Log in without a local browser: open the URL on any device, then paste the code CARTO shows"

    let port = option<int> "--port" "The port of the login's callback on localhost (default 10000)"
    let apiBaseUrl = option<string> "--api-base-url" "The API base URL (default: your tenant's)"

    let tenantId =
        option<string> "--tenant-id" "The tenant, for an API base URL https://{tenant}.api.carto.com"

    let file = fileOption "The CARTO CLI file (default: ~/.carto_credentials.json)"
    let store = Store.storeOption ()

    for o in [ profile; organization; apiBaseUrl; tenantId; file; store ] do
        command.Options.Add o

    command.Options.Add noBrowser
    command.Options.Add code
    command.Options.Add port

    let timeout = timeoutOptionSaying "Seconds to wait for the browser's answer (default 300)" command

    command.Validators.Add(fun result ->
        refuseBlank result [ profile; organization; apiBaseUrl; tenantId; file; store ]

        if not (isNull (result.GetResult file)) && not (isNull (result.GetResult store)) then
            result.AddError
                "--store chooses where the token of ~/.carto_credentials.json goes; a --file login writes that file."

        if not (isNull (result.GetResult apiBaseUrl)) && not (isNull (result.GetResult tenantId)) then
            result.AddError "give --api-base-url or --tenant-id, not both."

        if not (isNull (result.GetResult code)) && not (isNull (result.GetResult port)) then
            result.AddError "give --code or --port, not both: a login with --code listens on no port."

        match result.GetResult port with
        | null -> ()
        | found when found.Tokens.Count = 0 -> ()
        | _ ->
            let n = result.GetValue port

            if not (OAuthLogin.isPort n) then
                result.AddError "--port takes a port number from 1 to 65535.")

    command.SetAction(fun (result: ParseResult) ->
        let api =
            match CloudSource.urlOrTenant (given result apiBaseUrl) (given result tenantId) with
            | Some api -> api |> Result.map Some
            | None -> Ok None

        match api, Store.withStore host result store with
        | Error e, _ -> fail terminal (ValueMessages.cloudValueError e + ". Nothing was saved.")
        | _, Error message -> fail terminal (message + "; nothing was saved.")
        | Ok api, Ok host ->
            let browser = not (result.GetValue noBrowser)
            let pasting = result.GetValue code

            let receipt =
                if pasting then
                    CodeReceipt.Pasted(fun _ _ -> pasted terminal)
                else
                    CodeReceipt.Listener(
                        match result.GetResult port with
                        | null -> OAuthLogin.DefaultPort
                        | _ -> result.GetValue port
                    )

            let request =
                { Profile = given result profile
                  Organization = given result organization
                  Receipt = receipt
                  Timeout =
                    match result.GetResult timeout with
                    | null -> OAuthLogin.defaultTimeout
                    | _ -> TimeSpan.FromSeconds(result.GetValue timeout)
                  RequestTimeout = Verification.defaultTimeout
                  ApiBaseUrl = api
                  CliFile = given result file
                  Save = true
                  OpenBrowser =
                    fun url _ ->
                        if browser then
                            task {
                                let! opened = Browser.openUrlAsync host url

                                if not opened && not pasting && not (Browser.hasDisplay host) then
                                    terminal.Err.WriteLine noDisplay
                            }
                            :> Task
                        else
                            Task.CompletedTask
                  Show =
                    fun url ->
                        terminal.Err.WriteLine(
                            (if pasting then
                                 "Open this URL in a browser, on this or any device, and log in to CARTO; it then shows a code:"
                             elif browser then
                                 "Log in to CARTO in your browser. If it did not open, open this URL:"
                             else
                                 "Open this URL in a browser to log in to CARTO:")
                        )

                        terminal.Err.WriteLine("  " + url.AbsoluteUri)

                        if not pasting then
                            terminal.Err.WriteLine "Waiting for the browser (Ctrl-C cancels)..." }

            use cancel = new CancellationTokenSource()
            use _ = onInterrupt cancel

            let outcome =
                try
                    (OAuthLoginHttp.run host Http.shared.Value request cancel.Token).GetAwaiter().GetResult()
                finally
                    // A code still being typed when the login ended: echo comes back.
                    RawInput.restore ()

            match outcome with
            | Ok logged ->
                terminal.Out.WriteLine(said logged)
                logged.Saved |> Option.iter (fun (_, name) -> Store.profileNote host terminal (given result file) name)
                Success
            | Error(LoginError.Token(ExchangeError.Unreachable _ | ExchangeError.TimedOut _) as e) ->
                terminal.Err.WriteLine(CallMessages.loginError e)
                Unreachable
            | Error e -> fail terminal (CallMessages.loginError e))

    command
