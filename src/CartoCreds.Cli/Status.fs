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

/// What a verification shows besides the account: the credentials' fields (masked) and their origin.
type Shown =
    { Origin: Origin
      Credentials: (string * Json) list
      Account: Identity -> (string * Json) list }

/// Prints a verified account (table or JSON), or the failure on stderr: exit 0 verified, 3 when
/// CARTO could not be reached, 1 otherwise.
let report (terminal: Terminal) (asJson: bool) (shown: Shown) (verified: Result<Identity, VerifyError>) : int =
    match verified with
    | Ok identity ->
        let rows = shown.Account identity @ shown.Credentials

        if asJson then
            ("verified", Encode.bool true) :: rows @ [ "origin", Output.origin shown.Origin ]
            |> Encode.object
            |> Encode.toText JsonStyle.Relaxed
            |> terminal.Out.WriteLine
        else
            terminal.Out.WriteLine(
                table (
                    // The account is the server's text: terminal-safe and bounded (SPEC §6).
                    ("status", "verified")
                    :: (rows
                        |> List.map (fun (n, v) ->
                            n, Output.cell v |> Option.map Refused.terminalSafe |> Option.defaultValue "-"))
                    @ [ "origin", Messages.origin shown.Origin ]
                )
            )

        Success
    | Error error ->
        terminal.Err.WriteLine("cartocreds: " + CallMessages.verifyError error)

        if error.Failure = VerifyFailure.Unreachable then Unreachable else Failure

let private text = Encode.nullable Encode.string

/// The legacy account's rows.
let legacyAccount (identity: Identity) = [ "username", text identity.Username; "user_id", text identity.UserId ]

/// The CARTO 3 account's rows.
let cloudAccount (identity: Identity) =
    [ "user_id", text identity.UserId
      "email", text identity.Email
      "tenant_domain", text identity.TenantDomain ]
