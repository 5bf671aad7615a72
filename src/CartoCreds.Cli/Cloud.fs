/// `cartocreds cloud`: CARTO 3 credentials (SPEC §6 and §7): show, token, status, save, delete.
module CartoCreds.Cli.Cloud

open System
open System.CommandLine
open System.CommandLine.Parsing
open System.Threading
open CartoCreds.Core
open CartoCreds.Cli.Commands
open CartoCreds.Cli.CloudCommand

/// `cloud show [--file PATH] [--profile NAME] [--reveal] [--json]`.
let private show (host: Host) (terminal: Terminal) =
    let command = Command("show", "Resolve CARTO 3 credentials and print each field with its origin")
    let source = source command
    let reveal = option<bool> "--reveal" "Print the token or secret whole instead of masked"
    let json = option<bool> "--json" "Print a JSON object instead of a table"
    command.Options.Add reveal
    command.Options.Add json
    let all = allOption command reveal

    command.SetAction(fun (result: ParseResult) ->
        show
            terminal
            result
            all
            json
            (fun (c: CloudCredentials) -> c.Text)
            (fun () ->
                CloudResolve.survey (Shell.cloudLayers host (TimeProvider.System.GetUtcNow()) (request result source)))
            (fun () -> resolve host terminal result source |> Result.map _.Resolved)
            (fun resolved ->
                warn terminal resolved.Warnings
                renewal terminal resolved
                unknownExpiry terminal resolved)
            (fun asJson -> (if asJson then Output.cloudJson else Output.cloudTable) (result.GetValue reveal)))

    command

/// Resolves, then gets a valid token (exchanged from client credentials, or the access token
/// unexpired) and hands both to `print`; or says why not, on stderr, with `cloud token`'s exit
/// codes (3 when the token server cannot be reached).
let private validToken
    (host: Host)
    (terminal: Terminal)
    (result: ParseResult)
    (source: Source)
    (timeout: Option<double>)
    (print: Resolved<CloudCredentials> -> AccessToken -> int)
    =
    onResolved host terminal result source (fun resolution ->
        let resolved = resolution.Resolved
        unknownExpiry terminal resolved

        let session =
            Status.session host terminal (logger terminal result) (timeoutOf result timeout) resolution

        match session.GetTokenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() with
        | Ok token -> print resolved token
        | Error e ->
            terminal.Err.WriteLine("cartocreds: " + CallMessages.tokenError e)

            match e with
            | TokenError.Exchange(ExchangeError.Unreachable _ | ExchangeError.TimedOut _) -> Unreachable
            | _ -> Failure)

/// `cloud token [--file PATH] [--profile NAME]`: a valid bearer token and a newline, nothing else.
let private token (host: Host) (terminal: Terminal) =
    let command =
        Command("token", "Print a valid bearer token (exchanged from client credentials, cached on disk)")

    let source = source command
    let timeout = timeoutOption command

    let json =
        option<bool> "--json" "Print {access_token, token_type, expires_at, api_base_url} instead of the token alone"

    command.Options.Add json

    command.SetAction(fun (result: ParseResult) ->
        validToken host terminal result source timeout (fun resolved token ->
            if result.GetValue json then
                terminal.Out.WriteLine(Output.tokenJson token resolved.Credentials.ApiBaseUrl)
            else
                terminal.Out.WriteLine token.Value

            Success))

    command

/// `cloud env [--file PATH] [--profile NAME] [--shell sh|fish|pwsh|dotenv|cmd]`: a valid token and the
/// API base URL as assignments of SPEC §7.2's variables, for another tool to read (SPEC §6).
let private env (host: Host) (terminal: Terminal) =
    let command =
        Command("env", "Print a valid token and the API base URL as variable assignments for a shell")

    let source = source command
    let shell = shellOption command
    let timeout = timeoutOption command

    command.SetAction(fun (result: ParseResult) ->
        validToken host terminal result source timeout (fun resolved token ->
            match Export.cloud token.Value resolved.Credentials.ApiBaseUrl |> Export.lines (shellOf result shell) with
            | Ok lines ->
                terminal.Out.WriteLine lines
                Success
            | Error e -> fail terminal ("cartocreds: " + ValueMessages.exportError e)))

    command

/// `cloud status [--file PATH] [--profile NAME] [--json]`: verifies against CARTO's accounts API.
let private status (host: Host) (terminal: Terminal) =
    let said =
        { Name = "status"
          Description = "Resolve CARTO 3 credentials and verify them: print the account and where they came from"
          Json = "Print a JSON object instead of a table" }

    sessionCommand host terminal said (fun _ json resolved session ->
        let shown: Status.Shown =
            { Origin = resolved.Origin
              Credentials = Output.cloudFields false resolved.Credentials
              Account = Status.cloudAccount }

        match session.VerifyAsync(session.Timeout, CancellationToken.None).GetAwaiter().GetResult() with
        | Error e -> fail terminal (CallMessages.service e)
        | Ok verified -> Status.report terminal json shown verified)

