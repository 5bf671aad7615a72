/// SPEC §7.4 and §8 against hostile servers on 127.0.0.1: no redirect is followed (what a second
/// server received is asserted), server text never shows the secret or a token, the earliest
/// expiry wins, a bad `expires_in` is refused, a `429` holds every caller back, a cache entry is
/// bound to its secret, and an expired access token is never handed out.
module CartoCreds.Core.Tests.HostileServerTests

open System
open System.Net.Http
open System.Threading
open System.Threading.Tasks
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private start = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)
let private secretText = "s3cr3t-s3cr3t-s3cr3t-0001"

let private text = cloudText

/// The library's own client: it follows no redirect.
let private http = Http.shared

let private source (server: CartoServer) (clock: TimeProvider) (cache: string option) (secret: string) =
    let authUrl =
        match ServiceUrl.create server.Url with
        | Ok u -> u
        | Error e -> failwithf "%A" e

    TokenSource(
        { ClientId = text CloudField.ClientId "m2m-client"
          Secret = text CloudField.ClientSecret secret
          AuthUrl = authUrl },
        cache,
        { SessionOptions.Default with
            Http = Some http.Value
            Time = Some clock
            Log = Watched.logger }
    )

let private answer (tokens: TokenSource) = (tokens.GetAsync CancellationToken.None).AsTask().Result

[<Theory>]
[<InlineData(302)>]
[<InlineData(307)>]
[<InlineData(308)>]
let ``a redirect from the token server is not followed: the other server receives nothing, and no token is taken``
    (status: int)
    =
    use other =
        new CartoServer(fun _ -> Answer.Json 200 "{\"access_token\": \"stolen-token-abcdefgh\", \"expires_in\": 3600}")

    use server =
        new CartoServer(fun _ -> (Answer.Json status "{}").WithHeader("Location", other.Url + "/oauth/token"))

    match answer (source server (ManualClock start) None secretText) with
    | Error(ExchangeError.Redirected(s, target) as e) ->
        Assert.Equal(status, s)
        Assert.Equal(other.Url, target)

        Assert.Equal(
            "the token server answered HTTP "
            + string status
            + ", a redirect to "
            + other.Url
            + ", which is not followed: the client secret is sent to the auth URL only",
            CallMessages.exchangeError e
        )
    | other -> failwithf "%A" other

    Assert.Equal(0, other.Count)

[<Fact>]
let ``a server that echoes the secret or a token has them replaced by ****, and its control characters escaped`` () =
    use server =
        new CartoServer(fun _ ->
            Answer.Json
                401
                ("{\"error\": \"invalid_client\", \"error_description\": \"bad secret "
                 + secretText
                 + " for eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln \\u001b]0;owned\\u0007\"}"))

    match answer (source server (ManualClock start) None secretText) with
    | Error e ->
        let message = CallMessages.exchangeError e
        Assert.DoesNotContain(secretText, message)
        Assert.DoesNotContain("eyJhbGciOiJub25lIn0", message)
        Assert.False(message.Contains '\u001b', "an escape character reached the message")

        Assert.Equal(
            "the token server refused the client credentials (HTTP 401: invalid_client: bad secret **** for **** \\u001B]0;owned\\u0007)",
            message
        )
    | Ok token -> failwithf "%O" token

/// A JWT whose payload says `exp`.
let private jwt (exp: DateTimeOffset) =
    let payload =
        Convert.ToBase64String(Text.Encoding.UTF8.GetBytes($"{{\"exp\":{exp.ToUnixTimeSeconds()}}}")).TrimEnd('=')

    "eyJhbGciOiJub25lIn0." + payload.Replace('+', '-').Replace('/', '_') + ".c2ln"

