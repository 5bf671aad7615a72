/// SPEC §8: credentials attached to their own origin only, and verified against the loopback CARTO
/// stand-in: every failure kind, the single retry of a refused exchanged token, no secret in any
/// message, the caller's cancellation.
module CartoCreds.Core.Tests.VerificationHttpTests

open System
open System.Net.Http
open System.Threading
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private ok =
    function
    | Ok value -> value
    | Error e -> failwithf "%A" e

let private legacyAt (url: string) (key: string) =
    Credentials.create
        { CredentialsInput.Empty with
            BaseUrl = Some url
            ApiKey = Some key
            AllowNonSecure = true }
    |> ok

let private http = new HttpClient()
let private tenSeconds = TimeSpan.FromSeconds 10.0

let private verifyLegacy (credentials: Credentials) (timeout: TimeSpan) =
    (VerificationHttp.legacy http timeout credentials CancellationToken.None).GetAwaiter().GetResult()

let private failure (result: Result<Identity, VerifyError>) =
    match result with
    | Error e -> e
    | Ok identity -> failwithf "verified: %A" identity

// --- Attach: the same-origin rule and the query ---

[<Theory>]
[<InlineData("https://alice.carto.com", "https://alice.carto.com/api/v2/sql", true)>]
[<InlineData("https://alice.carto.com", "https://ALICE.carto.com:443/x", true)>]
[<InlineData("https://alice.carto.com/user/alice", "https://alice.carto.com/other/path", true)>]
[<InlineData("https://alice.carto.com", "http://alice.carto.com/x", false)>]
[<InlineData("https://alice.carto.com", "https://alice.carto.com:8443/x", false)>]
[<InlineData("https://alice.carto.com", "https://bob.carto.com/x", false)>]
[<InlineData("https://alice.carto.com", "https://alice.carto.com.evil.example/x", false)>]
[<InlineData("http://localhost:8080", "http://127.0.0.1:8080/x", false)>]
[<InlineData("http://127.0.0.1:8080", "http://localhost:8080/x", false)>]
[<InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8081/x", false)>]
let ``credentials go to their own scheme, host and port only`` (own: string, target: string, expected: bool) =
    Assert.Equal(expected, Attach.sameOrigin (Uri own) (Uri target))
    let attached = Attach.legacy (legacyAt own "secret-key-0001") (Uri target)
    Assert.Equal(expected, attached.IsSome)

/// Printable ASCII: what an API key may hold, `&`, `=`, `#`, `%` and `+` among it.
let private printableKey =
    Gen.choose (1, 40)
    |> Gen.bind (fun n -> Gen.arrayOfLength n (Gen.map char (Gen.choose (33, 126))))
    |> Gen.map String
    |> Arb.fromGen

[<Property(MaxTest = 300)>]
let ``the key is added after the query that is there, escaped so that it reads back whole`` () =
    Prop.forAll printableKey (fun key ->
        let target = Uri "https://alice.carto.com/api/v2/sql?q=select%201&format=json#top"
        let sent = Attach.legacy (legacyAt "https://alice.carto.com" key) target |> Option.get

        let pairs =
            sent.Query.TrimStart('?').Split('&')
            |> Array.map (fun pair ->
                let i = pair.IndexOf '='
                pair.Substring(0, i), Uri.UnescapeDataString(pair.Substring(i + 1)))

        (pairs = [| "q", "select 1"; "format", "json"; "api_key", key |]
         && sent.Fragment = "#top"
         && sent.AbsolutePath = "/api/v2/sql")
        |@ sprintf "key %A sent as %s" key sent.AbsoluteUri)

[<Fact>]
let ``a request that names its own api_key is left as it is`` () =
    let target = Uri "https://alice.carto.com/api/v3/me?api_key=other"
    Assert.Equal(None, Attach.legacy (legacyAt "https://alice.carto.com" "secret-key-0001") target)

    let plain = Uri "https://alice.carto.com/api/v3/me"

    Assert.Equal(
        "https://alice.carto.com/api/v3/me?api_key=secret-key-0001",
        (Attach.legacy (legacyAt "https://alice.carto.com" "secret-key-0001") plain).Value.AbsoluteUri
    )

// --- Verification, legacy ---

[<Fact>]
let ``legacy verification asks /api/v3/me with the key and reads the account`` () =
    use server = new CartoServer()

    let identity =
        verifyLegacy (legacyAt (server.Url + "/user/alice") server.Account.ApiKey) tenSeconds |> ok

    Assert.Equal(Some "alice", identity.Username)
    Assert.Equal(Some server.Account.LegacyUserId, identity.UserId)
    let request = Assert.Single server.Received
    Assert.Equal("/user/alice/api/v3/me", request.Path)
    Assert.Equal("?api_key=" + server.Account.ApiKey, request.Query)

/// Each answer and the failure it is, with the status and what the message says.
let private answers: (Answer * VerifyFailure * int option * string) list =
    [ Answer.Json 401 "{\"errors\": [\"Unauthorized\"]}", VerifyFailure.Rejected, Some 401, "rejected"
      Answer.Json 403 "{}", VerifyFailure.Rejected, Some 403, "rejected"
      Answer.Json 404 "{}", VerifyFailure.NotFound, Some 404, "no such account"
      Answer.Json 429 "{}", VerifyFailure.RateLimited, Some 429, "try again later"
      Answer.Json 503 "{}", VerifyFailure.UnexpectedAnswer, Some 503, "unexpected answer (HTTP 503)"
      Answer.Html 200 "<html>sign in</html>", VerifyFailure.UnexpectedAnswer, Some 200, "not an account"
      Answer.Json 200 "{}", VerifyFailure.UnexpectedAnswer, Some 200, "not an account"
      Answer.Json 200 "[1, 2]", VerifyFailure.UnexpectedAnswer, Some 200, "not an account" ]

[<Fact>]
let ``every answer that is not an account is its failure, naming the URL and never the key`` () =
    let key = "secret-key-verify-0001"

    for reply, expected, status, says in answers do
        use server = new CartoServer(fun _ -> reply)
        let error = verifyLegacy (legacyAt server.Url key) tenSeconds |> failure
        let message = CallMessages.verifyError error
        Assert.True((expected = error.Failure), sprintf "%d: %A" reply.Status error.Failure)
        Assert.Equal(status, error.Status)
        Assert.Equal(server.Url + "/api/v3/me", error.Url)
        Assert.Contains(says, message)
        Assert.Contains(error.Url, message)
        Assert.DoesNotContain(key, message)

[<Fact>]
let ``a 429 says when to retry, in seconds or as a date`` () =
    use seconds = new CartoServer(fun _ -> (Answer.Json 429 "{}").WithHeader("Retry-After", "7"))
    let error = verifyLegacy (legacyAt seconds.Url "k") tenSeconds |> failure
    Assert.Equal(Some(TimeSpan.FromSeconds 7.0), error.RetryAfter)
    Assert.Contains("try again in 7 s", CallMessages.verifyError error)
    let later = DateTimeOffset.UtcNow.AddMinutes 2.0

    use date =
        new CartoServer(fun _ -> (Answer.Json 429 "{}").WithHeader("Retry-After", later.ToString "R"))

    let wait = (verifyLegacy (legacyAt date.Url "k") tenSeconds |> failure).RetryAfter.Value
    Assert.InRange(wait, TimeSpan.FromSeconds 100.0, TimeSpan.FromSeconds 121.0)

[<Fact>]
let ``a Retry-After shown to the user is capped at a day, whatever the server says`` () =
    use years = new CartoServer(fun _ -> (Answer.Json 429 "{}").WithHeader("Retry-After", "999999999"))
    let error = verifyLegacy (legacyAt years.Url "k") tenSeconds |> failure
    Assert.Equal(Some(TimeSpan.FromDays 1.0), error.RetryAfter)
    Assert.Contains("try again in 86400 s", CallMessages.verifyError error)

[<Fact>]
let ``no answer in time, or no server, is unreachable`` () =
    use stalled = new CartoServer(fun _ -> (Answer.Json 200 "{}").After(TimeSpan.FromSeconds 5.0))
    let timedOut = verifyLegacy (legacyAt stalled.Url "k") (TimeSpan.FromMilliseconds 300.0) |> failure
    Assert.Equal(VerifyFailure.Unreachable, timedOut.Failure)
    Assert.Equal(None, timedOut.Status)
    Assert.Contains("no answer within 0.3 s", CallMessages.verifyError timedOut)

    let closed = CartoServer.ClosedUrl()

    let refused = verifyLegacy (legacyAt closed "secret-key-0001") tenSeconds |> failure
    Assert.Equal(VerifyFailure.Unreachable, refused.Failure)
    Assert.Contains("could not be reached at " + closed + "/api/v3/me", CallMessages.verifyError refused)

[<Fact>]
let ``the caller's cancellation is raised as such, not taken for unreachability`` () =
    use stalled = new CartoServer(fun _ -> (Answer.Json 200 "{}").After(TimeSpan.FromSeconds 5.0))
    use cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds 200.0)

    let attempt = VerificationHttp.legacy http tenSeconds (legacyAt stalled.Url "k") cancel.Token

    Assert.ThrowsAny<OperationCanceledException>(fun () -> attempt.GetAwaiter().GetResult() |> ignore) |> ignore

