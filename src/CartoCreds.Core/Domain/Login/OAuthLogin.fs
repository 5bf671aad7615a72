namespace CartoCreds.Core

open System
open System.Security.Cryptography
open System.Text

/// The secrets of one login (SPEC §7.5, RFC 7636): the code verifier, kept until the token request;
/// its S256 challenge, sent in the authorize URL; and the `state` the callback must carry back.
type LoginSecrets =
    { Verifier: string
      Challenge: string
      State: string }

    /// Never the secrets themselves.
    override _.ToString() = "LoginSecrets(****)"

/// What one request to the loopback listener is.
[<RequireQualifiedAccess>]
type Callback =
    /// The authorization code, with the login's own `state`.
    | Code of code: string
    /// The authorization server's refusal (`error`, `error_description`), with the login's `state`.
    | Denied of error: string * description: string option
    /// A code or an error with another `state` (or none): not this login's answer.
    | StateMismatch
    /// Not the callback (another path, no code nor error): answered 404, and the login waits on.
    | Stray

/// Why what was pasted (`cloud login --code`) is not a code.
[<RequireQualifiedAccess>]
type CodeProblem =
    | NothingPasted
    | NotAUrl
    | NoCodeInUrl
    /// A space or a control character, which no code holds.
    | Characters

/// Why a login did not end with a profile (SPEC §7.5). Nothing was saved.
[<RequireQualifiedAccess>]
type LoginError =
    /// A setting the login needs is invalid (`CARTO_AUTH_URL`, `CARTO_ACCOUNTS_URL`), by its variable.
    | Service of ServiceUrlError
    | PortInUse of port: int
    | Denied of error: string * description: string option
    | StateMismatch
    /// What was pasted (`cloud login --code`) is not a code, nor a URL that holds one.
    | BadCode of CodeProblem
    | TimedOut of seconds: float
    /// No code was pasted in time (`--code`).
    | CodeTimedOut of seconds: float
    | Cancelled
    | Token of ExchangeError
    | ApiBaseUrl of ApiLookupError
    | Account of VerifyError
    | Save of ProfileError