[<Fact>]
let ``the earlier of the JWT's exp and expires_in is the token's expiry, whichever it is`` () =
    let early = jwt (start.AddMinutes 20.0)

    use server =
        new CartoServer(fun _ -> Answer.Json 200 ("{\"access_token\": \"" + early + "\", \"expires_in\": 3600}"))

    match answer (source server (ManualClock start) None secretText) with
    | Ok token ->
        Assert.Equal(Some(start.AddMinutes 20.0), token.ExpiresOn)
        Assert.Equal(Some(start.AddMinutes 15.0), token.RefreshOn) // 5 minutes before it expires
    | Error e -> failwith (CallMessages.exchangeError e)

    let late = jwt (start.AddHours 5.0)

    use other =
        new CartoServer(fun _ -> Answer.Json 200 ("{\"access_token\": \"" + late + "\", \"expires_in\": 600}"))

    match answer (source other (ManualClock start) None secretText) with
    | Ok token -> Assert.Equal(Some(start.AddMinutes 10.0), token.ExpiresOn)
    | Error e -> failwith (CallMessages.exchangeError e)

[<Theory>]
[<InlineData("0")>]
[<InlineData("-5")>]
[<InlineData("\"3600\"")>]
[<InlineData("1.5e300")>]
let ``an expires_in that is not a positive number makes the reply an unexpected answer`` (expiresIn: string) =
    use server =
        new CartoServer(fun _ ->
            Answer.Json 200 ("{\"access_token\": \"token-abcdefghijkl\", \"expires_in\": " + expiresIn + "}"))

    Assert.Equal(Error(ExchangeError.BadExpiry 200), answer (source server (ManualClock start) None secretText))

[<Fact>]
let ``a 429 holds every caller back for its Retry-After, at most 60 s, with one request`` () =
    use server =
        new CartoServer(fun _ ->
            (Answer.Json 429 "{\"error\": \"too_many_requests\"}").WithHeader("Retry-After", "3600"))

    let clock = ManualClock start
    let tokens = source server clock None secretText

    let callers =
        Task.WhenAll([| for _ in 1..20 -> tokens.GetAsync(CancellationToken.None).AsTask() |]).Result

    Assert.All(callers, fun r -> Assert.True(Result.isError r))
    Assert.Equal(1, server.Count)
    clock.Advance(TimeSpan.FromSeconds 59.0)
    Assert.True(Result.isError (answer tokens))
    Assert.Equal(1, server.Count) // still waiting
    clock.Advance(TimeSpan.FromSeconds 2.0) // past 60 s, though the server asked for an hour
    Assert.True(Result.isError (answer tokens))
    Assert.Equal(2, server.Count)

[<Fact>]
let ``a cache entry made with another secret is ignored: a wrong or rotated secret is found at once`` () =
    use box = new Sandbox()
    let mutable n = 0

    use server =
        new CartoServer(fun request ->
            if request.Body.Contains secretText then
                n <- n + 1
                Answer.Json 200 ("{\"access_token\": \"token-" + string n + "-abcdefghijkl\", \"expires_in\": 3600}")
            else
                Answer.Json 401 "{\"error\": \"access_denied\"}")

    let cache = Some(box.Path "tokens")
    Assert.True(Result.isOk (answer (source server (ManualClock start) cache secretText)))
    let file = Assert.Single(IO.Directory.GetFiles(box.Path "tokens", "*.json"))
    Assert.DoesNotContain(secretText, IO.File.ReadAllText file)

    match answer (source server (ManualClock start) cache "the-wrong-secret-0001") with
    | Error(ExchangeError.Refused(401, _, _)) -> Assert.Equal(2, server.Count)
    | other -> failwithf "the cached token was handed to a wrong secret: %A" other

