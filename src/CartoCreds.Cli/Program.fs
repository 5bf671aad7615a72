/// `cartocreds`: show, save and delete CARTO credentials (SPEC §6).
/// Exit codes: 0 success; 1 credentials not found or invalid, or a refusal; 2 usage error; 3 a server
/// (CARTO, a token server) could not be reached. Errors go to stderr.
module CartoCreds.Cli.Program

open System
open System.CommandLine
open System.CommandLine.Parsing
open CartoCreds.Core
open CartoCreds.Cli.Commands

/// `show [--file PATH] [--reveal] [--json]`: resolves as `new Credentials(credFile: PATH)` would.
let private show (host: Host) (terminal: Terminal) =
    let file = fileOption "A credentials file, used before the environment and the saved session"
    let reveal = option<bool> "--reveal" "Print the API key whole instead of masked"
    let json = option<bool> "--json" "Print a JSON object instead of a table"
    let command = Command("show", "Resolve credentials and print each field with its origin")
    command.Options.Add file
    command.Options.Add reveal
    command.Options.Add json
    let all = allOption command reveal
    command.Validators.Add(fun result -> refuseBlank result [ file ])

    command.SetAction(fun (result: ParseResult) ->
        let request = { Request.ofArguments Arguments.None with CredFile = (given result file) }

        show
            terminal
            result
            all
            json
            (fun (c: Credentials) -> c.Text)
            (fun () -> Resolve.survey (Shell.layers host request))
            (fun () -> Shell.resolveLogged (logger terminal result) host request)
            (fun resolved -> warn terminal resolved.Warnings)
            (fun asJson -> (if asJson then Output.json else Output.table) (result.GetValue reveal)))

    command

/// `env [--file PATH] [--shell sh|fish|pwsh|dotenv|cmd]`: the resolved credentials as assignments
/// of SPEC §2's variables, for another tool to read; the key whole, on stdout only (SPEC §6).
let private env (host: Host) (terminal: Terminal) =
    let file = fileOption "A credentials file, used before the environment and the saved session"

    let command =
        Command("env", "Print the credentials as variable assignments for a shell (the API key whole)")

    command.Options.Add file
    let shell = shellOption command
    command.Validators.Add(fun result -> refuseBlank result [ file ])

    command.SetAction(fun (result: ParseResult) ->
        let request = { Request.ofArguments Arguments.None with CredFile = (given result file) }

        match Shell.resolveLogged (logger terminal result) host request with
        | Ok resolved ->
            warn terminal resolved.Warnings

            match Export.lines (shellOf result shell) (Export.legacy resolved.Credentials) with
            | Ok lines ->
                terminal.Out.WriteLine lines
                Success
            | Error e -> fail terminal ("cartocreds: " + ValueMessages.exportError e)
        | Error e -> fail terminal (Messages.resolveErrorAtCommandLine e))

    command

/// `status [--file PATH] [--json]`: resolves as `show` does, then asks CARTO whose account it is.
let private status (host: Host) (terminal: Terminal) =
    let file = fileOption "A credentials file, used before the environment and the saved session"
    let json = option<bool> "--json" "Print a JSON object instead of a table"

    let command =
        Command("status", "Resolve credentials and verify them with CARTO: print the account and where they came from")

    command.Options.Add file
    command.Options.Add json
    let timeout = timeoutOption command
    command.Validators.Add(fun result -> refuseBlank result [ file ])

    command.SetAction(fun (result: ParseResult) ->
        match
            Shell.resolveLogged
                (logger terminal result)
                host
                { Request.ofArguments Arguments.None with CredFile = (given result file) }
        with
        | Error e -> fail terminal (Messages.resolveErrorAtCommandLine e)
        | Ok resolved ->
            warn terminal resolved.Warnings

            VerificationHttp.legacy
                Http.shared.Value
                (timeoutOf result timeout)
                resolved.Credentials
                Threading.CancellationToken.None
            |> _.GetAwaiter().GetResult()
            |> Status.report
                terminal
                (result.GetValue json)
                { Origin = resolved.Origin
                  Credentials = Output.access resolved.Credentials
                  Account = Status.legacyAccount })

    command

