/// What every resolving `cloud` command shares (SPEC §6, §7.2): the `--file` and `--profile`
/// options, resolution, the notes on a profile's renewal and an unknown expiry, and a command that
/// works through a session bound by `--timeout`.
module CartoCreds.Cli.CloudCommand

open System
open System.CommandLine
open System.CommandLine.Parsing
open CartoCreds.Core
open CartoCreds.Cli.Commands

/// The options every resolving `cloud` command takes.
type Source = { File: Option<string>; Profile: Option<string> }

let source (command: Command) : Source =
    let file =
        fileOption "A carto-auth or CARTO CLI credentials file, used before the environment and the saved session"

    let profile =
        option<string> "--profile" "The CARTO CLI profile (default: CARTO_PROFILE, else the current one)"

    command.Options.Add file
    command.Options.Add profile
    command.Validators.Add(fun result -> refuseBlank result [ file; profile ])
    { File = file; Profile = profile }

let request (result: ParseResult) (source: Source) =
    { Request.ofArguments CloudArguments.None with
        Arguments = { CloudArguments.None with Profile = given result source.Profile }
        CredFile = given result source.File }

let resolve (host: Host) (terminal: Terminal) (result: ParseResult) (source: Source) =
    Shell.resolveCloudLogged (logger terminal result) host (TimeProvider.System.GetUtcNow()) (request result source)

/// A CARTO CLI profile whose token expired, or expires within the hour, said on stderr with how
/// to log in again (SPEC §7.5).
let renewal (terminal: Terminal) (resolved: Resolved<CloudCredentials>) =
    match resolved.Origin.Profile, resolved.Credentials.Grant with
    | Some name, Grant.AccessToken(_, expires) ->
        ProfileList.renewal (TimeProvider.System.GetUtcNow()) name expires
        |> Option.iter (fun note -> terminal.Err.WriteLine("profile " + Refused.terminalSafe name + ": " + note))
    | _ -> ()

/// An access token whose expiry cannot be read, said on stderr with how to check it.
let unknownExpiry (terminal: Terminal) (resolved: Resolved<CloudCredentials>) =
    match resolved.Credentials.Grant with
    | Grant.AccessToken(_, None) -> terminal.Err.WriteLine Messages.unknownExpiry
    | _ -> ()

/// Resolves, then hands the credentials to `next`; or says why nothing resolved (exit 1).
let onResolved host terminal result source (next: CloudResolution -> int) =
    match resolve host terminal result source with
    | Error e -> fail terminal (Messages.resolveErrorAtCommandLine e)
    | Ok resolution -> next resolution

/// What a command that uses a session is called and says: its name, its description, and what
/// `--json` prints.
type SessionCommand = { Name: string; Description: string; Json: string }

/// A command that resolves (`--file`, `--profile`), says the warnings and a profile's renewal on
/// stderr, then hands `act` whether `--json` was given, the credentials and their session bound
/// by `--timeout`; or says why nothing resolved (exit 1).
let sessionCommand
    (host: Host)
    (terminal: Terminal)
    (said: SessionCommand)
    (act: ParseResult -> bool -> Resolved<CloudCredentials> -> CloudSession -> int)
    =
    let command = Command(said.Name, said.Description)
    let source = source command
    let json = option<bool> "--json" said.Json
    command.Options.Add json
    let timeout = timeoutOption command

    command.SetAction(fun (result: ParseResult) ->
        onResolved host terminal result source (fun resolution ->
            let resolved = resolution.Resolved
            warn terminal resolved.Warnings
            renewal terminal resolved

            Status.session host terminal (logger terminal result) (timeoutOf result timeout) resolution
            |> act result (result.GetValue json) resolved))

    command
