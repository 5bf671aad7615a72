/// What every command of `cartocreds` shares: exit codes, options, usage checks, output.
module CartoCreds.Cli.Commands

open System
open System.CommandLine
open System.CommandLine.Parsing
open Microsoft.Extensions.Logging
open Microsoft.Extensions.Logging.Abstractions
open CartoCreds.Core

/// Exit codes (SPEC §6).
[<Literal>]
let Success = 0

[<Literal>]
let Failure = 1

[<Literal>]
let UsageError = 2

/// The service could not be reached (SPEC §6).
[<Literal>]
let Unreachable = 3

let fail (terminal: Terminal) (message: string) =
    terminal.Err.WriteLine message
    Failure

/// The warnings of resolved credentials, on stderr.
let warn (terminal: Terminal) (warnings: Warning list) =
    for warning in warnings do
        terminal.Err.WriteLine(Messages.warning warning)

let option<'T> (name: string) (description: string) = Option<'T>(name, Description = description)

let fileOption description = option<string> "--file" description

let given (result: ParseResult) (option: Option<string>) = result.GetValue option |> Option.ofObj |> Input.givenOption

/// The text of an option as typed, without reading its value (which throws when it is missing:
/// the parser reports that itself).
let typed (result: CommandResult) (option: Option<string>) : string option =
    match result.GetResult option with
    | null -> None
    | found when found.Tokens.Count > 0 -> Some found.Tokens[0].Value
    | _ -> None

/// A usage error for each of the options given with an empty or blank value.
let refuseBlank (result: CommandResult) (options: Option<string> list) =
    for option in options do
        match typed result option with
        | Some text when String.IsNullOrWhiteSpace text ->
            result.AddError(option.Name + " was given an empty value; give a value or leave the option out.")
        | _ -> ()

/// Writes a line to stdout; false when stdout cannot be written (a full disk, a closed pipe).
let tryWriteLine (terminal: Terminal) (text: string) =
    try
        terminal.Out.WriteLine text
        true
    with :? IO.IOException ->
        false

/// `--all` of `show` and `cloud show`: every layer; with `--reveal` a usage error.
let allOption (command: Command) (reveal: Option<bool>) : Option<bool> =
    let all =
        option<bool> "--all" "List every layer, highest first: used, present (shadowed), invalid or absent, and why"

    command.Options.Add all

    command.Validators.Add(fun result ->
        if not (isNull (result.GetResult all)) && not (isNull (result.GetResult reveal)) then
            result.AddError "--reveal shows the key of the credentials used; it is not given with --all.")

    all

/// Prints every layer of `show --all`: exit 0 when one is used, else 1.
let standings (terminal: Terminal) (asJson: bool) (rows: StandingRow list) : int =
    terminal.Out.WriteLine(if asJson then Output.standingsJson rows else Output.standingsTable rows)

    if rows |> List.exists (fun row -> row.Status = "used") then
        Success
    else
        Failure

/// What `show` and `cloud show` do, for either kind of credentials: with `--all`, every layer and
/// what it gave (`survey`); else the credentials resolved, said after what `notice` says of them
/// (warnings on stderr), as `render` prints them; or the layered error. `text` says credentials
/// with their secrets masked.
let show
    (terminal: Terminal)
    (result: ParseResult)
    (all: Option<bool>)
    (json: Option<bool>)
    (text: 'Credentials -> string)
    (survey: unit -> (Layer * Standing<'Credentials>) list)
    (resolve: unit -> Result<Resolved<'Credentials>, ResolveError>)
    (notice: Resolved<'Credentials> -> unit)
    (render: bool -> Resolved<'Credentials> -> string)
    : int =
    if result.GetValue all then
        survey () |> List.map (Standings.row Surface.CommandLine text) |> standings terminal (result.GetValue json)
    else
        match resolve () with
        | Ok resolved ->
            notice resolved
            terminal.Out.WriteLine(render (result.GetValue json) resolved)
            Success
        | Error e -> fail terminal (Messages.resolveErrorAtCommandLine e)

/// `--shell sh|fish|pwsh|dotenv|cmd` of `env` and `cloud env` (SPEC §6); `sh` when not given.
let shellOption (command: Command) : Option<string> =
    let shell =
        option<string> "--shell" "The shell to write assignments for: sh (the default), fish, pwsh, dotenv or cmd"

    shell.AcceptOnlyFromAmong(Export.shells |> List.map fst |> Array.ofList) |> ignore
    command.Options.Add shell
    shell

/// The shell `--shell` names.
let shellOf (result: ParseResult) (shell: Option<string>) : ShellKind =
    given result shell |> Option.bind Export.shellOf |> Option.defaultValue ShellKind.Sh

/// `--timeout S` (0 < S ≤ 3600), described as `description` says.
let timeoutOptionSaying (description: string) (command: Command) : Option<double> =
    let timeout = option<double> "--timeout" description

    command.Options.Add timeout

    command.Validators.Add(fun result ->
        match result.GetResult timeout with
        | null -> ()
        | found when found.Tokens.Count = 0 -> ()
        | _ ->
            let seconds = result.GetValue timeout

            if not (seconds > 0.0 && seconds <= 3600.0) then
                result.AddError "--timeout takes a number of seconds greater than 0 and at most 3600.")

    timeout

/// `--timeout S` of every network verb (SPEC §6): how long CARTO may take to answer.
let timeoutOption (command: Command) : Option<double> =
    timeoutOptionSaying "Seconds to wait for each answer from CARTO before giving up (default 10)" command

/// The wait `--timeout` gives, else the default.
let timeoutOf (result: ParseResult) (timeout: Option<double>) : TimeSpan =
    match result.GetResult timeout with
    | null -> Verification.defaultTimeout
    | _ -> TimeSpan.FromSeconds(result.GetValue timeout)

/// The name of the root's `--verbose`, which every command takes.
[<Literal>]
let VerboseName = "--verbose"

/// `--verbose`: on the root, for every command.
let verboseOption () =
    Option<bool>(
        VerboseName,
        Description = "Write what the library does (each layer tried, the one used, token exchanges) to stderr",
        Recursive = true
    )

/// The log of a command: stderr with `--verbose`, else nothing.
let logger (terminal: Terminal) (result: ParseResult) : ILogger =
    if result.GetValue<bool> VerboseName then
        Verbose.StderrLogger terminal.Err :> ILogger
    else
        NullLogger.Instance
