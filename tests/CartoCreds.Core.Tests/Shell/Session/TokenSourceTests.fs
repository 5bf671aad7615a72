/// SPEC §7.4: client credentials exchanged for tokens against a real server on 127.0.0.1: the wire
/// format, reuse and early replacement, one request for many callers, failures, the disk cache.
module CartoCreds.Core.Tests.TokenSourceTests

open System
open System.IO
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
let private url = serviceUrl

let private http = new HttpClient()

let private source (server: CartoServer) (clock: TimeProvider) (cache: string option) (timeout: float) =
    TokenSource(
        { ClientId = text CloudField.ClientId "m2m-client"
          Secret = text CloudField.ClientSecret secretText
          AuthUrl = url server.Url },
        cache,
        { SessionOptions.Default with
            Http = Some(http)
            Time = Some clock
            Timeout = TimeSpan.FromSeconds timeout
            Log = Watched.logger }
    )

let private issued (n: int) (expiresIn: int) =
    Answer.Json
        200
        ("{\"access_token\": \"token-" + string n + "-abcdefghijkl\", \"expires_in\": " + string expiresIn + "}")

let private answer (tokens: TokenSource) = (tokens.GetAsync CancellationToken.None).AsTask().Result

let private get (tokens: TokenSource) =
    match answer tokens with
    | Ok token -> token
    | Error e -> failwith (CallMessages.exchangeError e)

[<Fact>]
let ``the request is a form post of the client credentials to /oauth/token`` () =
    use server = new CartoServer(fun _ -> issued 1 3600)
    let token = get (source server (ManualClock start) None 10.0)
    Assert.Equal("token-1-abcdefghijkl", token.Value)
    Assert.Equal(Some(start.AddHours 1.0), token.ExpiresOn)
    let request = Assert.Single server.Received
    Assert.Equal("POST", request.Method)
    Assert.Equal("/oauth/token", request.Path)
    Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType)

    Assert.Equal(
        "grant_type=client_credentials&audience=carto-cloud-native-api&client_id=m2m-client&client_secret=" + secretText,
        request.Body
    )

[<Fact>]
let ``a token is reused until 5 minutes before it expires, then replaced`` () =
    let mutable n = 0

    use server =
        new CartoServer(fun _ ->
            n <- n + 1
            issued n 3600)

    let clock = ManualClock start
    let tokens = source server clock None 10.0
    Assert.Equal("token-1-abcdefghijkl", (get tokens).Value)
    clock.Advance(TimeSpan.FromMinutes 54.0)
    Assert.Equal("token-1-abcdefghijkl", (get tokens).Value)
    Assert.Equal(1, server.Count)
    clock.Advance(TimeSpan.FromMinutes 1.5)
    Assert.Equal("token-2-abcdefghijkl", (get tokens).Value)
    Assert.Equal(2, server.Count)

[<Fact>]
let ``a short-lived token is replaced at half its lifetime`` () =
    let mutable n = 0

    use server =
        new CartoServer(fun _ ->
            n <- n + 1
            issued n 120)

    let clock = ManualClock start
    let tokens = source server clock None 10.0
    get tokens |> ignore
    clock.Advance(TimeSpan.FromSeconds 59.0)
    Assert.Equal("token-1-abcdefghijkl", (get tokens).Value)
    clock.Advance(TimeSpan.FromSeconds 2.0)
    Assert.Equal("token-2-abcdefghijkl", (get tokens).Value)

[<Fact>]
let ``200 concurrent callers cause one request`` () =
    use server = new CartoServer(fun _ -> { issued 1 3600 with Delay = TimeSpan.FromMilliseconds 300.0 })
    let tokens = source server (ManualClock start) None 10.0

    let callers = [| for _ in 1..200 -> tokens.GetAsync(CancellationToken.None).AsTask() |]

    Assert.True(Task.WaitAll(Array.map (fun (t: Task<_>) -> t :> Task) callers, TimeSpan.FromSeconds 30.0))
    Assert.All(callers, fun c -> Assert.Equal(Ok "token-1-abcdefghijkl", c.Result |> Result.map _.Value))
    Assert.Equal(1, server.Count)

[<Fact>]
let ``a failed replacement while the token is valid serves it, and waits 30 s before trying again`` () =
    let mutable fail = false

    use server =
        new CartoServer(fun _ ->
            if fail then
                Answer.Json 503 "{\"error\": \"temporarily_unavailable\"}"
            else
                issued 1 3600)

    let clock = ManualClock start
    let tokens = source server clock None 10.0
    get tokens |> ignore
    fail <- true
    clock.Advance(TimeSpan.FromMinutes 56.0) // due for replacement, still valid
    Assert.Equal("token-1-abcdefghijkl", (get tokens).Value)
    Assert.Equal(2, server.Count)
    clock.Advance(TimeSpan.FromSeconds 20.0)
    Assert.Equal("token-1-abcdefghijkl", (get tokens).Value)
    Assert.Equal(2, server.Count) // no retry within 30 s
    clock.Advance(TimeSpan.FromSeconds 11.0)
    Assert.Equal("token-1-abcdefghijkl", (get tokens).Value)
    Assert.Equal(3, server.Count)

let private failure (tokens: TokenSource) : ExchangeError =
    match answer tokens with
    | Error e -> e
    | Ok token -> failwithf "expected a failure, got %O" token