// --- Verification, CARTO 3 ---

let private url (text: string) = ApiBaseUrl.create text |> ok
let private cloudText field value = CloudText.create field value |> ok

/// A session on a host whose token server and accounts API are the stand-in, in a sandbox of its own.
let private session (box: Sandbox) (server: CartoServer) (credentials: CloudCredentials) =
    let host = box.Host [ "CARTO_AUTH_URL", server.Url; "CARTO_ACCOUNTS_URL", server.Url ]

    CloudSession.Create(
        host,
        credentials,
        CloudServices.ofVariables host.GetVariable,
        { SessionOptions.Default with Http = Some http }
    )

let private exchangedWith (box: Sandbox) (server: CartoServer) (secret: string) =
    CloudCredentials.ofClientCredentials server.Account.ClientId secret None
    |> Result.mapError (fun e -> failwithf "%A" e)
    |> ok
    |> session box server

let private exchanged (box: Sandbox) (server: CartoServer) = exchangedWith box server server.Account.ClientSecret

let private accessToken (box: Sandbox) (server: CartoServer) (token: string) =
    CloudCredentials.ofToken token None |> Result.mapError (fun e -> failwithf "%A" e) |> ok |> session box server

let private verifyCloud (session: CloudSession) =
    session.VerifyAsync(tenSeconds, CancellationToken.None).GetAwaiter().GetResult() |> ok