/// `save (--username U | --base-url URL) [--api-key K | --api-key-stdin] [--file PATH] [--allow-non-secure]`.
let private save (host: Host) (terminal: Terminal) =
    let username = option<string> "--username" "The CARTO username"

    let baseUrl =
        option<string> "--base-url" "The account's base URL (default https://{username}.carto.com)"

    let apiKey = option<string> "--api-key" "The API key (visible in shell history: prefer --api-key-stdin)"
    let apiKeyStdin = option<bool> "--api-key-stdin" "Read the API key from standard input"
    let file = fileOption "Where to save (default: the saved session, see 'cartocreds path')"
    let allowNonSecure = option<bool> "--allow-non-secure" "Permit an http:// base URL"
    let store = Store.storeOption ()
    let command = Command("save", "Validate credentials and save them where CARTOframes keeps them")

    for o in [ username; baseUrl; apiKey; file; store ] do
        command.Options.Add o

    command.Options.Add apiKeyStdin
    command.Options.Add allowNonSecure

    command.Validators.Add(fun (result: CommandResult) ->
        let has (option: Option<string>) = not (isNull (result.GetResult option))

        if not (has username) && not (has baseUrl) then
            result.AddError "save needs --username or --base-url."

        if has apiKey && not (isNull (result.GetResult apiKeyStdin)) then
            result.AddError "give --api-key or --api-key-stdin, not both."

        if has file && has store then
            result.AddError "--store chooses where the saved session goes; a --file save writes that file."

        refuseBlank result [ username; baseUrl; apiKey; file; store ])

    let arguments (result: ParseResult) key =
        { Arguments.None with
            Username = given result username
            BaseUrl = given result baseUrl
            ApiKey = key
            AllowNonSecure = result.GetValue allowNonSecure }

    command.SetAction(fun (result: ParseResult) ->
        // The account is checked before a key is read, asked for or defaulted: a bad username or
        // base URL is said alone, with no word of a default key.
        match Store.withStore host result store, Resolve.fromArguments (arguments result (given result apiKey)) with
        | Error message, _ -> fail terminal (message + ". Nothing was saved.")
        | _, Error e -> fail terminal (Messages.resolveErrorAtCommandLine e + " Nothing was saved.")
        | Ok host, Ok _ ->
            let key =
                match given result apiKey with
                | Some key ->
                    terminal.Err.WriteLine
                        "warning: an API key given with --api-key can be seen in shell history and process lists; prefer --api-key-stdin."

                    Ok(Some key)
                | None when result.GetValue apiKeyStdin ->
                    KeyInput.fromStdin terminal "--api-key-stdin" "API key" |> Result.map Some
                | None when terminal.IsInteractive -> KeyInput.prompt terminal "API key (empty for default_public): "
                | None ->
                    terminal.Err.WriteLine
                        "No API key given: saving default_public (read-only access to public data). Give a key with --api-key-stdin."

                    Ok None

            match key with
            | Error message -> fail terminal message
            | Ok key ->
                match Resolve.fromArguments (arguments result key) with
                | Error e -> fail terminal (Messages.resolveErrorAtCommandLine e + " Nothing was saved.")
                | Ok resolved ->
                    // What the save replaced, read before it: another account's session is named after.
                    match Shell.saveReplacing host (given result file) resolved.Credentials with
                    | Ok(path, previous) ->
                        let replaced = previous |> Option.filter (fun p -> p.BaseUrl <> resolved.Credentials.BaseUrl)

                        let saved = "Saved " + resolved.Credentials.Text + " to " + ValueMessages.place path

                        // The save is done: a failure to say so is reported, and does not undo it.
                        if not (tryWriteLine terminal saved) then
                            terminal.Err.WriteLine(saved + " (standard output could not be written)")

                        replaced |> Option.iter (Output.replaced >> terminal.Err.WriteLine)
                        Store.keychainNote terminal path
                        Success
                    | Error e -> fail terminal (ValueMessages.storeError e))

    command

/// `delete [--file PATH]`.
let private delete (host: Host) (terminal: Terminal) =
    let file = fileOption "The file to delete (default: the saved session)"
    let command = Command("delete", "Delete a credentials file; a missing file is not an error")
    command.Options.Add file
    // `delete --file "$UNSET"` must not fall back on the saved session.
    command.Validators.Add(fun result -> refuseBlank result [ file ])

    command.SetAction(fun (result: ParseResult) ->
        let file = given result file
        // The path to name in the message; the delete itself also clears a legacy file (Shell.delete).
        let shown =
            match file with
            | Some path -> Ok(Place.File(IO.Path.GetFullPath path))
            | None -> Shell.savedPlace host

        match
            shown |> Result.bind (fun path -> Shell.delete host file |> Result.map (fun removed -> path, removed))
        with
        | Ok(place, true) ->
            terminal.Out.WriteLine("Deleted " + ValueMessages.place place)
            Success
        | Ok(Place.Keychain _ as place, false) ->
            terminal.Out.WriteLine("No saved session in " + ValueMessages.place place)
            Success
        | Ok(Place.File path, false) ->
            terminal.Out.WriteLine("No credentials file at " + path)
            Success
        | Error e -> fail terminal (ValueMessages.storeError e))

    command

