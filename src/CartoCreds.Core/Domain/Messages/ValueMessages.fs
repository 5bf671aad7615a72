namespace CartoCreds.Core

open System

/// What is wrong with one value, a file's exposure or an I/O failure, as text: the pieces the
/// layered messages of `Messages` are made of. No text carries a key, token or secret.
[<RequireQualifiedAccess>]
module ValueMessages =

    let fieldLabel (field: Field) =
        match field with
        | Field.Username -> "username"
        | Field.ApiKey -> "API key"
        | Field.BaseUrl -> "base URL"

    /// A refused value in quotes, or a note that it is not shown (it looks like a token).
    let quoted (shown: string option) =
        match shown with
        | Some text -> "'" + text + "'"
        | None -> "(not shown: it looks like a token)"

    /// A refused character: itself when printable, else its code point.
    let private character (c: char) =
        if c > ' ' && c <= '~' then
            "'" + string c + "'"
        else
            "U+" + (int c).ToString "X4"

    let characterKind (kind: CharacterKind) =
        match kind with
        | CharacterKind.Whitespace -> "a whitespace character"
        | CharacterKind.Control -> "a control character"
        | CharacterKind.Format -> "an invisible formatting character (such as a byte-order mark or a zero-width space)"
        | CharacterKind.Surrogate -> "a broken Unicode character (a lone surrogate)"
        | CharacterKind.NonAscii -> "a non-ASCII character"

    /// How the caller on a surface allows an http base URL.
    let private allowOption (surface: Surface) =
        match surface with
        | Surface.FSharp -> "AllowNonSecure = true"
        | Surface.CSharp -> "allowNonSecure: true"
        | Surface.CommandLine -> "--allow-non-secure"
        | Surface.Options -> "AllowNonSecure = true in the options"

    /// What is wrong with a value, after the name of its field, with a hint in the words of the
    /// caller's surface and of the layer it came from (when known).
    let problemOn (surface: Surface) (layer: Layer option) (error: ValueError) =
        match error with
        | ValueError.Empty Field.ApiKey -> "is empty; give an API key"
        | ValueError.Empty field -> "is empty; give a " + (fieldLabel field)
        | ValueError.UsernameTooLong(name, length) ->
            quoted name + " is " + (string length) + " characters long; a username has at most 63"
        | ValueError.UsernameCharacter(name, c) ->
            quoted name + " contains " + (character c) + "; a username uses only letters, digits, '_' and '-'"
        | ValueError.UsernameHyphenAtEdge name -> quoted name + " starts or ends with '-'"
        | ValueError.ApiKeyCharacter(kind, position) ->
            "contains "
            + (characterKind kind)
            + " at position "
            + (string position)
            + "; an API key is printable ASCII without spaces"
        | ValueError.BaseUrlNotAbsolute -> "is not an absolute URL such as https://johnsmith.carto.com"
        | ValueError.BaseUrlScheme scheme -> "uses the scheme " + quoted scheme + "; use https"
        | ValueError.BaseUrlInsecure shown ->
            quoted shown
            + " is not secure (http); use https"
            + (match layer with
               | Some(Layer.File | Layer.SavedSession) -> ", or allow it in the file (\"allow_non_secure\": true)"
               | Some Layer.Environment when surface = Surface.CommandLine ->
                   " (the environment cannot allow http: save the credentials with cartocreds save --allow-non-secure)"
               | Some Layer.Environment ->
                   " (the environment cannot allow http: give the credentials with " + allowOption surface + ")"
               | _ -> ", or allow non-secure URLs (" + allowOption surface + ")")
        | ValueError.BaseUrlUserInfo -> "contains user information (user@host); remove it"
        | ValueError.BaseUrlNoHost -> "has no host"
        | ValueError.BaseUrlHost shown ->
            "has the host " + quoted shown + ", which is not a DNS name, an IPv4 address or a bracketed IPv6 address"
        | ValueError.BaseUrlPort shown -> "has the port " + quoted shown + "; a port is a number from 1 to 65535"
        | ValueError.BaseUrlPath -> "has a path with characters a URL may not hold (escape them as %XX)"
        | ValueError.BaseUrlQuery -> "has a query (?…); remove it"
        | ValueError.BaseUrlFragment -> "has a fragment (#…); remove it"
        | ValueError.UsernameOrBaseUrlMissing -> "neither a username nor a base URL is given"

    /// What is wrong with a value, in F#'s words.
    let problem (error: ValueError) = problemOn Surface.FSharp None error

    /// A value error on its own, as a setter reports it: "base URL 'x' is not an absolute URL…".
    let valueErrorOn (surface: Surface) (error: ValueError) : string =
        match ValueError.field error with
        | Some field -> fieldLabel field + " " + problemOn surface None error
        | None -> problemOn surface None error

    /// A value error on its own, in F#'s words.
    let valueError (error: ValueError) : string = valueErrorOn Surface.FSharp error

    let private cloudFieldLabel (field: CloudField) =
        match field with
        | CloudField.Token -> "token"
        | CloudField.ClientId -> "client id"
        | CloudField.ClientSecret -> "client secret"
        | CloudField.ApiBaseUrl -> "API base URL"
        | CloudField.TenantId -> "tenant id"

    /// Why an option of `cloud tokens create` cannot be read.
    let tokenOptionError (error: TokenOptionError) : string =
        match error with
        | TokenOptionError.GrantSyntax shown -> "--grant " + shown + ": write CONNECTION=SOURCE"
        | TokenOptionError.UnknownApi shown -> "--api: " + shown + " is not one of sql, maps, lds, imports"
        | TokenOptionError.ExpirySyntax shown ->
            "--expires " + shown + ": write an ISO 8601 instant (2026-12-31T23:00:00Z) or 30m, 12h, 7d"

    /// Why a request for an API Access Token is refused (SPEC §12), naming the field:
    /// "grant 2: source project.* is a wildcard too broad: name at least two segments before
    /// its first * (project.dataset.*)".
    let apiTokenProblem (problem: ApiTokenProblem) : string =
        let grant (i: int) = "grant " + string i + ": "

        match problem with
        | ApiTokenProblem.NoGrants -> "grants: give at least one (CONNECTION=SOURCE)"
        | ApiTokenProblem.ConnectionName(i, ConnectionNameProblem.Empty) -> grant i + "the connection name is empty"
        | ApiTokenProblem.ConnectionName(i, ConnectionNameProblem.TooLong length) ->
            grant i
            + "the connection name has "
            + string length
            + " characters; at most "
            + string ApiTokens.MaxConnectionName
        | ApiTokenProblem.ConnectionName(i, ConnectionNameProblem.ControlCharacter) ->
            grant i + "the connection name contains a control character"
        | ApiTokenProblem.Source(i, SourceProblem.Empty) ->
            grant i + "the source is empty (a table, a SQL query, * or a wildcard pattern)"
        | ApiTokenProblem.Source(i, SourceProblem.ControlCharacter) ->
            grant i + "the source contains a control character (a query may break lines, nothing else)"
        | ApiTokenProblem.Source(i, SourceProblem.BroadWildcard pattern) ->
            grant i
            + "source "
            + pattern
            + " is a wildcard too broad: name at least two segments before its first * (project.dataset.*)"
        | ApiTokenProblem.NoApis -> "allowed APIs: give at least one of sql, maps, lds, imports"
        | ApiTokenProblem.ImportsNotAlone -> "allowed APIs: imports is allowed only alone"
        | ApiTokenProblem.Referer(i, shown, why) ->
            let said =
                match why with
                | RefererProblem.NotAnOrigin -> "is not an origin (https://host[:port])"
                | RefererProblem.HttpNotLoopback -> "uses http, which only a loopback host may (use https)"
                | RefererProblem.HasPath -> "has a path; a referer is an origin, https://host[:port]"
                | RefererProblem.HasQuery -> "has a query or fragment; a referer is an origin, https://host[:port]"
                | RefererProblem.HasUserInfo -> "has a user name or password; a referer is an origin"

            "referer " + string i + " (" + shown + ") " + said
        | ApiTokenProblem.ExpiryPast at ->
            "expiry "
            + at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Globalization.CultureInfo.InvariantCulture)
            + " is not in the future"

    /// A broker's lifetime that is too short (SPEC §12).
    let brokerLifetime (given: TimeSpan) : string =
        "a broker's tokens live at least "
        + string Broker.MinLifetime.TotalMinutes
        + " minutes, not "
        + given.TotalSeconds.ToString(Globalization.CultureInfo.InvariantCulture)
        + " s"

    /// The C# property of `ApiAccessTokenRequest` a problem is in (an `ArgumentException`'s parameter).
    let apiTokenField (problem: ApiTokenProblem) : string =
        match problem with
        | ApiTokenProblem.NoGrants
        | ApiTokenProblem.ConnectionName _
        | ApiTokenProblem.Source _ -> "Grants"
        | ApiTokenProblem.NoApis
        | ApiTokenProblem.ImportsNotAlone -> "AllowedApis"
        | ApiTokenProblem.Referer _ -> "Referers"
        | ApiTokenProblem.ExpiryPast _ -> "ExpiresOn"

    /// A CARTO 3 value error (SPEC §7): "token contains a whitespace character at position 5; …".
    let cloudValueError (error: CloudValueError) : string =
        match error with
        | CloudValueError.Empty field -> cloudFieldLabel field + " is empty"
        | CloudValueError.Character(field, kind, position) ->
            cloudFieldLabel field
            + " contains "
            + (characterKind kind)
            + " at position "
            + (string position)
            + "; a "
            + cloudFieldLabel field
            + " is printable ASCII without spaces"
        | CloudValueError.ApiBaseUrl e -> "API base URL " + problem e
        | CloudValueError.NotLoopback shown ->
            "API base URL "
            + quoted shown
            + " is not secure (http); use https (http is accepted for localhost, 127.0.0.0/8 and [::1] only)"
        | CloudValueError.TenantId shown -> "tenant id " + quoted shown + " is not 1 to 63 of a-z, 0-9 and '-'"
        | CloudValueError.TokenEndpoint ->
            "it names the token endpoint (…/oauth/token); give the auth server's base URL, such as https://auth.carto.com (the library adds /oauth/token)"

    /// Several value errors, joined.
    let valueErrors (errors: ValueError list) : string = errors |> List.map valueError |> String.concat "; "

    /// What the operating system refused, in the project's words.
    let ioProblem (problem: IoProblem) : string =
        match problem with
        | IoProblem.PermissionDenied -> "permission denied"
        | IoProblem.NoSuchPath -> "no such file or directory"
        | IoProblem.ReadOnlyFileSystem -> "the file system is read-only"
        | IoProblem.NoSpace -> "no space is left on the device"
        | IoProblem.NotADirectory -> "a part of the path is not a directory"
        | IoProblem.NameTooLong -> "the name is too long"
        | IoProblem.TooManyLinks -> "too many symbolic links"
        | IoProblem.Busy -> "the file is busy"
        | IoProblem.InUse -> "another program has it open (close it, then try again)"
        | IoProblem.InvalidName -> "the path holds characters no file name may have"
        | IoProblem.Other code -> "an input/output error (code " + (string code) + ")"

    let private octal (mode: int) = "0" + Convert.ToString(mode, 8)

    /// Who else could change a file, and how to stop it.
    let exposure (exposure: Exposure) : string =
        match exposure with
        | Exposure.WritableByOthers(path, mode) ->
            path
            + " is writable by other users (mode "
            + (octal mode)
            + "); another user could replace your credentials. Fix it with: chmod go-w "
            + path
        | Exposure.OwnedByOther(path, owner) ->
            path
            + " is owned by another user (uid "
            + (string owner)
            + "), who could replace your credentials. Fix it with: chown $(id -u) "
            + path
        | Exposure.SymbolicLink path ->
            path
            + " is a symbolic link, which is not followed here, so that no other user's file is taken for yours. Remove it: rm "
            + path

    /// How large a file may be: §4's bound, or the CARTO CLI file's (SPEC §7.3).
    let sizeBound (limit: int) =
        if limit = CloudFile.MaxCliFileSize then
            "a CARTO CLI credentials file is at most " + (string limit) + " bytes"
        elif limit = ReadError.MaxKeychainSecret then
            "a keychain item holds at most " + (string limit) + " bytes"
        else
            "a credentials file is at most " + (string limit) + " bytes"

    /// A file refused because another user could change it, in the same words wherever it is
    /// refused: by a read of the saved session, or by a save (SPEC §7.3).
    let exposed (what: Exposure) : string =
        exposure what + " (or set " + Variables.InsecurePermissions + "=1 to use it all the same)"

    /// A token cache that another user could have written: never read or written (SPEC §7.4).
    let cacheIgnored (what: Exposure) : string = "warning: the token cache is not used: " + exposure what

    /// How a layer names a field: an argument, a variable, or a field of a JSON file.
    let fieldName (layer: Layer) (field: Field) =
        match layer, field with
        | Layer.Environment, Field.Username -> "variable " + Variables.Username
        | Layer.Environment, Field.ApiKey -> "variable " + Variables.ApiKey
        | Layer.Environment, Field.BaseUrl -> "variable " + Variables.BaseUrl
        | (Layer.File | Layer.SavedSession), Field.Username -> "field \"username\""
        | (Layer.File | Layer.SavedSession), Field.ApiKey -> "field \"api_key\""
        | (Layer.File | Layer.SavedSession), Field.BaseUrl -> "field \"base_url\""
        | _, Field.Username -> "username"
        | _, Field.ApiKey -> "API key"
        | _, Field.BaseUrl -> "base URL"

    /// A value error as a layer names its field, with the hint of the caller's surface.
    let valueErrorAt (surface: Surface) (layer: Layer) (error: ValueError) =
        match ValueError.field error with
        | Some field -> fieldName layer field + " " + problemOn surface (Some layer) error
        | None -> problemOn surface (Some layer) error

    /// A value error as a layer names its field.
    let valueErrorIn layer (error: ValueError) = valueErrorAt Surface.FSharp layer error

    /// Why a file's bytes are not credentials, after the file's path.
    let decodeError (layer: Layer) (error: DecodeError) : string =
        match error with
        | DecodeError.Empty -> "the file is empty"
        | DecodeError.NotJson(line, position) ->
            "it is not valid JSON (line " + (string line) + ", position " + (string position) + ")"
        | DecodeError.NotUtf8 -> "it is not valid UTF-8 text"
        | DecodeError.Utf16 -> "it is UTF-16 text; save it as UTF-8"
        | DecodeError.NotAnObject actual -> "it holds " + actual + ", not a JSON object"
        | DecodeError.BadField(field, expected, actual) -> field + " should be " + expected + ", not " + actual
        | DecodeError.Invalid errors -> errors |> List.map (valueErrorIn layer) |> String.concat "; "
        | DecodeError.LegacyCredentials ->
            "it holds legacy CARTO credentials (CARTOframes' username, api_key and base_url), not CARTO 3 ones; "
            + "read it as legacy credentials instead (new Credentials(credFile:) in C#, cartocreds show --file)"

    /// How the keychain is named in messages and `show --all`.
    let keychainPlace (backend: KeychainBackend) =
        match backend with
        | KeychainBackend.SecretService -> "the keychain (Secret Service)"
        | KeychainBackend.MacKeychain -> "the keychain (macOS Keychain)"
        | KeychainBackend.CredentialManager -> "the keychain (Windows Credential Manager)"

    /// Where a saved secret is kept: a file's path, or the keychain.
    let place (place: Place) =
        match place with
        | Place.File path -> path
        | Place.Keychain backend -> keychainPlace backend

    /// The keychain's error as a person reads it, naming the way out.
    let keychainError (error: KeychainError) : string =
        let seconds (value: float) = value.ToString("0.#", Globalization.CultureInfo.InvariantCulture)

        match error with
        | KeychainError.NoSessionBus problem ->
            let detail =
                match problem with
                | BusProblem.AddressNotSet -> "DBUS_SESSION_BUS_ADDRESS is not set"
                | BusProblem.Unreachable detail -> detail

            "keychain: no D-Bus session bus ("
            + detail
            + "); log in to a desktop session or start one (dbus-run-session), or use --store file"
        | KeychainError.NoService ->
            "keychain: no Secret Service on the session bus; install and start gnome-keyring, KWallet or KeePassXC, or use --store file"
        | KeychainError.NoDefaultCollection ->
            "keychain: ReadAlias failed: there is no default keyring; create one (Seahorse), or use --store file"
        | KeychainError.Locked ->
            "keychain locked: unlocking it needs a prompt that cannot be shown here; unlock it (gnome-keyring-daemon --unlock reads the password on stdin) or use --store file"
        | KeychainError.Dismissed ->
            "keychain locked: the unlock prompt was dismissed (or could not be shown); unlock the keyring, or use --store file"
        | KeychainError.Unanswered wait ->
            "keychain locked: the unlock prompt was not answered within "
            + seconds wait
            + " s; unlock the keyring, or use --store file"
        | KeychainError.TimedOut(operation, bound) ->
            "keychain: no answer to "
            + operation
            + " within "
            + seconds bound
            + " s; is the keyring daemon hung? Or use --store file"
        | KeychainError.NotOurs foreign ->
            let detail =
                match foreign with
                | ForeignItem.DoesNotDecrypt -> "its secret does not decrypt"
                | ForeignItem.NotText -> "its secret is not text"

            "keychain: an item that CartoCreds did not write (" + detail + "); remove it, or save again"
        | KeychainError.KeyOutsideGroup ->
            "keychain: OpenSession failed: the Secret Service sent a public key outside the group"
        | KeychainError.Failed(operation, dbus, detail) ->
            "keychain: " + operation + " failed: " + Refused.terminalSafe (DBusError.name dbus + ": " + detail)
        | KeychainError.Code(operation, backend, code) ->
            let what =
                match backend with
                | KeychainBackend.MacKeychain -> "OSStatus "
                | KeychainBackend.CredentialManager -> "Windows error "
                | KeychainBackend.SecretService -> "error "

            "keychain: " + operation + " failed: " + what + string code
        | KeychainError.UnexpectedReply operation ->
            "keychain: the reply to "
            + operation
            + " is not one the Secret Service API lays out; is another program posing as the keyring? Or use --store file"
        | KeychainError.TooLarge(size, limit) ->
            "keychain: the item is " + string size + " bytes; a keychain item holds at most " + string limit + " bytes"
        | KeychainError.Unsupported platform -> "keychain: not available on " + platform + "; use --store file"

    /// What chose the store, as `config store` says it.
    let storeChosenBy (chosenBy: StoreChosenBy) =
        match chosenBy with
        | StoreChosenBy.Action -> "this action's choice"
        | StoreChosenBy.Variable -> SecretStore.Variable
        | StoreChosenBy.ConfigFile path -> path
        | StoreChosenBy.Default -> "the default"

    /// Why a file could not be read, after the file's path.
    let rec readError (error: ReadError) : string =
        match error with
        | ReadError.NotFound -> "no such file"
        | ReadError.NoItem -> "no such item"
        | ReadError.IsDirectory -> "it is a directory, not a file"
        | ReadError.NotRegular -> "it is not a regular file (a device, a FIFO or a socket)"
        | ReadError.TooLarge(size, limit) -> "it is " + (string size) + " bytes; " + sizeBound limit
        | ReadError.Unreadable problem -> "it could not be read: " + (ioProblem problem)
        | ReadError.SecretStore problem -> storeProblem problem

    /// Why the store chosen could not be used.
    and storeProblem (problem: StoreProblem) : string =
        match problem with
        | StoreProblem.Keychain error -> keychainError error
        | StoreProblem.Setting error -> storeSettingError error

    /// Why the store setting could not be read, naming where it was read.
    and storeSettingError (error: StoreSettingError) : string =
        match error with
        | StoreSettingError.NotAStore(source, shown) ->
            let where =
                match source with
                | StoreSettingSource.Variable -> SecretStore.Variable + ": "
                | StoreSettingSource.ConfigFile path -> path + ": "
                | StoreSettingSource.Option name -> name + ": "
                | StoreSettingSource.Argument -> ""

            where + "'" + shown + "' is not a store: give file or keychain"
        | StoreSettingError.ConfigUnreadable(path, problem) -> path + ": " + readError problem
        | StoreSettingError.ConfigUndecodable(path, problem) -> path + ": " + decodeError Layer.File problem

    /// A failed save or delete.
    let storeError (error: StoreError) : string =
        match error with
        | StoreError.IsDirectory path -> path + " is a directory, not a credentials file; nothing was changed"
        | StoreError.NotRegular path ->
            path + " is not a regular file (a device, a FIFO or a socket); nothing was changed"
        | StoreError.SaveFailed(path, problem) ->
            "could not write " + path + ": " + (ioProblem problem) + "; the previous file is unchanged"
        | StoreError.DeleteFailed(path, problem) -> "could not remove " + path + ": " + (ioProblem problem)
        | StoreError.Locked(lockPath, seconds) ->
            "another process held the lock "
            + lockPath
            + " for "
            + seconds.ToString("0.#", Globalization.CultureInfo.InvariantCulture)
            + " s while writing the file beside it; nothing was changed, try again"
        | StoreError.NoLocation(LocationError.VariableNotSet name) ->
            "the default location is unknown because " + name + " is not set; give a path"
        | StoreError.SecretStore problem -> storeProblem problem + "; nothing was changed"

    /// Why `env --shell NAME` wrote nothing: the variable, and what in its value (never the value).
    let exportError (error: ExportError) : string =
        let shell =
            Export.shells |> List.tryFind (snd >> (=) error.Shell) |> Option.map fst |> Option.defaultValue ""

        let what =
            match error.Reason with
            | Unquotable.QuoteOrBackslash ->
                "a quote or a backslash, which bash, python-dotenv and docker compose read differently"
            | Unquotable.Interpolation -> "${, which python-dotenv expands"
            | Unquotable.Control -> "a line break or another control character"
            | Unquotable.CmdExpansion -> "% or !, which cmd expands even inside quotes"
            | Unquotable.DoubleQuote -> "a double quote, which ends cmd's quoted assignment"

        error.Name
        + " cannot be written for --shell "
        + shell
        + ": its value holds "
        + what
        + "; nothing was written (--shell sh writes any value)"