[<Fact>]
let ``cloud verification sends the bearer token to /users/me and reads the account`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    server.Account.AcceptToken "access-token-0001"
    let identity = verifyCloud (accessToken box server "access-token-0001") |> ok
    Assert.Equal(Some server.Account.UserId, identity.UserId)
    Assert.Equal(Some server.Account.Email, identity.Email)
    Assert.Equal(Some server.Account.TenantDomain, identity.TenantDomain)
    let request = Assert.Single server.Received
    Assert.Equal("/users/me", request.Path)
    Assert.Equal("Bearer access-token-0001", request.Authorization)

[<Fact>]
let ``a session uses the services it was handed, not the host's variables read again`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    // The host names an auth server and accounts API that do not exist; the session was handed
    // the stand-in's, as resolution reads them once and carries them.
    let host = box.Host [ "CARTO_AUTH_URL", "https://nowhere.invalid"; "CARTO_ACCOUNTS_URL", "bad url" ]

    let handed =
        CloudServices.ofVariables
            (Map.ofList [ "CARTO_AUTH_URL", server.Url; "CARTO_ACCOUNTS_URL", server.Url ]).TryFind

    let credentials =
        CloudCredentials.ofClientCredentials server.Account.ClientId server.Account.ClientSecret None |> ok

    let session =
        CloudSession.Create(host, credentials, handed, { SessionOptions.Default with Http = Some http })

    let identity = verifyCloud session |> ok
    Assert.Equal(Some server.Account.Email, identity.Email)
    Assert.Equal<string list>([ "/oauth/token"; "/users/me" ], server.Received |> List.map _.Path)

