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
    let setting (variable: string, error: CloudValueError) : string =
        "variable " + variable + ": " + ValueMessages.cloudValueError error

    /// An access token that has expired, an exchange that failed, or an invalid auth server variable.
    let tokenError (error: TokenError) : string =
        match error with
        | TokenError.Expired at ->
            "the access token expired at "
            + at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)
            + "; get a new one (log in again, or create another API access token)"
        | TokenError.Exchange e -> exchangeError e
        | TokenError.Setting(variable, e) -> setting (variable, e)

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
        | VerifyFailure.Rejected ->
            "CARTO rejected the credentials"
            + status
            + at
            + detail
            + "; check the key or token, and that it is the account's"
        | VerifyFailure.NotFound ->
            (if error.Endpoint = Endpoint.DataWarehouse then
                 "CARTO found no CARTO Data Warehouse"
             else
                 "CARTO found no such account")
            + status
            + at
            + detail
            + (match error.Endpoint with
               | Endpoint.LegacyAccount -> "; check the base URL and the username"
               | Endpoint.CloudAccount -> "; check the accounts URL (" + CloudServices.AccountsUrlVariable + ")"
               | Endpoint.TokenServer ->
                   "; check the auth server's base URL (" + CloudServices.AuthUrlVariable + "; without /oauth/token)"
               | Endpoint.DataWarehouse ->
                   "; check the API base URL, and that the organization has the CARTO Data Warehouse")
        | VerifyFailure.RateLimited ->
            "CARTO is limiting requests"
            + status
            + at
            + detail
            + (match error.RetryAfter with
               | Some wait -> "; try again in " + seconds wait
               | None -> "; try again later")
        | VerifyFailure.UnexpectedAnswer -> "CARTO gave an unexpected answer" + status + at + detail
        | VerifyFailure.Unreachable -> "CARTO could not be reached" + at + detail

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
