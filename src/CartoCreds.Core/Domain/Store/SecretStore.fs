namespace CartoCreds.Core

open System
open System.Text.Json

/// SPEC §11: where saved secrets are kept. `File`, the default, is the files CARTOframes and the
/// CARTO CLI read; `Keychain` is the operating system's credential store.
[<RequireQualifiedAccess>]
type SecretStore =
    | File
    | Keychain

/// Which store is in use, and what chose it (for `show --all` and errors).
type StoreChoice = { Store: SecretStore; ChosenBy: string }

/// What a keychain item holds a secret of. Items carry `service=cartocreds`, the kind, the account
/// (a username, or a profile) and the URL, and a label a person understands (SPEC §11).
[<RequireQualifiedAccess>]
type KeychainKind =
    /// The legacy saved session (CARTOframes' `creds.json`, kept in the keychain instead).
    | LegacySession
    /// A CARTO 3 profile's token: the rest of the profile stays in the CARTO CLI file.
    | ProfileToken

type KeychainItem = { Kind: KeychainKind; Account: string; Url: string }

[<RequireQualifiedAccess>]
module SecretStore =

    /// The variable that chooses the store, over the configuration file.
    [<Literal>]
    let Variable = "CARTOCREDS_STORE"

    let name =
        function
        | SecretStore.File -> "file"
        | SecretStore.Keychain -> "keychain"

    /// `file` or `keychain`, in any case, around spaces; else an error that says what was given.
    let parse (text: string) : Result<SecretStore, string> =
        match (if isNull text then "" else text.Trim().ToLowerInvariant()) with
        | "file" -> Ok SecretStore.File
        | "keychain" -> Ok SecretStore.Keychain
        | _ -> Error("'" + Refused.terminalSafe text + "' is not a store: give file or keychain")

    /// The configuration file's bytes, `{"store": "keychain"}`, kept beside what else it may hold.
    let encodeConfig (store: SecretStore) : byte[] =
        let buffer = Buffers.ArrayBufferWriter<byte>(64)

        do
            use writer = new Utf8JsonWriter(buffer, JsonWriterOptions(Indented = true))
            writer.WriteStartObject()
            writer.WriteString("store", name store)
            writer.WriteEndObject()

        buffer.WrittenSpan.ToArray()

    /// The configuration file: an object, whose `store`, when there, is a string.
    let private config: Decoder<string option> =
        fun root ->
            match root with
            | Json.Object _ -> Decode.optionalField "store" Decode.string root
            | other -> Error(DecodeError.NotAnObject(Json.kind other))

    /// The store the configuration file names; `None` when it names none; an error, read by the
    /// decoders every file shares, when it is not JSON or names something else.
    let decodeConfig (bytes: ReadOnlyMemory<byte>) : Result<SecretStore option, string> =
        match Decode.fromBytes config bytes with
        | Ok None -> Ok None
        | Ok(Some text) -> parse text |> Result.map Some
        | Error e -> Error(ValueMessages.decodeError Layer.File e)

    /// SPEC §11's precedence: `CARTOCREDS_STORE`, else the configuration file, else `file`.
    let choose
        (variable: string option)
        (configured: SecretStore option)
        (configPath: string)
        : Result<StoreChoice, string> =
        match variable |> Option.filter (String.IsNullOrWhiteSpace >> not), configured with
        | Some text, _ ->
            parse text
            |> Result.map (fun store -> { Store = store; ChosenBy = Variable })
            |> Result.mapError (fun e -> Variable + ": " + e)
        | None, Some store -> Ok { Store = store; ChosenBy = configPath }
        | None, None -> Ok { Store = SecretStore.File; ChosenBy = "the default" }

[<RequireQualifiedAccess>]
module KeychainItem =

    /// The service attribute every CartoCreds item carries.
    [<Literal>]
    let Service = "cartocreds"

    let kindName =
        function
        | KeychainKind.LegacySession -> "legacy-session"
        | KeychainKind.ProfileToken -> "profile-token"

    /// What the item is found by: its service and kind, and a token's profile. A profile saved
    /// again with another URL, or the one saved session saved for another account, replaces its
    /// item instead of adding a second. No secret among them.
    let identity (item: KeychainItem) : (string * string) list =
        match item.Kind with
        | KeychainKind.LegacySession -> [ "service", Service; "kind", kindName item.Kind ]
        | KeychainKind.ProfileToken -> [ "service", Service; "kind", kindName item.Kind; "account", item.Account ]

    /// What the item carries: its service, kind, account and URL.
    let attributes (item: KeychainItem) : (string * string) list =
        [ "service", Service; "kind", kindName item.Kind; "account", item.Account; "url", item.Url ]

    /// The identity as one string, for stores that find an item by a single name (the macOS
    /// account, the Windows target): `profile-token:{profile}`, or `legacy-session`.
    let key (item: KeychainItem) =
        match item.Kind with
        | KeychainKind.LegacySession -> kindName item.Kind
        | KeychainKind.ProfileToken -> kindName item.Kind + ":" + item.Account

    /// The token of a CARTO 3 profile of the CARTO CLI file (the file keeps the rest of it).
    let profileToken (profile: string) (url: string) =
        { Kind = KeychainKind.ProfileToken; Account = profile; Url = url }

    /// What a person sees in Seahorse or Keychain Access.
    let label (item: KeychainItem) =
        match item.Kind with
        | KeychainKind.LegacySession -> "CartoCreds: CARTO API key of " + item.Account + " (" + item.Url + ")"
        | KeychainKind.ProfileToken -> "CartoCreds: CARTO 3 token of profile " + item.Account + " (" + item.Url + ")"

    /// The saved legacy session, to find or delete: there is one, found by its kind alone.
    let legacySession = { Kind = KeychainKind.LegacySession; Account = ""; Url = "" }

    /// The saved legacy session of `credentials`, to save: its account the username (or the base
    /// URL's host when there is none), its URL the base URL.
    let legacySessionOf (credentials: Credentials) =
        let url = BaseUrl.value credentials.BaseUrl

        let account =
            match credentials.Username with
            | Some username -> Username.value username
            | None -> Uri(url).Host

        { legacySession with Account = account; Url = url }