[<Fact>]
let ``a refusal with no valid token left says what the server answered, never the secret`` () =
    use server =
        new CartoServer(fun _ ->
            Answer.Json 401 "{\"error\": \"access_denied\", \"error_description\": \"Unauthorized\"}")

    let error = failure (source server (ManualClock start) None 10.0)
    Assert.Equal(ExchangeError.Refused(401, Some "access_denied", Some "Unauthorized"), error)

    Assert.Equal(
        "the token server refused the client credentials (HTTP 401: access_denied: Unauthorized)",
        CallMessages.exchangeError error
    )

    Assert.DoesNotContain(secretText, CallMessages.exchangeError error)

[<Fact>]
let ``a reply that is not JSON, or has no token, is an unexpected answer`` () =
    use html = new CartoServer(fun _ -> Answer.Html 200 "<html>maintenance</html>")

    Assert.Equal(ExchangeError.UnexpectedAnswer 200, failure (source html (ManualClock start) None 10.0))
    use empty = new CartoServer(fun _ -> Answer.Json 200 "{\"token_type\": \"Bearer\"}")
    Assert.Equal(ExchangeError.UnexpectedAnswer 200, failure (source empty (ManualClock start) None 10.0))

[<Fact>]
let ``a reply larger than 64 KiB is not read to its end, and is an unexpected answer`` () =
    // A valid token reply, padded: read whole, it would give a token.
    let padded =
        "{\"access_token\": \"token-1-abcdefghijkl\", \"expires_in\": 3600, \"padding\": \""
        + String('x', 200_000)
        + "\"}"

    use server = new CartoServer(fun _ -> Answer.Json 200 padded)
    Assert.Equal(ExchangeError.UnexpectedAnswer 200, failure (source server (ManualClock start) None 10.0))

[<Fact>]
let ``a reply without expires_in takes the JWT's exp, else is reused for 5 minutes`` () =
    let payload = Convert.ToBase64String("{\"exp\":1893456000}"B).TrimEnd('=')
    let jwt = "eyJhbGciOiJub25lIn0." + payload + ".c2ln"
    use server = new CartoServer(fun _ -> Answer.Json 200 ("{\"access_token\": \"" + jwt + "\"}"))

    Assert.Equal(
        Some(DateTimeOffset.FromUnixTimeSeconds 1893456000L),
        (get (source server (ManualClock start) None 10.0)).ExpiresOn
    )

    let mutable n = 0

    use opaque =
        new CartoServer(fun _ ->
            n <- n + 1
            Answer.Json 200 ("{\"access_token\": \"opaque-token-" + string n + "\"}"))

    let clock = ManualClock start
    let tokens = source opaque clock None 10.0
    Assert.Equal(None, (get tokens).ExpiresOn)
    clock.Advance(TimeSpan.FromMinutes 4.0)
    Assert.Equal("opaque-token-1", (get tokens).Value)
    clock.Advance(TimeSpan.FromMinutes 2.0)
    Assert.Equal("opaque-token-2", (get tokens).Value)

[<Fact>]
let ``a server that never answers times out, and a caller can cancel its wait`` () =
    use server = new CartoServer(fun _ -> { issued 1 3600 with Delay = TimeSpan.FromSeconds 30.0 })
    let watch = Diagnostics.Stopwatch.StartNew()
    Assert.Equal(ExchangeError.TimedOut 1.0, failure (source server (ManualClock start) None 1.0))
    Assert.True(watch.Elapsed < TimeSpan.FromSeconds 10.0, string watch.Elapsed)

    use cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds 200.0)
    let waiting = (source server (ManualClock start) None 10.0).GetAsync(cancel.Token).AsTask()
    Assert.ThrowsAny<OperationCanceledException>(fun () -> waiting.GetAwaiter().GetResult() |> ignore) |> ignore

[<Fact>]
let ``tokens are cached on disk, privately, for other processes; a corrupt or foreign cache is replaced`` () =
    use box = new Sandbox()
    let mutable n = 0

    use server =
        new CartoServer(fun _ ->
            n <- n + 1
            issued n 3600)

    let cache = box.Path "tokens"
    Assert.Equal("token-1-abcdefghijkl", (get (source server (ManualClock start) (Some cache) 10.0)).Value)
    let file = Assert.Single(Directory.GetFiles(cache, "*.json"))
    Assert.Matches("^[0-9a-f]{16}\\.json$", Path.GetFileName file)

    if not (OperatingSystem.IsWindows()) then
        Assert.Equal(UnixFileMode.UserRead ||| UnixFileMode.UserWrite, File.GetUnixFileMode file)

    // Another process (another source) takes the cached token without a request.
    Assert.Equal("token-1-abcdefghijkl", (get (source server (ManualClock start) (Some cache) 10.0)).Value)
    Assert.Equal(1, server.Count)

    for broken in
        [ "{not json"
          "{\"auth_url\": \"http://elsewhere\", \"client_id\": \"m2m-client\", \"access_token\": \"stolen-token-000\", \"expires_on\": 1893456000}" ] do
        File.WriteAllText(file, broken)
        let token = get (source server (ManualClock start) (Some cache) 10.0)
        Assert.StartsWith("token-", token.Value)

    Assert.Equal(3, server.Count)
    Assert.DoesNotContain("stolen", File.ReadAllText file)

[<Fact>]
let ``the cache file's SHA-256 is FIPS 180-4's: its test vectors`` () =
    let hex (text: string) = Convert.ToHexString(Sha256.hash (Text.Encoding.ASCII.GetBytes text)).ToLowerInvariant()
    Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex "")
    Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", hex "abc")

    Assert.Equal(
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        hex "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    )

[<FsCheck.Xunit.Property(MaxTest = 2000)>]
let ``the cache file's SHA-256 is the platform's for any input`` (data: byte[]) =
    Sha256.hash data = Security.Cryptography.SHA256.HashData data
