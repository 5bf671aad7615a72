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

/// The host this command runs with: `--store`, when given, chooses the store for this one action.
let withStore (host: Host) (result: ParseResult) (store: Option<string>) : Result<Host, string> =
    match given result store with
    | None -> Ok host
    | Some text ->
        SecretStore.parse (StoreSettingSource.Option "--store") text
        |> Result.map (fun store -> Host.withStore store host)
        |> Result.mapError ValueMessages.storeSettingError

/// Said after a save to the keychain: CARTOframes reads only its file.
let keychainNote (terminal: Terminal) (place: Place) =
    match place with
    | Place.Keychain _ ->
        terminal.Err.WriteLine(
            "note: the saved session is in the keychain, not in creds.json: CARTOframes (Python) will not find it. "
            + "'cartocreds config store migrate --to file' moves it back."
        )
    | Place.File _ -> ()

/// Said after a CARTO 3 profile was saved with its token in the keychain: the CARTO CLI reads only its file.
let profileNote (host: Host) (terminal: Terminal) (file: string option) (profile: string) =
    match ProfileTokens.inKeychain host file with
    | Ok true ->
        terminal.Err.WriteLine(
            "note: the token of profile "
            + Refused.terminalSafe profile
            + " is in "
            + ValueMessages.place (SecretStores.keychainPlace host)
            + "; the CARTO CLI file keeps the rest of the profile, so the CARTO CLI will not find the token. "
            + "'cartocreds config store migrate --to file' moves it back."
        )
    | _ -> ()

/// `config store migrate --to NAME`: the core's migration, said.
let private migrate (host: Host) (terminal: Terminal) (target: SecretStore) =
    match StoreMigration.run host target with
    | Error e -> fail terminal (CallMessages.migrationError e)
    | Ok report ->
        for line in CallMessages.migrationReport report do
            terminal.Out.WriteLine line

        match CallMessages.migrationLeftBehind report with
        | None -> Success
        | Some left -> fail terminal left

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
                terminal.Out.WriteLine(
                    SecretStore.name choice.Store + " (" + ValueMessages.storeChosenBy choice.ChosenBy + ")"
                )

                Success
            | Error e -> fail terminal (ValueMessages.storeSettingError e)
        | Some text ->
            match SecretStore.parse StoreSettingSource.Argument text with
            | Error e -> fail terminal (ValueMessages.storeSettingError e)
            | Ok chosen ->
                match SecretStores.writeChoice host chosen with
                | Error e -> fail terminal (ValueMessages.storeError e)
                | Ok path ->
                    terminal.Out.WriteLine("Store: " + SecretStore.name chosen + " (written to " + path + ")")

                    match host.GetVariable SecretStore.Variable |> Option.bind Input.given with
                    | Some variable when SecretStore.parse StoreSettingSource.Variable variable <> Ok chosen ->
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
        match SecretStore.parse (StoreSettingSource.Option "--to") (result.GetValue target) with
        | Error e -> fail terminal (ValueMessages.storeSettingError e)
        | Ok chosen -> migrate host terminal chosen)

    store.Subcommands.Add move
    let config = Command("config", "The tool's settings")
    config.Subcommands.Add store
    config