/// `path`: where the saved session lives.
let private path (host: Host) (terminal: Terminal) =
    let command = Command("path", "Print where the saved session is kept (CARTOframes' default location)")

    command.SetAction(fun (_: ParseResult) ->
        match Shell.savedPlace host with
        | Ok place ->
            terminal.Out.WriteLine(ValueMessages.place place)
            Success
        | Error e -> fail terminal (ValueMessages.storeError e))

    command

let private description =
    "cartocreds: show, verify, save and delete CARTO credentials, in the file CARTOframes shares.\n"
    + "Precedence: --file, then CARTO_USERNAME / CARTO_API_KEY / CARTO_BASE_URL, then the saved session."

/// Whether a command line needs the root's built-in parts: the help and version options (by any
/// of their names), a response file (which may hold either), or a directive.
let needsBuiltIns (argv: string seq) =
    argv
    |> Seq.exists (fun token ->
        match token with
        | "-h"
        | "/h"
        | "--help"
        | "-?"
        | "/?"
        | "--version" -> true
        | _ -> token.StartsWith '@' || token.StartsWith '[')

/// The command tree. A `RootCommand` adds the help and version options, whose descriptions the
/// parser reads from its resources as they are built: a tenth of the AOT start-up (BENCHMARKS.md).
/// Without `builtIns` the root is a plain command with the same name, description and commands,
/// which parses every other command line alike (a test holds the two to that).
let rootCommand (host: Host) (terminal: Terminal) (builtIns: bool) : Command =
    let root =
        if builtIns then
            RootCommand description :> Command
        else
            Command(RootCommand.ExecutableName, description)

    root.Options.Add(verboseOption ())

    for subcommand in [ show; env; status; save; delete; path; Cloud.command; Store.command ] do
        root.Subcommands.Add(subcommand host terminal)

    root

/// Runs the tool's command line against a host and a terminal: the process's own from `main`, a
/// test's own in-process. Returns the exit code.
let run (host: Host) (terminal: Terminal) (argv: string[]) : int =
    let root = rootCommand host terminal (needsBuiltIns argv)

    // The help's width from the terminal itself, never the runtime's console (Terminal.fs).
    for option in root.Options do
        match option.Action with
        | :? Help.HelpAction as help ->
            help.MaxWidth <-
                RawInput.columns ()
                |> Option.orElseWith (fun () -> if OperatingSystem.IsWindows() then None else Some Int32.MaxValue)
                |> Option.defaultWith (fun () -> help.MaxWidth)
        | _ -> ()

    let result = root.Parse argv

    if result.Errors.Count > 0 && not (result.Action :? Help.HelpAction) then
        // The command reached, named from the root as a user types it.
        let reached = result.CommandResult.Command

        let rec path (command: CommandResult) =
            match command.Parent with
            | :? CommandResult as parent -> path parent @ [ command.Command.Name ]
            | _ -> [ "cartocreds" ]

        let commandPath = String.concat " " (path result.CommandResult)

        let options =
            reached.Options
            |> Seq.filter (fun o -> not o.Hidden)
            |> Seq.collect (fun o -> Seq.append [ o.Name ] o.Aliases)
            |> List.ofSeq

        terminal.Err.WriteLine(
            Usage.line
                commandPath
                (reached.Subcommands |> Seq.map _.Name |> List.ofSeq)
                options
                result.UnmatchedTokens
                (result.Errors |> Seq.map _.Message |> List.ofSeq)
        )

        terminal.Err.WriteLine("Run '" + commandPath + " --help' for usage.")
        UsageError
    else
        try
            result.Invoke(
                InvocationConfiguration(
                    EnableDefaultExceptionHandler = false,
                    Output = terminal.Out,
                    Error = terminal.Err
                )
            )
        with
        | :? StreamWriteFailed as e when e.Descriptor = 1 && e.IsClosedPipe ->
            // The reader has what it wanted (`| head -c1`): nothing to say, nothing failed.
            Success
        | :? StreamWriteFailed as e when e.Descriptor = 1 ->
            try
                terminal.Err.WriteLine("cannot write to standard output: " + e.Reason)
            with :? IO.IOException ->
                ()

            Failure
        | e ->
            // Never a stack trace, nor the platform's message (a resource key in the AOT build):
            // the core's errors are values, so this is the unexpected.
            fail terminal ("cartocreds: an unexpected error (" + e.GetType().Name + ").")

[<EntryPoint>]
let main argv = run Host.current (Terminal.system ()) argv