/// SPEC §7.5's decisions, pure: the PKCE pair and `state` from given random bytes, the authorize
/// URL, what a callback request is, the token request.
[<RequireQualifiedAccess>]
module OAuthLogin =

    /// The public client id of CARTO's carto-auth, which this login uses unless told otherwise.
    [<Literal>]
    let DefaultClientId = "0dxb8HR3ATXCxJiPOJVHsLoHoAtbRX6u"

    [<Literal>]
    let ClientIdVariable = "CARTO_OAUTH_CLIENT_ID"

    /// carto-auth's port, registered with its client's redirect URI.
    [<Literal>]
    let DefaultPort = 10000

    /// Whether a loopback listener may be asked for on `port` (1 to 65535): the tool's `--port`
    /// and C#'s `CloudLoginOptions.Port` alike.
    let isPort (port: int) = port >= 1 && port <= 65535

    /// How long a person has to log in.
    let defaultTimeout = TimeSpan.FromSeconds 300.0

    /// The random bytes a login takes: 32 for the verifier, 16 for `state` (128 bits).
    [<Literal>]
    let RandomBytes = 48

    /// Base64url without padding (RFC 4648 §5).
    let base64Url (bytes: byte[]) = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')

    /// The S256 challenge of a verifier: `BASE64URL(SHA256(ASCII(verifier)))`.
    let challenge (verifier: string) = base64Url (Sha256.hash (Encoding.ASCII.GetBytes verifier))

    /// A login's secrets from `RandomBytes` random bytes: a verifier of 43 unreserved characters
    /// and a `state` of 22.
    let secrets (random: byte[]) : LoginSecrets =
        if random.Length <> RandomBytes then
            invalidArg (nameof random) ("a login takes " + string RandomBytes + " random bytes")

        let verifier = base64Url random[0..31]

        { Verifier = verifier
          Challenge = challenge verifier
          State = base64Url random[32..] }

    /// The client id: `CARTO_OAUTH_CLIENT_ID`, else carto-auth's.
    let clientId (getVariable: string -> string option) =
        getVariable ClientIdVariable |> Input.givenOption |> Option.defaultValue DefaultClientId

    /// The redirect URI of a port, as carto-auth registers it.
    let redirectUri (port: int) = "http://localhost:" + string port + "/callback/"

    /// The redirect of a login without a local browser (`--code`, carto-auth's
    /// `open_browser=False`): CARTO shows the code there, for the person to paste.
    [<Literal>]
    let CodeRedirect = "https://app.carto.com/auth/token"

    /// `GET {auth_url}/authorize?…` (SPEC §7.5), `organization` for single sign-on.
    let authorizeUrl
        (authUrl: string)
        (clientId: string)
        (redirect: string)
        (secrets: LoginSecrets)
        (organization: string option)
        : string =
        [ "client_id", clientId
          "response_type", "code"
          "audience", TokenExchange.Audience
          "redirect_uri", redirect
          "code_challenge", secrets.Challenge
          "code_challenge_method", "S256"
          "state", secrets.State ]
        @ (organization |> Option.map (fun org -> "organization", org) |> Option.toList)
        |> List.map (fun (k, v) -> k + "=" + Uri.EscapeDataString v)
        |> String.concat "&"
        |> fun query -> authUrl + "/authorize?" + query

    /// A query's parameters, decoded as a browser encodes them (`+` a space); a name repeated is its last value.
    let private parameters (query: string) : Map<string, string> =
        let decode (text: string) = Uri.UnescapeDataString(text.Replace('+', ' '))

        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun pair ->
            match pair.IndexOf '=' with
            | -1 -> decode pair, ""
            | at -> decode (pair.Substring(0, at)), decode (pair.Substring(at + 1)))
        |> Map.ofArray

    let private sameState (expected: string) (given: string option) =
        match given with
        | Some state ->
            CryptographicOperations.FixedTimeEquals(
                ReadOnlySpan(Encoding.UTF8.GetBytes state),
                ReadOnlySpan(Encoding.UTF8.GetBytes expected)
            )
        | None -> false

    /// What a request for `path` and `query` is to a login waiting with `state`.
    let callback (state: string) (path: string) (query: string) : Callback =
        let given = parameters query
        let field name = given.TryFind name |> Option.bind Input.given

        if path <> "/callback/" && path <> "/callback" then
            Callback.Stray
        else
            match field "code", field "error" with
            | _, Some error when sameState state (given.TryFind "state") ->
                Callback.Denied(error, field "error_description")
            | Some code, None when sameState state (given.TryFind "state") -> Callback.Code code
            | None, None -> Callback.Stray
            | _ -> Callback.StateMismatch

    /// One rule for every code, however it came (the callback, a pasted URL, a bare code): it
    /// holds no space nor control character, so none reaches the token request or a terminal.
    let code (text: string) : Result<string, LoginError> =
        if text |> Seq.exists (fun c -> Char.IsWhiteSpace c || Char.IsControl c) then
            Error(LoginError.BadCode CodeProblem.Characters)
        else
            Ok text

    /// What the person pasted for a login waiting with `state`: the bare code, or the whole URL
    /// the browser was sent to (its `state`, when there, must be this login's; its `error` is a
    /// refusal). Spaces around it are dropped; the code is held to `code`'s rule either way.
    let pasted (state: string) (text: string) : Result<string, LoginError> =
        let text = text.Trim()
        let bad problem = Error(LoginError.BadCode problem)

        if text = "" then
            bad CodeProblem.NothingPasted
        elif
            text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        then
            match Uri.TryCreate(text, UriKind.Absolute) with
            | false, _ -> bad CodeProblem.NotAUrl
            | true, url ->
                let given = parameters url.Query
                let field name = given.TryFind name |> Option.bind Input.given
                let stateAgrees = not (given.ContainsKey "state") || sameState state (given.TryFind "state")

                match field "code", field "error" with
                | _, _ when not stateAgrees -> Error LoginError.StateMismatch
                | _, Some error -> Error(LoginError.Denied(error, field "error_description"))
                | Some found, None -> code found
                | None, None -> bad CodeProblem.NoCodeInUrl
        else
            code text

    /// `POST {auth_url}/oauth/token`'s form for the code.
    let tokenForm (clientId: string) (code: string) (redirect: string) (verifier: string) =
        [ "grant_type", "authorization_code"
          "client_id", clientId
          "code", code
          "redirect_uri", redirect
          "code_verifier", verifier ]

    /// The page the browser shows when the callback came (any outcome): back to the terminal.
    let page (succeeded: bool) =
        let said =
            if succeeded then
                "You are logged in to CARTO. You can close this page and return to the terminal."
            else
                "The login did not succeed. Return to the terminal to see why."

        "<!doctype html><html><head><meta charset=\"utf-8\"><title>CartoCreds</title></head><body><p>"
        + said
        + "</p></body></html>"