[<Fact>]
let ``a cache whose JWT has expired is not served, whatever its expires_on says`` () =
    use box = new Sandbox()

    use server =
        new CartoServer(fun _ -> Answer.Json 200 "{\"access_token\": \"fresh-abcdefghijkl\", \"expires_in\": 3600}")

    let secret = text CloudField.ClientSecret secretText
    let clientId = text CloudField.ClientId "m2m-client"
    let stale = jwt (start.AddMinutes -1.0)

    let planted =
        { Value = stale
          ExpiresOn = Some(start.AddHours 1.0)
          RefreshOn = Some(start.AddMinutes 55.0) }

    let tokens = box.Path "tokens"
    IO.Directory.CreateDirectory tokens |> ignore

    IO.File.WriteAllBytes(
        IO.Path.Combine(tokens, TokenCache.name server.Url clientId),
        TokenCache.bytes server.Url clientId secret "salt" planted
    )

    match answer (source server (ManualClock start) (Some tokens) secretText) with
    | Ok token -> Assert.Equal("fresh-abcdefghijkl", token.Value)
    | Error e -> failwith (CallMessages.exchangeError e)

[<Fact>]
let ``an expired access token is never handed out`` () =
    use box = new Sandbox()
    let expired = jwt (start.AddMinutes -1.0)

    let credentials =
        match CloudCredentials.ofToken expired None with
        | Ok c -> c
        | Error e -> failwithf "%A" e

    let session =
        CloudSession.Create(
            box.Host [],
            credentials,
            CloudServices.ofVariables (box.Host []).GetVariable,
            { SessionOptions.Default with Time = Some(ManualClock start :> TimeProvider) }
        )

    match session.GetTokenAsync(CancellationToken.None).AsTask().Result with
    | Error(TokenError.Expired at as e) ->
        Assert.Equal(start.AddMinutes -1.0, at)

        Assert.Equal(
            "the access token expired at 2026-11-27 11:59:00 UTC; get a new one (log in again, or create another API access token)",
            CallMessages.tokenError e
        )
    | other -> failwithf "%A" other

[<Theory>]
[<InlineData(302)>]
[<InlineData(307)>]
let ``verification follows no redirect: another server never claims the account`` (status: int) =
    use box = new Sandbox()
    use other = new CartoServer()

    use server =
        new CartoServer(fun request ->
            if request.Path = "/users/me" then
                (Answer.Json status "{}").WithHeader("Location", other.Url + "/users/me")
            else
                Answer.Json 404 "{}")

    let credentials =
        match CloudCredentials.ofToken "access-token-abcdefgh" None with
        | Ok c -> c
        | Error e -> failwithf "%A" e

    let host = box.Host [ "CARTO_ACCOUNTS_URL", server.Url ]

    let session =
        CloudSession.Create(host, credentials, CloudServices.ofVariables host.GetVariable, SessionOptions.Default)

    match session.VerifyAsync(TimeSpan.FromSeconds 10.0, CancellationToken.None).Result with
    | Ok(Error e) ->
        Assert.Equal(VerifyFailure.UnexpectedAnswer, e.Failure)
        Assert.Equal(Some status, e.Status)
        Assert.Equal(Some("a redirect to " + other.Url + ", which is not followed"), e.Detail)
    | other -> failwithf "%A" other

    Assert.Equal(0, other.Count)

[<Fact>]
let ``a redirect is named by scheme, host and port alone, never with the user-info it carries`` () =
    Assert.Equal(
        "https://other.example:8443",
        TokenExchange.originOf (Some(Uri "https://user:hunter2-secret@other.example:8443/oauth/token?x=1#y"))
    )

    Assert.Equal("", TokenExchange.originOf (Some(Uri("/relative", UriKind.Relative))))
    Assert.Equal("", TokenExchange.originOf None)

[<Fact>]
let ``CARTO_AUTH_URL set to the token URL is refused with the hint, not turned into …/oauth/token/oauth/token`` () =
    let variables value name = if name = CloudServices.AuthUrlVariable then Some value else None

    match CloudServices.authUrl (variables "https://auth.carto.com/oauth/token/") with
    | Error e ->
        Assert.Equal(
            "it names the token endpoint (…/oauth/token); give the auth server's base URL, such as https://auth.carto.com (the library adds /oauth/token)",
            ValueMessages.cloudValueError e
        )
    | Ok url -> failwithf "accepted %s" (ServiceUrl.value url)

    Assert.True(Result.isOk (CloudServices.authUrl (variables "https://auth.carto.com")))
