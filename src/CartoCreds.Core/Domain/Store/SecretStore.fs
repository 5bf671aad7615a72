namespace CartoCreds.Core

open System

/// SPEC §11: where saved secrets are kept. `File`, the default, is the files CARTOframes and the
/// CARTO CLI read; `Keychain` is the operating system's credential store.
[<RequireQualifiedAccess>]
type SecretStore =
    | File
    | Keychain

/// What chose the store in use (SPEC §11's precedence).
[<RequireQualifiedAccess>]
type StoreChosenBy =
    /// The action's own choice, over the setting (the tool's `--store`).
    | Action
    | Variable
    | ConfigFile of path: string
    | Default

/// Which store is in use, and what chose it (for `config store` and errors).
type StoreChoice = { Store: SecretStore; ChosenBy: StoreChosenBy }

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

    /// `file` or `keychain`, in any case, around spaces, as `source` gave it; else an error that
    /// says what was given, and where.
    let parse (source: StoreSettingSource) (text: string) : Result<SecretStore, StoreSettingError> =
        match (if isNull text then "" else text.Trim().ToLowerInvariant()) with
        | "file" -> Ok SecretStore.File
        | "keychain" -> Ok SecretStore.Keychain
        | _ -> Error(StoreSettingError.NotAStore(source, Refused.terminalSafe (if isNull text then "" else text)))

    /// The configuration file's bytes, `{"store": "keychain"}`, kept beside what else it may hold.
    let encodeConfig (store: SecretStore) : byte[] =
        Encode.object [ "store", Encode.string (name store) ] |> Encode.toBytes JsonStyle.Indented

    /// The configuration file: an object, whose `store`, when there, is a string.
    let private config: Decoder<string option> =
        fun root ->
            match root with
            | Json.Object _ -> Decode.optionalField "store" Decode.string root
            | other -> Error(DecodeError.NotAnObject(Json.kind other))

    /// The store the configuration file at `path` names; `None` when it names none; an error,
    /// read by the decoders every file shares, when it is not JSON or names something else.
    let decodeConfig (path: string) (bytes: ReadOnlyMemory<byte>) : Result<SecretStore option, StoreSettingError> =
        match Decode.fromBytes config bytes with
        | Ok None -> Ok None
        | Ok(Some text) -> parse (StoreSettingSource.ConfigFile path) text |> Result.map Some
        | Error e -> Error(StoreSettingError.ConfigUndecodable(path, e))

    /// SPEC §11's precedence: `CARTOCREDS_STORE`, else the configuration file at `configPath`
    /// (what it names, when it names one), else `file`.
    let choose
        (variable: string option)
        (configured: (string * SecretStore) option)
        : Result<StoreChoice, StoreSettingError> =
        match variable |> Option.filter (String.IsNullOrWhiteSpace >> not), configured with
        | Some text, _ ->
            parse StoreSettingSource.Variable text
            |> Result.map (fun store -> { Store = store; ChosenBy = StoreChosenBy.Variable })
        | None, Some(path, store) -> Ok { Store = store; ChosenBy = StoreChosenBy.ConfigFile path }
        | None, None -> Ok { Store = SecretStore.File; ChosenBy = StoreChosenBy.Default }

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
