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
            let said =
                [ error; description ]
                |> List.choose id
                |> List.map (fun t -> Refused.show t |> Option.defaultValue "…")

            "the token server refused the client credentials (HTTP "
            + string status
            + (if said.IsEmpty then "" else ": " + String.concat ": " said)
            + ")"
        | ExchangeError.UnexpectedAnswer status ->
            "the token server answered HTTP " + string status + " without an access token"
        | ExchangeError.Unreachable reason -> "the token server could not be reached (" + reason + ")"
        | ExchangeError.TimedOut seconds -> "the token server did not answer within " + string seconds + " s"

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
            "CARTO found no such account" + status + at + detail + "; check the base URL and the username"
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