/// `cloud dw-token [--file PATH] [--profile NAME] [--json] [--timeout S]`: the CARTO Data
/// Warehouse's token on stdout (its project on stderr), or both as JSON (SPEC §7.8).
let private dwToken (host: Host) (terminal: Terminal) =
    let said =
        { Name = "dw-token"
          Description = "Print the CARTO Data Warehouse's token (its project id on stderr, or both with --json)"
          Json = "Print {project_id, token, expires_at} instead of the token alone" }

    sessionCommand host terminal said (fun _ json _ session ->
        match session.DataWarehouseAsync(session.Timeout, CancellationToken.None).GetAwaiter().GetResult() with
        | Error e -> fail terminal (CallMessages.service e)
        | Ok(Error error) ->
            terminal.Err.WriteLine("cartocreds: " + CallMessages.verifyError error)
            if error.Failure = VerifyFailure.Unreachable then Unreachable else Failure
        | Ok(Ok dw) when json ->
            terminal.Out.WriteLine(Output.dwJson dw)
            Success
        | Ok(Ok dw) ->
            terminal.Err.WriteLine("CARTO Data Warehouse project: " + Refused.terminalSafe dw.ProjectId)
            terminal.Out.WriteLine dw.Token
            Success)

/// `cloud save (--token-stdin | --token T) [--tenant-id ID | --api-base-url URL] [--profile NAME] [--file PATH] [--store S]`.
let private save (host: Host) (terminal: Terminal) =
    let command = Command("save", "Save an access token as a profile of the CARTO CLI credentials file")

    let tokenOption =
        option<string> "--token" "The access token (visible in shell history: prefer --token-stdin)"

    let tokenStdin = option<bool> "--token-stdin" "Read the access token from standard input"
    let tenant = option<string> "--tenant-id" "The tenant (region), such as gcp-us-east1"
    let url = option<string> "--api-base-url" "The API base URL, for a self-hosted CARTO"
    let profile = option<string> "--profile" "The profile (default: the current one, else default)"
    let file = fileOption "Where to save (default: ~/.carto_credentials.json)"
    let store = Store.storeOption ()

    for o in [ tokenOption; tenant; url; profile; file; store ] do
        command.Options.Add o

    command.Options.Add tokenStdin

    command.Validators.Add(fun (result: CommandResult) ->
        let has (option: Option<string>) = not (isNull (result.GetResult option))

        if not (has tokenOption) && isNull (result.GetResult tokenStdin) then
            result.AddError "cloud save needs --token-stdin or --token."

        if has tokenOption && not (isNull (result.GetResult tokenStdin)) then
            result.AddError "give --token or --token-stdin, not both."

        if has tenant && has url then
            result.AddError "give --tenant-id or --api-base-url, not both."

        if has file && has store then
            result.AddError
                "--store chooses where the token of ~/.carto_credentials.json goes; a --file save writes that file."

        refuseBlank result [ tokenOption; tenant; url; profile; file; store ])

    command.SetAction(fun (result: ParseResult) ->
        let token =
            match given result tokenOption with
            | Some token ->
                terminal.Err.WriteLine
                    "warning: a token given with --token can be seen in shell history and process lists; prefer --token-stdin."

                Ok token
            | None -> KeyInput.fromStdin terminal "--token-stdin" "token"

        // SPEC §7.2's rule for a source's values, as every layer applies it (CloudSource).
        let credentials (token: string) =
            { CloudInput.Empty with
                Token = Some token
                ApiBaseUrl = given result url
                TenantId = given result tenant }
            |> CloudSource.credentials
            |> Result.mapError (Messages.layerProblem Surface.CommandLine Layer.Arguments)

        // The input's own errors already say that nothing was saved; a bad value says so here.
        let credentials token = credentials token |> Result.mapError (fun message -> message + "; nothing was saved.")

        match Store.withStore host result store with
        | Error message -> fail terminal (message + "; nothing was saved.")
        | Ok host ->
            match token |> Result.bind credentials with
            | Error message -> fail terminal message
            | Ok c ->
                match ProfileTokens.save host (given result profile) (given result file) c with
                | Error e -> fail terminal (CallMessages.profileError e)
                | Ok(path, name) ->
                    let saved = "Saved " + c.Text + " to " + path + " (profile " + name + ")"

                    if not (tryWriteLine terminal saved) then
                        terminal.Err.WriteLine(saved + " (standard output could not be written)")

                    Store.profileNote host terminal (given result file) name
                    Success)

    command

