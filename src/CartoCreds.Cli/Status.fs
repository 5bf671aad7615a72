/// `cartocreds status` and `cartocreds cloud status`: verify credentials against CARTO (SPEC §6, §8).
module CartoCreds.Cli.Status

open System
open System.Text
open CartoCreds.Core
open CartoCreds.Cli.Commands

/// The CARTO 3 session of resolved credentials: an exchange's disk cache for the next run, and a
/// warning on stderr when another user could have written that cache; what it does, to `log`.
let session
    (host: Host)
    (terminal: Terminal)
    (log: Microsoft.Extensions.Logging.ILogger)
    (timeout: TimeSpan)
    (resolution: CloudResolution)
    : CloudSession =
    CloudSession.Create(
        host,
        resolution,
        { SessionOptions.Default with
            Warn = fun exposure -> terminal.Err.WriteLine(ValueMessages.cacheIgnored exposure)
            Timeout = timeout
            Log = log }
    )

/// Rows of `name  value`, aligned.
let private table (rows: (string * string) list) : string =
    let width = rows |> List.map (fst >> String.length) |> List.max

    rows |> List.map (fun (name, value) -> (name.PadRight width + "  " + value).TrimEnd()) |> String.concat "\n"

let private json (rows: (string * string option) list) (origin: Origin) : string =
    Codec.writeText (fun writer ->
        writer.WriteStartObject()
        writer.WriteBoolean("verified", true)

        for name, value in rows do
            match name, value with
            // A flag, as `show --json` writes it: a boolean, not the table's text.
            | "allow_non_secure", Some flag -> writer.WriteBoolean(name, (flag = "true"))
            | _, Some text -> writer.WriteString(name, text)
            | _, None -> writer.WriteNull name

        Output.writeOrigin writer origin)
    |> Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'

/// Prints a verified account (table or JSON), or the failure on stderr: exit 0 verified, 3 when
/// CARTO could not be reached, 1 otherwise.
let report
    (terminal: Terminal)
    (asJson: bool)
    (origin: Origin)
    (account: Identity -> (string * string option) list)
    (credentials: (string * string) list)
    (verified: Result<Identity, VerifyError>)
    : int =
    match verified with
    | Ok identity ->
        let rows = account identity @ (credentials |> List.map (fun (n, v) -> n, Some v))

        if asJson then
            terminal.Out.WriteLine(json rows origin)
        else
            terminal.Out.WriteLine(
                table (
                    // The account is the server's text: terminal-safe and bounded (SPEC §6).
                    ("status", "verified")
                    :: (rows
                        |> List.map (fun (n, v) -> n, v |> Option.map Refused.terminalSafe |> Option.defaultValue "-"))
                    @ [ "origin", Messages.origin origin ]
                )
            )

        Success
    | Error error ->
        terminal.Err.WriteLine("cartocreds: " + CallMessages.verifyError error)

        if error.Failure = VerifyFailure.Unreachable then Unreachable else Failure

/// The legacy account's rows.
let legacyAccount (identity: Identity) = [ "username", identity.Username; "user_id", identity.UserId ]

/// The CARTO 3 account's rows.
let cloudAccount (identity: Identity) =
    [ "user_id", identity.UserId; "email", identity.Email; "tenant_domain", identity.TenantDomain ]
