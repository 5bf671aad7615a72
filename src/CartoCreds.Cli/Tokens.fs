/// `cartocreds cloud tokens`: API Access Tokens through CARTO's Tokens API (SPEC §12) — create,
/// list, delete. A malformed option is a usage error (exit 2) and a request that fails the checks
/// exits 1, both before anything is sent; an unreachable service exits 3.
module CartoCreds.Cli.Tokens

open System
open System.CommandLine
open System.CommandLine.Parsing
open System.Threading
open CartoCreds.Core
open CartoCreds.Cli.Commands
open CartoCreds.Cli.CloudCommand

/// A Tokens API call that failed: said on stderr, exit 3 when CARTO could not be reached, else 1.
let private failed (terminal: Terminal) (error: TokensCallError) =
    terminal.Err.WriteLine("cartocreds: " + CallMessages.tokensCallError error)

    match error with
    | TokensCallError.Call { Failure = VerifyFailure.Unreachable } -> Unreachable
    | _ -> Failure

let private run (work: Threading.Tasks.Task<'T>) = work.GetAwaiter().GetResult()

/// The options of `create`.
type private CreateOptions =
    { GrantOption: Option<string[]>
      ApiOption: Option<string>
      RefererOption: Option<string[]>
      ExpiresOption: Option<string> }

/// The options as typed, read by the core.
let private valuesOf (result: ParseResult) (options: CreateOptions) now =
    ApiTokens.options
        now
        { Grant = result.GetValue options.GrantOption |> Option.ofObj |> Option.defaultValue [||] |> List.ofArray
          Api = result.GetValue options.ApiOption |> Option.ofObj |> Option.defaultValue ""
          Referer = result.GetValue options.RefererOption |> Option.ofObj |> Option.defaultValue [||] |> List.ofArray
          Expires = given result options.ExpiresOption }

/// `cloud tokens create --grant CONNECTION=SOURCE… --api sql,maps [--referer ORIGIN…] [--expires …] [--json]`.
let private create (host: Host) (terminal: Terminal) =
    let options =
        { GrantOption =
            Option<string[]>(
                "--grant",
                Description = "CONNECTION=SOURCE: a table, a SQL query, * or project.dataset.* (repeat for more)",
                Required = true,
                AllowMultipleArgumentsPerToken = false
            )
          ApiOption =
            Option<string>(
                "--api",
                Description = "The APIs the token may call: sql, maps, lds, imports (comma-separated)",
                Required = true
            )
          RefererOption =
            Option<string[]>(
                "--referer",
                Description = "An origin the token may be used from, https://host[:port] (repeat for more)",
                AllowMultipleArgumentsPerToken = false
            )
          ExpiresOption =
            option<string> "--expires" "When it expires: ISO 8601, or 30m, 12h, 7d from now (default: never)" }

    let said =
        { Name = "create"
          Description = "Create an API Access Token for a browser; print it (its grants on stderr)"
          Json = "Print {token, grants, allowed_apis, referers, expires_at} instead of the token alone" }

    let command =
        sessionCommand host terminal said (fun result json _ session ->
            let now = session.Clock.GetUtcNow()

            match valuesOf result options now |> Result.mapError ValueMessages.tokenOptionError with
            | Error message -> fail terminal ("cartocreds: " + message)
            | Ok input ->
                match ApiTokens.request now input with
                | Error problems ->
                    for problem in problems do
                        terminal.Err.WriteLine("cartocreds: " + ValueMessages.apiTokenProblem problem)

                    terminal.Err.WriteLine("cartocreds: " + CallMessages.nothingSent)
                    Failure
                | Ok request ->
                    match run (session.CreateApiTokenAsync(request, CancellationToken.None)) with
                    | Error e -> failed terminal e
                    | Ok token when json ->
                        terminal.Out.WriteLine(Output.apiTokenJson token)
                        Success
                    | Ok token ->
                        terminal.Err.WriteLine(CallMessages.apiTokenCreated token)

                        terminal.Out.WriteLine token.Value
                        Success)

    command.Options.Add options.GrantOption
    command.Options.Add options.ApiOption
    command.Options.Add options.RefererOption
    command.Options.Add options.ExpiresOption

    // A malformed option is a usage error: nothing is resolved or sent.
    command.Validators.Add(fun (result: CommandResult) ->
        let values (option: Option<string[]>) =
            match result.GetResult option with
            | null -> [||]
            | found -> found.Tokens |> Seq.map _.Value |> Array.ofSeq

        let typedOptions =
            { Grant = values options.GrantOption |> List.ofArray
              Api = typed result options.ApiOption |> Option.defaultValue "sql"
              Referer = values options.RefererOption |> List.ofArray
              Expires = typed result options.ExpiresOption }

        match ApiTokens.options (TimeProvider.System.GetUtcNow()) typedOptions with
        | Error e -> result.AddError(ValueMessages.tokenOptionError e)
        | Ok _ -> ())

    command

/// `cloud tokens list [--json] [--reveal]`: the caller's tokens, masked unless `--reveal`.
let private list (host: Host) (terminal: Terminal) =
    let reveal = option<bool> "--reveal" "Print each token whole instead of masked"

    let said =
        { Name = "list"
          Description = "List the API Access Tokens of these credentials (masked unless --reveal)"
          Json = "Print a JSON array instead of a table" }

    let command =
        sessionCommand host terminal said (fun result json _ session ->
            let shown = result.GetValue reveal

            match run (session.ListApiTokensAsync CancellationToken.None) with
            | Error e -> failed terminal e
            | Ok tokens when json ->
                terminal.Out.WriteLine(Output.apiTokensJson shown tokens)
                Success
            | Ok [] ->
                terminal.Out.WriteLine CallMessages.noApiTokens
                Success
            | Ok tokens ->
                let rows =
                    [ yield [ "TOKEN"; "GRANTS"; "APIS"; "REFERERS"; "EXPIRES" ]
                      for t in tokens ->
                          [ (if shown then t.Value else Secret.mask t.Value)
                            CallMessages.apiTokenGrants t
                            t.Apis |> List.map ApiTokens.apiName |> String.concat ","
                            t.Referers |> List.map Refused.terminalSafe |> String.concat ","
                            CallMessages.apiTokenExpiry t.ExpiresOn ] ]

                terminal.Out.WriteLine(Output.grid rows)
                Success)

    command.Options.Add reveal
    command

/// `cloud tokens delete (TOKEN | -)`: `-` reads the token from standard input, out of `ps`.
let private delete (host: Host) (terminal: Terminal) =
    let token =
        Argument<string>("TOKEN", Description = "The token to delete, or - to read it from standard input")

    let said =
        { Name = "delete"
          Description = "Delete an API Access Token"
          Json = "Print {deleted} as JSON" }

    let command =
        sessionCommand host terminal said (fun result json _ session ->
            let text =
                match result.GetValue token with
                | "-" -> KeyInput.fromStdinFor terminal "TOKEN" "token" CallMessages.nothingDeleted
                | text -> Ok text

            let value =
                text
                |> Result.bind (fun text ->
                    CloudText.create CloudField.Token text
                    |> Result.mapError (fun e -> ValueMessages.cloudValueError e + "; " + CallMessages.nothingDeleted))

            match value with
            | Error message -> fail terminal ("cartocreds: " + message)
            | Ok value ->
                match run (session.DeleteApiTokenAsync(value, CancellationToken.None)) with
                | Error e -> failed terminal e
                | Ok deleted when json ->
                    terminal.Out.WriteLine(if deleted then "{\"deleted\": true}" else "{\"deleted\": false}")
                    if deleted then Success else Failure
                | Ok true ->
                    terminal.Err.WriteLine(CallMessages.apiTokenDeleted (CloudText.mask value))
                    Success
                | Ok false -> fail terminal ("cartocreds: " + CallMessages.noSuchApiToken (CloudText.mask value)))

    command.Arguments.Add token
    command

/// The `cloud tokens` command and its subcommands.
let command (host: Host) (terminal: Terminal) : Command =
    let tokens =
        Command("tokens", "API Access Tokens for browsers, through CARTO's Tokens API: create, list, delete")

    for subcommand in [ create; list; delete ] do
        tokens.Subcommands.Add(subcommand host terminal)

    tokens
