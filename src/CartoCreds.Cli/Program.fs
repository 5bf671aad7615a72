/// `cartocreds`: show, save and delete CARTO credentials (SPEC §6).
/// Exit codes: 0 success; 1 credentials not found or invalid; 2 usage error. Errors go to stderr.
module CartoCreds.Cli.Program

open System
open System.CommandLine
open System.CommandLine.Parsing
open CartoCreds.Core

[<Literal>]
let private Success = 0

[<Literal>]
let private Failure = 1

[<Literal>]
let private UsageError = 2

let private fail (message: string) =
    Console.Error.WriteLine message
    Failure

let private option<'T> (name: string) (description: string) = Option<'T>(name, Description = description)

let private fileOption description = option<string> "--file" description

let private given (result: ParseResult) (option: Option<string>) =
    result.GetValue option |> Option.ofObj |> Input.givenOption

/// `show [--file PATH] [--reveal] [--json]`: resolves as `new Credentials(credFile: PATH)` would.
let private show (host: Host) =
    let file = fileOption "A credentials file, used before the environment and the saved session"
    let reveal = option<bool> "--reveal" "Print the API key whole instead of masked"
    let json = option<bool> "--json" "Print a JSON object instead of a table"
    let command = Command("show", "Resolve credentials and print each field with its origin")
    command.Options.Add file
    command.Options.Add reveal
    command.Options.Add json

    command.SetAction(fun (result: ParseResult) ->
        match Shell.resolve host None Arguments.None (given result file) with
        | Ok resolved ->
            let render = if result.GetValue json then Output.json else Output.table
            Console.Out.WriteLine(render (result.GetValue reveal) resolved)
            Success
        | Error e -> fail (Messages.resolveError e))

    command

let private readKeyFromStdin () =
    match Input.given (Console.In.ReadToEnd()) with
    | Some key -> Ok key
    | None -> Error "--api-key-stdin: standard input held no API key; nothing was saved."

/// `save (--username U | --base-url URL) [--api-key K | --api-key-stdin] [--file PATH] [--allow-non-secure]`.
let private save (host: Host) =
    let username = option<string> "--username" "The CARTO username"

    let baseUrl =
        option<string> "--base-url" "The account's base URL (default https://{username}.carto.com)"

    let apiKey = option<string> "--api-key" "The API key (visible in shell history: prefer --api-key-stdin)"
    let apiKeyStdin = option<bool> "--api-key-stdin" "Read the API key from standard input"
    let file = fileOption "Where to save (default: the saved session, see 'cartocreds path')"
    let allowNonSecure = option<bool> "--allow-non-secure" "Permit an http:// base URL"
    let command = Command("save", "Validate credentials and save them where CARTOframes keeps them")

    for o in [ username; baseUrl; apiKey; file ] do
        command.Options.Add o

    command.Options.Add apiKeyStdin
    command.Options.Add allowNonSecure

    command.Validators.Add(fun (result: CommandResult) ->
        if isNull (result.GetValue username) && isNull (result.GetValue baseUrl) then
            result.AddError "save needs --username or --base-url."

        if not (isNull (result.GetValue apiKey)) && result.GetValue apiKeyStdin then
            result.AddError "give --api-key or --api-key-stdin, not both.")

    command.SetAction(fun (result: ParseResult) ->
        let key =
            if result.GetValue apiKeyStdin then
                readKeyFromStdin () |> Result.map Some
            else
                if not (isNull (result.GetValue apiKey)) then
                    Console.Error.WriteLine
                        "warning: an API key given with --api-key can be seen in shell history and process lists; prefer --api-key-stdin."

                Ok(given result apiKey)

        let arguments key =
            { Arguments.None with
                Username = given result username
                BaseUrl = given result baseUrl
                ApiKey = key
                AllowNonSecure = result.GetValue allowNonSecure }

        match key with
        | Error message -> fail message
        | Ok key ->
            match Resolve.fromArguments (arguments key) with
            | Error e -> fail (Messages.resolveError e + " Nothing was saved.")
            | Ok resolved ->
                match Shell.save host (given result file) resolved.Credentials with
                | Ok path ->
                    Console.Out.WriteLine("Saved " + resolved.Credentials.Text + " to " + path)
                    Success
                | Error e -> fail (Messages.storeError e))

    command

/// `delete [--file PATH]`.
let private delete (host: Host) =
    let file = fileOption "The file to delete (default: the saved session)"
    let command = Command("delete", "Delete a credentials file; a missing file is not an error")
    command.Options.Add file

    command.SetAction(fun (result: ParseResult) ->
        let file = given result file
        // The path to name in the message; the delete itself also clears a legacy file (Shell.delete).
        let shown =
            match file with
            | Some path -> Ok(IO.Path.GetFullPath path)
            | None -> Shell.defaultPath host |> Result.mapError StoreError.NoLocation

        match
            shown |> Result.bind (fun path -> Shell.delete host file |> Result.map (fun removed -> path, removed))
        with
        | Ok(path, true) ->
            Console.Out.WriteLine("Deleted " + path)
            Success
        | Ok(path, false) ->
            Console.Out.WriteLine("No credentials file at " + path)
            Success
        | Error e -> fail (Messages.storeError e))

    command

/// `path`: where the saved session lives.
let private path (host: Host) =
    let command = Command("path", "Print where the saved session is kept (CARTOframes' default location)")

    command.SetAction(fun (_: ParseResult) ->
        match Shell.defaultPath host with
        | Ok path ->
            Console.Out.WriteLine path
            Success
        | Error e -> fail (Messages.storeError (StoreError.NoLocation e)))

    command

let rootCommand (host: Host) : RootCommand =
    let root =
        RootCommand(
            "cartocreds: show, save and delete CARTO credentials, in the file CARTOframes shares.\n"
            + "Precedence: --file, then CARTO_USERNAME / CARTO_API_KEY / CARTO_BASE_URL, then the saved session."
        )

    root.Subcommands.Add(show host)
    root.Subcommands.Add(save host)
    root.Subcommands.Add(delete host)
    root.Subcommands.Add(path host)
    root

[<EntryPoint>]
let main argv =
    let host = Host.current
    let result = (rootCommand host).Parse argv

    if result.Errors.Count > 0 && not (result.Action :? Help.HelpAction) then
        for error in result.Errors do
            Console.Error.WriteLine error.Message

        Console.Error.WriteLine "Run 'cartocreds --help' for usage."
        UsageError
    else
        try
            result.Invoke(InvocationConfiguration(EnableDefaultExceptionHandler = false))
        with e ->
            // Never a stack trace: the message only (the core's errors are values; this is the unexpected).
            fail ("cartocreds: " + e.Message)
