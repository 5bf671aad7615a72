namespace CartoCreds.Core

open System
open System.Globalization

/// What went wrong when calling CARTO, as text: a token exchange (SPEC §7.4) or a verification
/// (SPEC §8). The error values carry no key, token or secret, so no text does.
[<RequireQualifiedAccess>]
module CallMessages =

    /// Why client credentials could not be exchanged for a token; what the server said, bounded.
    let exchangeError (error: ExchangeError) : string =
        match error with
        | ExchangeError.Refused(status, error, description) ->
            // Already redacted (the secret and tokens replaced) and terminal-safe: see TokenExchange.redact.
            let said = [ error; description ] |> List.choose id

            "the token server refused the client credentials (HTTP "
            + string status
            + (if said.IsEmpty then "" else ": " + String.concat ": " said)
            + ")"
        | ExchangeError.UnexpectedAnswer status ->
            "the token server answered HTTP " + string status + " without an access token"
        | ExchangeError.BadExpiry status ->
            "the token server answered HTTP "
            + string status
            + " with an expires_in that is not a positive number of seconds"
        | ExchangeError.Redirected(status, "") ->
            "the token server answered HTTP " + string status + ", a redirect, which is not followed"
        | ExchangeError.Redirected(status, target) ->
            "the token server answered HTTP "
            + string status
            + ", a redirect to "
            + target
            + ", which is not followed: the client secret is sent to the auth URL only"
        | ExchangeError.Unreachable reason -> "the token server could not be reached (" + reason + ")"
        | ExchangeError.TimedOut seconds -> "the token server did not answer within " + string seconds + " s"

    /// A service variable that is invalid: "variable CARTO_AUTH_URL: …".
    let service (error: ServiceUrlError) : string =
        "variable " + CloudServices.variable error.Service + ": " + ValueMessages.cloudValueError error.Problem

    /// An access token that has expired, an exchange that failed, or an invalid auth server variable.
    let tokenError (error: TokenError) : string =
        match error with
        | TokenError.Expired at ->
            "the access token expired at "
            + at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
            + "; get a new one (log in again, or create another API access token)"
        | TokenError.Exchange e -> exchangeError e
        | TokenError.Service e -> service e

    let private seconds (wait: TimeSpan) = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s"

    /// "CARTO rejected the credentials (HTTP 401) at https://…/api/v3/me: …".
    let verifyError (error: VerifyError) : string =
        let status =
            match error.Status with
            | Some s -> " (HTTP " + string s + ")"
            | None -> ""

        let detail =
            match error.Detail with
            | Some d -> ": " + d
            | None -> ""

        let at = " at " + error.Url

        match error.Failure with
        | VerifyFailure.Rejected when error.Endpoint = Endpoint.Tokens && error.Status = Some 403 ->
            "CARTO refused to manage API Access Tokens"
            + status
            + at
            + detail
            + "; the credentials lack the write:tokens permission (give the machine-to-machine application, or the user, the right to manage tokens)"
        | VerifyFailure.Rejected ->
            "CARTO rejected the credentials"
            + status
            + at
            + detail
            + "; check the key or token, and that it is the account's"
        | VerifyFailure.NotFound ->
            (match error.Endpoint with
             | Endpoint.DataWarehouse -> "CARTO found no CARTO Data Warehouse"
             | Endpoint.Tokens -> "CARTO found no such Tokens API"
             | _ -> "CARTO found no such account")
            + status
            + at
            + detail
            + (match error.Endpoint with
               | Endpoint.LegacyAccount -> "; check the base URL and the username"
               | Endpoint.CloudAccount -> "; check the accounts URL (" + CloudServices.AccountsUrlVariable + ")"
               | Endpoint.TokenServer ->
                   "; check the auth server's base URL (" + CloudServices.AuthUrlVariable + "; without /oauth/token)"
               | Endpoint.DataWarehouse ->
                   "; check the API base URL, and that the organization has the CARTO Data Warehouse"
               | Endpoint.Tokens -> "; check the API base URL (" + CloudVariables.ApiBaseUrl + ")")
        | VerifyFailure.RateLimited ->
            "CARTO is limiting requests"
            + status
            + at
            + detail
            + (match error.RetryAfter with
               | Some wait -> "; try again in " + seconds wait
               | None -> "; try again later")
        | VerifyFailure.UnexpectedAnswer when
            error.Endpoint = Endpoint.Tokens && error.Status |> Option.exists (fun s -> s >= 200 && s < 300)
            ->
            "CARTO gave an unexpected answer"
            + status
            + at
            + ": not the Tokens API's (no token created, or no list of tokens)"
        | VerifyFailure.UnexpectedAnswer -> "CARTO gave an unexpected answer" + status + at + detail
        | VerifyFailure.Unreachable -> "CARTO could not be reached" + at + detail
        | VerifyFailure.InvalidRequest -> "CARTO refused the request" + status + at + detail

    /// Why a call to the Tokens API failed (SPEC §12).
    let tokensCallError (error: TokensCallError) : string =
        match error with
        | TokensCallError.ApiAccessTokenCredentials ->
            "the credentials are an API Access Token, which cannot manage tokens; the Tokens API needs client credentials or a login (cartocreds cloud login)"
        | TokensCallError.Service e -> service e
        | TokensCallError.Call e -> verifyError e

    /// When an API Access Token expires, as `cloud tokens` shows it.
    let apiTokenExpiry (expires: DateTimeOffset option) : string =
        match expires with
        | Some time -> time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
        | None -> "never"

    /// A token's grants as one line: `connection=source, …`, terminal-safe.
    let apiTokenGrants (token: ApiToken) : string =
        token.Grants |> List.map (fun g -> Refused.terminalSafe (g.Connection + "=" + g.Source)) |> String.concat ", "

    /// What `cloud tokens create` says on stderr of the token it printed: its grants, APIs and expiry.
    let apiTokenCreated (token: ApiToken) : string =
        "API Access Token for "
        + apiTokenGrants token
        + "; APIs "
        + (token.Apis |> List.map ApiTokens.apiName |> String.concat ", ")
        + "; expires "
        + apiTokenExpiry token.ExpiresOn

    /// A request refused by the checks: nothing reached CARTO.
    [<Literal>]
    let nothingSent = "nothing was sent."

    /// A token that could not be read or was not there.
    [<Literal>]
    let nothingDeleted = "nothing was deleted."

    /// `cloud tokens list` with none.
    [<Literal>]
    let noApiTokens = "No API Access Tokens."

    /// A token deleted, masked.
    let apiTokenDeleted (masked: string) = "Deleted " + masked

    /// A token CARTO did not have (404), masked.
    let noSuchApiToken (masked: string) = "CARTO has no such token (" + masked + "); " + nothingDeleted

    /// A CARTO CLI profile that could not be written or removed (SPEC §7.3, §7.6).
    let profileError (error: ProfileError) : string =
        match error with
        | ProfileError.NotAToken ->
            "only an access token can be saved in the CARTO CLI file; client credentials are exchanged for tokens instead"
        | ProfileError.Unreadable(path, e) -> path + ": " + ValueMessages.readError e + "; nothing was changed"
        | ProfileError.NotACliFile(path, e) ->
            path
            + " is not a CARTO CLI credentials file ("
            + ValueMessages.decodeError Layer.File e
            + "); it was left as it is"
        | ProfileError.Exposed what -> ValueMessages.exposed what + "; nothing was changed"
        | ProfileError.TooLarge(path, size) ->
            path
            + ": the file would be "
            + (string size)
            + " bytes; "
            + ValueMessages.sizeBound CloudFile.MaxCliFileSize
            + " (remove profiles you no longer use: cartocreds cloud delete --profile NAME); nothing was changed"
        | ProfileError.NoSuchProfile(path, name, available) ->
            let shown (text: string) = "'" + (Refused.show text |> Option.defaultValue "…") + "'"

            path
            + " has no profile "
            + shown name
            + (match available with
               | [] -> "; it has none (save one with: cartocreds cloud save --profile NAME --token-stdin)"
               | names -> "; it has " + String.concat ", " (List.map shown names))
        | ProfileError.Store e -> ValueMessages.storeError e

    /// What stopped a migration, without what it left unchanged.
    let rec private migrationCause (error: MigrationError) : string =
        match error with
        | MigrationError.Store problem -> ValueMessages.storeProblem problem
        | MigrationError.Profiles e -> profileError e
        | MigrationError.NotACliFile path -> path + " is not a CARTO CLI credentials file"
        | MigrationError.NotASession e ->
            "the saved session is not one CartoCreds reads (" + ValueMessages.decodeError Layer.SavedSession e + ")"
        | MigrationError.Unreadable(place, e) -> ValueMessages.place place + ": " + ValueMessages.readError e
        | MigrationError.NotWritten(e, _) -> migrationCause e
        | MigrationError.NotGivenBack(Migrated.Session, place, _) ->
            ValueMessages.place place + " did not give back what was written"
        | MigrationError.NotGivenBack(Migrated.Tokens, place, _) ->
            ValueMessages.place place + " did not give back the tokens written"
        | MigrationError.Setting e -> ValueMessages.storeError e

    /// Why a migration stopped before the setting changed, and where the secrets still are.
    let migrationError (error: MigrationError) : string =
        match error with
        | MigrationError.NotWritten(_, stays)
        | MigrationError.NotGivenBack(Migrated.Session, _, stays) ->
            migrationCause error + "; the saved session stays in " + ValueMessages.place stays
        | MigrationError.NotGivenBack(Migrated.Tokens, _, stays) ->
            migrationCause error + "; they stay in " + ValueMessages.place stays
        | MigrationError.Profiles _
        | MigrationError.Setting _ -> migrationCause error
        | _ -> migrationCause error + "; nothing was changed"

    /// What a migration moved, a line each, as `config store migrate` prints it.
    let migrationReport (report: MigrationReport) : string list =
        let names, from, into = report.Tokens

        [ match report.Session with
          | Some(from, place) ->
              "Moved the saved session from " + ValueMessages.place from + " to " + ValueMessages.place place
          | None ->
              "No saved session in the " + SecretStore.name (Migration.source report.Target) + " store: nothing to move"
          if not names.IsEmpty then
              "Moved the tokens of profiles "
              + (names |> List.map Refused.terminalSafe |> String.concat ", ")
              + " from "
              + ValueMessages.place from
              + " to "
              + ValueMessages.place into
          "Store: " + SecretStore.name report.Target + " (written to " + report.SettingPath + ")" ]

    /// What a migration copied but could not remove from the old place; `None` when it left nothing.
    let migrationLeftBehind (report: MigrationReport) : string option =
        let said (what, error) =
            match what, report.Session with
            | Migrated.Session, Some(from, place) ->
                "the saved session was copied to "
                + ValueMessages.place place
                + ", but "
                + ValueMessages.place from
                + " could not be cleared: "
                + migrationCause error
            | _ ->
                "the profiles' tokens were copied, but could not be removed from where they were: "
                + migrationCause error

        match report.LeftBehind with
        | [] -> None
        | left -> Some(left |> List.map said |> String.concat "; ")

    /// Why what was pasted is not a code.
    let codeProblem (problem: CodeProblem) : string =
        match problem with
        | CodeProblem.NothingPasted -> "nothing was pasted"
        | CodeProblem.NotAUrl -> "the URL pasted is not a URL"
        | CodeProblem.NoCodeInUrl -> "the URL pasted holds no code"
        | CodeProblem.Characters -> "a code holds no space nor control character"

    /// Why the API base URL could not be found as carto-auth finds it.
    let apiLookupError (error: ApiLookupError) : string =
        match error with
        | ApiLookupError.Fetch(host, FetchProblem.Redirected) -> host + " redirected to another server"
        | ApiLookupError.Fetch(host, FetchProblem.Status status) -> host + " answered HTTP " + string status
        | ApiLookupError.Fetch(host, FetchProblem.TooLarge limit) ->
            host + " answered more than " + string limit + " bytes"
        | ApiLookupError.Fetch(host, FetchProblem.Failed detail) -> host + ": " + detail
        | ApiLookupError.Fetch(host, FetchProblem.TimedOut seconds) ->
            host + " did not answer within " + string seconds + " s"
        | ApiLookupError.NoTenantDomain -> "the accounts service named no tenant_domain"
        | ApiLookupError.NotAHost shown ->
            "the accounts service named the tenant domain '" + shown + "', which is not a host name"
        | ApiLookupError.NoBaseUrl -> "the tenant's config.yaml has no apis.baseUrl"
        | ApiLookupError.NotYaml(line, column) ->
            "the tenant's config.yaml is not YAML (line " + string line + ", column " + string column + ")"
        | ApiLookupError.Invalid errors -> errors |> List.map ValueMessages.cloudValueError |> String.concat "; "

    /// A login error as a person reads it; what came from a server is already terminal-safe.
    let loginError (error: LoginError) : string =
        let nothing = "; nothing was saved."

        match error with
        | LoginError.Service e ->
            "The login cannot start: "
            + CloudServices.variable e.Service
            + ": "
            + ValueMessages.cloudValueError e.Problem
            + "."
        | LoginError.PortInUse port ->
            "Port "
            + string port
            + " is in use (another login, or another program); log in on another with --port N (C#: CloudLoginOptions.Port)."
        | LoginError.Denied(error, description) ->
            "The login was refused: "
            + error
            + (description |> Option.map (fun d -> " (" + d + ")") |> Option.defaultValue "")
            + nothing
        | LoginError.StateMismatch ->
            "The login was refused: the answer the browser brought back was not this login's (its state differs)"
            + nothing
        | LoginError.BadCode problem -> "The code could not be read: " + codeProblem problem + nothing
        | LoginError.TimedOut seconds ->
            "No answer came from the browser within "
            + string (int seconds)
            + " s; log in again (--timeout S gives more time)"
            + nothing
        | LoginError.CodeTimedOut seconds ->
            "No code was entered within "
            + string (int seconds)
            + " s; log in again (--timeout S gives more time)"
            + nothing
        | LoginError.Cancelled -> "The login was cancelled" + nothing
        | LoginError.Token e ->
            "The authorization code could not be exchanged for a token: " + exchangeError e + nothing
        | LoginError.ApiBaseUrl why ->
            "The API base URL could not be found: "
            + apiLookupError why
            + "; give it with --api-base-url URL or --tenant-id ID"
            + nothing
        | LoginError.Account e -> "The new token could not be verified: " + verifyError e + nothing
        | LoginError.Save e -> profileError e

    /// Why the options do not say one platform, naming the fields to remove: setting `Platform`
    /// alone would only lead to the next error.
    let platformError (error: PlatformError) : string =
        let names (fields: string list) = String.concat ", " fields

        match error with
        | PlatformError.Contradicted(CredentialsKind.Legacy, cloud) ->
            "Platform is Legacy, but CARTO 3 options are set ("
            + names cloud
            + "); remove them, or set Platform to Cloud (with no legacy options set)."
        | PlatformError.Contradicted(_, legacy) ->
            "Platform is Cloud, but legacy options are set ("
            + names legacy
            + "); remove them, or set Platform to Legacy (with no CARTO 3 options set)."
        | PlatformError.Both(legacy, cloud) ->
            "both legacy ("
            + names legacy
            + ") and CARTO 3 ("
            + names cloud
            + ") options are set; for CARTO 3 remove "
            + names legacy
            + ", or for the legacy platform remove "
            + names cloud
            + "."
