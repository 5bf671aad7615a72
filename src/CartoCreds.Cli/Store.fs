/// SPEC §11 at the command line: `config store` (show or choose where saved secrets are kept),
/// `config store migrate --to NAME`, and `--store` on a save.
module CartoCreds.Cli.Store

open System
open System.CommandLine
open CartoCreds.Core
open CartoCreds.Cli.Commands

/// `--store file|keychain`: the store of this one save.
let storeOption () =
    option<string> "--store" "Keep this save's secret in 'file' or 'keychain' (default: 'cartocreds config store')"

/// `host` with `store` chosen, as CARTOCREDS_STORE chooses it.
let private pinned (host: Host) (store: SecretStore) =
    { host with
        GetVariable =
            fun name ->
                if name = SecretStore.Variable then
                    Some(SecretStore.name store)
                else
                    host.GetVariable name }

/// The host this command runs with: `--store`, when given, chooses the store as CARTOCREDS_STORE would.
let withStore (host: Host) (result: ParseResult) (store: Option<string>) : Result<Host, string> =
    match given result store with
    | None -> Ok host
    | Some text -> SecretStore.parse text |> Result.map (pinned host) |> Result.mapError (fun e -> "--store: " + e)

/// Said after a save to the keychain: CARTOframes reads only its file.
let keychainNote (host: Host) (terminal: Terminal) (place: string) =
    if place = SecretStores.keychainPlace host then
        terminal.Err.WriteLine(
            "note: the saved session is in the keychain, not in creds.json: CARTOframes (Python) will not find it. "
            + "'cartocreds config store migrate --to file' moves it back."
        )

/// Said after a CARTO 3 profile was saved with its token in the keychain: the CARTO CLI reads only its file.
let profileNote (host: Host) (terminal: Terminal) (file: string option) (profile: string) =
    match ProfileTokens.inKeychain host file with
    | Ok true ->
        terminal.Err.WriteLine(
            "note: the token of profile "
            + Refused.terminalSafe profile
            + " is in "
            + SecretStores.keychainPlace host
            + "; the CARTO CLI file keeps the rest of the profile, so the CARTO CLI will not find the token. "
            + "'cartocreds config store migrate --to file' moves it back."
        )
    | _ -> ()

let private other =
    function
    | SecretStore.File -> SecretStore.Keychain
    | SecretStore.Keychain -> SecretStore.File

/// The legacy saved session as kept in `store`, and where that is.
let private readFrom (host: Host) (store: SecretStore) : Result<FileRead, string> =
    match store with
    | SecretStore.Keychain -> Ok(SecretStores.readKeychainSession host)
    | SecretStore.File ->
        CodecDisk.readSavedSession host |> Result.mapError (StoreError.NoLocation >> ValueMessages.storeError)

let private writeTo (host: Host) (store: SecretStore) (bytes: byte[]) : Result<string, string> =
    match store with
    | SecretStore.Keychain -> SecretStores.copyToKeychain host bytes
    | SecretStore.File ->
        Shell.defaultPath host
        |> Result.mapError StoreError.NoLocation
        |> Result.bind (fun path -> CodecDisk.write path bytes)
        |> Result.mapError ValueMessages.storeError

let private removeFrom (host: Host) (store: SecretStore) : Result<bool, string> =
    Shell.delete (pinned host store) None |> Result.mapError ValueMessages.storeError

/// Copies the saved session from the other store to `target` and reads it back, removing
/// nothing: where it was, and where it is now; `None` when there was none.
let private copySession (host: Host) (source: SecretStore) (target: SecretStore) =
    readFrom host source
    |> Result.bind (fun read ->
        match read.Content with
        | Error ReadError.NotFound -> Ok None
        | Error e -> Error(read.Path + ": " + ValueMessages.readError e + "; nothing was changed")
        | Ok bytes ->
            let bytes = bytes.ToArray()

            writeTo host target bytes
            |> Result.mapError (fun e -> e + "; the saved session stays in " + read.Path)
            |> Result.bind (fun place ->
                match (readFrom host target |> Result.map _.Content) with
                | Ok(Ok back) when back.Span.SequenceEqual(ReadOnlySpan bytes) -> Ok(Some(read.Path, place))
                | _ -> Error(place + " did not give back what was written; the saved session stays in " + read.Path)))