[<Fact>]
let ``invalid services handed to a session are the error of the token and the verification that need them`` () =
    use box = new Sandbox()

    let invalid =
        CloudServices.ofVariables (Map.ofList [ "CARTO_AUTH_URL", "https://auth.example/oauth/token" ]).TryFind

    let client = CloudCredentials.ofClientCredentials "m2m-client" "secretsecretsecret" None |> ok
    let session = CloudSession.Create(box.Host [], client, invalid, SessionOptions.Default)

    match session.GetTokenAsync(CancellationToken.None).AsTask().Result with
    | Error(TokenError.Service { Service = CloudService.Auth; Problem = CloudValueError.TokenEndpoint }) -> ()
    | other -> failwithf "%A" other

    match session.VerifyAsync(tenSeconds, CancellationToken.None).Result with
    | Error e -> Assert.StartsWith("variable CARTO_AUTH_URL: ", CallMessages.service e)
    | other -> failwithf "%A" other

    // An access token needs no auth server for itself.
    let token = CloudCredentials.ofToken "access-token-0001" None |> ok
    let given = CloudSession.Create(box.Host [], token, invalid, SessionOptions.Default)
    Assert.True(Result.isOk (given.GetTokenAsync(CancellationToken.None).AsTask().Result))

[<Fact>]
let ``a refused exchanged token is exchanged again once; a refused access token is not`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let bearer = exchanged box server
    verifyCloud bearer |> ok |> ignore
    server.Account.RevokeTokens()
    verifyCloud bearer |> ok |> ignore
    let paths = server.Received |> List.map _.Path
    Assert.Equal<string list>([ "/oauth/token"; "/users/me"; "/users/me"; "/oauth/token"; "/users/me" ], paths)
    Assert.Equal(2, server.Account.IssuedCount)

    use never = new CartoServer()

    never.Answer <-
        fun request ->
            if request.Path = "/users/me" then
                Answer.Json 401 "{}"
            else
                never.Account.Answer request

    use other = new Sandbox()
    let error = verifyCloud (exchanged other never) |> failure
    Assert.Equal(VerifyFailure.Rejected, error.Failure)
    Assert.Equal(2, never.Received |> List.filter (fun r -> r.Path = "/users/me") |> List.length)

    use plain = new CartoServer()
    let error = verifyCloud (accessToken box plain "revoked-token-0001") |> failure
    Assert.Equal(VerifyFailure.Rejected, error.Failure)
    Assert.Equal(1, plain.Count)
    Assert.DoesNotContain("revoked-token-0001", CallMessages.verifyError error)

[<Fact>]
let ``a refused exchange is a rejection at the token server, without the secret`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    server.Account.ClientSecret <- "another-secret-0001"
    let error = verifyCloud (exchangedWith box server "the-wrong-secret-0001") |> failure
    Assert.Equal(VerifyFailure.Rejected, error.Failure)
    Assert.Equal(Some 401, error.Status)
    Assert.Equal(server.Url + "/oauth/token", error.Url)
    let message = CallMessages.verifyError error
    Assert.Contains("access_denied", message)
    Assert.DoesNotContain("the-wrong-secret-0001", message)