/// `cloud delete [--profile NAME] [--file PATH]`, and `cloud logout` (the same, by the name a
/// person who logged in looks for).
let private delete (name: string) (host: Host) (terminal: Terminal) =
    let command = Command(name, "Remove a profile of the CARTO CLI credentials file, keeping the others")

    let profile = option<string> "--profile" "The profile (default: the current one)"
    let file = fileOption "The file (default: ~/.carto_credentials.json)"
    command.Options.Add profile
    command.Options.Add file
    command.Validators.Add(fun result -> refuseBlank result [ profile; file ])

    command.SetAction(fun (result: ParseResult) ->
        match ProfileTokens.delete host (given result profile) (given result file) with
        | Ok(Some(path, name)) ->
            terminal.Out.WriteLine("Deleted profile " + Refused.terminalSafe name + " from " + path)
            Success
        | Ok None ->
            terminal.Out.WriteLine "No such profile; nothing was changed"
            Success
        | Error e -> fail terminal (CallMessages.profileError e))

    command

/// When a time is, as `cloud list` prints it.
let private at (time: DateTimeOffset) =
    time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Globalization.CultureInfo.InvariantCulture)

/// `cloud list [--file PATH] [--json]`: every profile of the CARTO CLI file (SPEC §7.6).
let private list (host: Host) (terminal: Terminal) =
    let command =
        Command("list", "List the profiles of the CARTO CLI credentials file; * marks the current one")

    let file = fileOption "The file (default: ~/.carto_credentials.json)"
    let json = option<bool> "--json" "Print a JSON array instead of a table"
    command.Options.Add file
    command.Options.Add json
    command.Validators.Add(fun result -> refuseBlank result [ file ])

    command.SetAction(fun (result: ParseResult) ->
        match CliProfilesDisk.list host (given result file) with
        | Error e -> fail terminal (CallMessages.profileError e)
        | Ok(path, profiles) ->
            let now = TimeProvider.System.GetUtcNow()

            if result.GetValue json then
                terminal.Out.WriteLine(Output.profilesJson now profiles)
            elif profiles.IsEmpty && not (IO.File.Exists path) then
                terminal.Out.WriteLine(
                    "There is no CARTO CLI credentials file at "
                    + path
                    + ", so no profiles yet. Log in with: cartocreds cloud login"
                    + " (or save a token: cartocreds cloud save --token-stdin)"
                )
            elif profiles.IsEmpty then
                terminal.Out.WriteLine("No profiles in " + path)
            else
                let expiry (p: ProfileSummary) =
                    match ProfileList.freshness now p.ExpiresOn with
                    | Freshness.Expired time -> "expired at " + at time
                    | _ -> p.ExpiresOn |> Option.map at |> Option.defaultValue "unknown"

                let rows =
                    [ yield [ ""; "NAME"; "API BASE URL"; "EMAIL"; "EXPIRES" ]
                      for p in profiles ->
                          [ (if p.IsCurrent then "*" else "")
                            Refused.terminalSafe p.Name
                            (match p.ApiBaseUrl with
                             | Ok url -> url
                             | Error why ->
                                 "invalid: "
                                 + Refused.terminalSafe (Messages.layerProblem Surface.FSharp Layer.SavedSession why))
                            p.Email |> Option.map Refused.terminalSafe |> Option.defaultValue ""
                            expiry p ] ]

                terminal.Out.WriteLine(Output.grid rows)

                for p in profiles do
                    ProfileList.renewal now p.Name p.ExpiresOn
                    |> Option.iter (fun note ->
                        terminal.Err.WriteLine("profile " + Refused.terminalSafe p.Name + ": " + note))

            Success)

    command

/// `cloud use NAME [--file PATH]`: makes a profile current (SPEC §7.6).
let private use' (host: Host) (terminal: Terminal) =
    let command = Command("use", "Make a profile of the CARTO CLI credentials file the current one")
    let name = Argument<string>("NAME", Description = "The profile")
    let file = fileOption "The file (default: ~/.carto_credentials.json)"
    command.Arguments.Add name
    command.Options.Add file
    command.Validators.Add(fun result -> refuseBlank result [ file ])

    command.SetAction(fun (result: ParseResult) ->
        match result.GetValue name |> Option.ofObj |> Input.givenOption with
        | None -> fail terminal "cloud use needs the name of a profile (see: cartocreds cloud list)."
        | Some profile ->
            match CliProfilesDisk.makeCurrent host profile (given result file) with
            | Ok path ->
                terminal.Out.WriteLine("Profile " + Refused.terminalSafe profile + " is now current in " + path)
                Success
            | Error e -> fail terminal (CallMessages.profileError e))

    command

/// The `cloud` command and its subcommands.
let command (host: Host) (terminal: Terminal) : Command =
    let cloud =
        Command("cloud", "CARTO 3 credentials: access tokens and client credentials (CARTO CLI, carto-auth)")

    for subcommand in
        [ show
          token
          env
          status
          dwToken
          save
          delete "delete"
          Login.command
          delete "logout"
          list
          use'
          Tokens.command ] do
        cloud.Subcommands.Add(subcommand host terminal)

    cloud