/// <summary>
/// Moves the saved secrets to `target` (SPEC §11): the legacy saved session and the tokens of the
/// CARTO CLI file's profiles are copied there and read back; then the setting is written; only
/// then are they removed from where they were. A failure before the setting changes nothing that
/// is read; one after it leaves a copy in the old place, and says so.
/// </summary>
let private migrate (host: Host) (terminal: Terminal) (target: SecretStore) =
    let source = other target
    let keychain = SecretStores.keychainPlace host

    let copied =
        copySession host source target
        |> Result.bind (fun session -> ProfileTokens.copy host target |> Result.map (fun tokens -> session, tokens))

    match copied with
    | Error message -> fail terminal message
    | Ok(session, tokens) ->
        match SecretStores.writeChoice host target with
        | Error e -> fail terminal (ValueMessages.storeError e)
        | Ok path ->
            let sessionCleared =
                match session with
                | None -> Ok()
                | Some(from, place) ->
                    removeFrom host source
                    |> Result.map ignore
                    |> Result.mapError (fun e ->
                        "the saved session was copied to " + place + ", but " + from + " could not be cleared: " + e)

            let tokensCleared =
                ProfileTokens.clear host tokens
                |> Result.mapError (fun e ->
                    "the profiles' tokens were copied, but could not be removed from where they were: " + e)

            match session with
            | Some(from, place) -> terminal.Out.WriteLine("Moved the saved session from " + from + " to " + place)
            | None ->
                terminal.Out.WriteLine("No saved session in the " + SecretStore.name source + " store: nothing to move")

            match tokens.Tokens with
            | [] -> ()
            | moved ->
                let names = moved |> List.map (fst >> Refused.terminalSafe) |> String.concat ", "

                let from, into =
                    match target with
                    | SecretStore.Keychain -> tokens.Path, keychain
                    | SecretStore.File -> keychain, tokens.Path

                terminal.Out.WriteLine("Moved the tokens of profiles " + names + " from " + from + " to " + into)

            terminal.Out.WriteLine("Store: " + SecretStore.name target + " (written to " + path + ")")

            match
                [ sessionCleared; tokensCleared ]
                |> List.choose (fun r ->
                    match r with
                    | Error e -> Some e
                    | Ok() -> None)
            with
            | [] -> Success
            | errors -> fail terminal (String.concat "; " errors)

/// `config store [file|keychain]` and `config store migrate --to file|keychain`.
let command (host: Host) (terminal: Terminal) =
    let name = Argument<string>("store", Description = "file or keychain", Arity = ArgumentArity.ZeroOrOne)
    let store = Command("store", "Show or choose where saved secrets are kept: file (default) or keychain")
    store.Arguments.Add name

    store.SetAction(fun (result: ParseResult) ->
        match result.GetValue name |> Option.ofObj with
        | None ->
            match SecretStores.choice host with
            | Ok choice ->
                terminal.Out.WriteLine(SecretStore.name choice.Store + " (" + choice.ChosenBy + ")")
                Success
            | Error message -> fail terminal message
        | Some text ->
            match SecretStore.parse text with
            | Error e -> fail terminal e
            | Ok chosen ->
                match SecretStores.writeChoice host chosen with
                | Error e -> fail terminal (ValueMessages.storeError e)
                | Ok path ->
                    terminal.Out.WriteLine("Store: " + SecretStore.name chosen + " (written to " + path + ")")

                    match host.GetVariable SecretStore.Variable |> Option.bind Input.given with
                    | Some variable when SecretStore.parse variable <> Ok chosen ->
                        terminal.Err.WriteLine(
                            "warning: " + SecretStore.Variable + " is set, and wins over the setting while it is."
                        )
                    | _ -> ()

                    terminal.Err.WriteLine(
                        "Saved secrets stay where they are: 'cartocreds config store migrate --to "
                        + SecretStore.name chosen
                        + "' moves them."
                    )

                    Success)

    let target = option<string> "--to" "file or keychain"
    target.Required <- true

    let move =
        Command(
            "migrate",
            "Move the saved session and the CARTO 3 profiles' tokens to another store: written, read back, then removed from the old"
        )

    move.Options.Add target

    move.SetAction(fun (result: ParseResult) ->
        match SecretStore.parse (result.GetValue target) with
        | Error e -> fail terminal ("--to: " + e)
        | Ok chosen -> migrate host terminal chosen)

    store.Subcommands.Add move
    let config = Command("config", "The tool's settings")
    config.Subcommands.Add store
    config
