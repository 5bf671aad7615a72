/// SPEC §10's log, read by a logger that keeps every line: each layer passed over at Debug, the one
/// used at Information, each token transition (exchanged, read from the disk cache, replaced early,
/// a failed replacement while the token is served, a back-off, a failure, a refused token dropped)
/// at its level, over a moved clock and a real server on 127.0.0.1; and no line, in any of these
/// scenarios, holds a key, token or secret that the scenario used.
module CartoCreds.Core.Tests.LogTests

open System
open System.IO
open System.Net.Http
open System.Threading
open Microsoft.Extensions.Logging
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private start = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)

let private apiKeys =
    [ "arguments-key-0123456789"
      "file-key-0123456789abcd"
      "environment-key-0123456789"
      "saved-key-0123456789abcdef" ]

let private clientSecret = "log-client-secret-0123456789"
let private accessToken = "log-access-token-0123456789"

let private legacy (username: string) (key: string) =
    match
        Credentials.create
            { Username = Some username
              ApiKey = Some key
              BaseUrl = None
              AllowNonSecure = false }
    with
    | Ok c -> c
    | Error e -> failwithf "%A" e

let private saved (box: Sandbox) (path: string option) (credentials: Credentials) =
    match Shell.save (box.Host []) path credentials with
    | Ok _ -> ()
    | Error e -> failwith (ValueMessages.storeError e)

/// The lines a resolution logged, and its result.
let private resolveWith (host: Host) (request: LegacyRequest) =
    let log = CapturedLog()
    let result = Shell.resolveLogged log.Logger host request
    log, result

let private assertNoLeak (log: CapturedLog) (secrets: string list) =
    match log.Leaks secrets with
    | [] -> ()
    | (secret, line) :: _ -> Assert.Fail("a log line holds " + secret + ": " + string line)

let private at (level: LogLevel) (event: string) (log: CapturedLog) =
    log.Library |> List.filter (fun line -> line.Level = level && line.Event = event)

[<Fact>]
let ``each layer passed over is Debug with why, the layer used is Information with its location`` () =
    use box = new Sandbox()
    saved box None (legacy "saved" apiKeys[3])

    let log, result =
        resolveWith
            (box.Host [ Variables.Username, "envuser"; Variables.ApiKey, apiKeys[2] ])
            (Request.ofArguments Arguments.None)

    Assert.True(Result.isOk result)

    Assert.Equal<string list>(
        [ "Explicit: absent, none given; the next layer is tried"
          "Arguments: absent, no username or base URL given; the next layer is tried"
          "File: absent, none given; the next layer is tried" ],
        at LogLevel.Debug "LayerAbsent" log |> List.map _.Message
    )

    let used = Assert.Single(at LogLevel.Information "CredentialsResolved" log)

    Assert.Equal(
        "Credentials from Environment (CARTO_USERNAME, CARTO_API_KEY): Credentials(username=envuser, api_key=****6789, base_url=https://envuser.carto.com)",
        used.Message
    )

    // The saved session below is not read, so not logged.
    Assert.Equal(4, log.Library.Length)
    assertNoLeak log apiKeys

[<Fact>]
let ``every legacy layer, invalid layers and an exposed file are logged without a key`` () =
    use box = new Sandbox()
    let file = box.Path "named.json"
    saved box (Some file) (legacy "named" apiKeys[1])
    saved box None (legacy "saved" apiKeys[3])

    let arguments =
        { (Request.ofArguments Arguments.None) with
            Arguments = { Arguments.None with Username = Some "args"; ApiKey = Some apiKeys[0] } }

    let scenarios =
        [ box.Host [], arguments
          box.Host [], { (Request.ofArguments Arguments.None) with CredFile = Some file }
          box.Host [ Variables.Username, "envuser"; Variables.ApiKey, apiKeys[2] ], (Request.ofArguments Arguments.None)
          box.Host [], (Request.ofArguments Arguments.None)
          // Invalid: a bad base URL beside a key, in the environment and as arguments.
          box.Host [ Variables.BaseUrl, "ftp://nowhere"; Variables.ApiKey, apiKeys[2] ],
          (Request.ofArguments Arguments.None)
          box.Host [],
          { (Request.ofArguments Arguments.None) with
              Arguments =
                  { Arguments.None with
                      ApiKey = Some apiKeys[0]
                      Key = Some apiKeys[1]
                      Username = Some "x" } } ]

    let logs =
        [ for host, request in scenarios do
              fst (resolveWith host request) ]

    let resolvedAt =
        logs |> List.map (fun log -> at LogLevel.Information "CredentialsResolved" log |> List.map _.Message)

    Assert.StartsWith("Credentials from Arguments (username, api_key)", List.exactlyOne resolvedAt[0])
    Assert.StartsWith("Credentials from File (" + file + ")", List.exactlyOne resolvedAt[1])
    Assert.StartsWith("Credentials from Environment", List.exactlyOne resolvedAt[2])
    Assert.StartsWith("Credentials from Saved session (" + box.SavedPath + ")", List.exactlyOne resolvedAt[3])

    Assert.StartsWith(
        "Resolution failed: Invalid credentials in Environment",
        (Assert.Single(at LogLevel.Debug "ResolveFailed" logs[4])).Message
    )

    Assert.StartsWith(
        "Resolution failed: Invalid credentials in Arguments",
        (Assert.Single(at LogLevel.Debug "ResolveFailed" logs[5])).Message
    )

    // A named file that others can write resolves, with a warning.
    File.SetUnixFileMode(file, enum<UnixFileMode> 0o666)

    let exposed, result =
        resolveWith (box.Host []) { (Request.ofArguments Arguments.None) with CredFile = Some file }

    Assert.True(Result.isOk result)
    let warning = Assert.Single(at LogLevel.Warning "FileExposed" exposed)
    Assert.Contains("writable by other users", warning.Message)

    for log in exposed :: logs do
        assertNoLeak log apiKeys

[<Fact>]
let ``a CARTO 3 resolution is logged as a legacy one is, without its token or secret`` () =
    use box = new Sandbox()
    let now = start

    let environment =
        box.Host [ CloudVariables.ClientId, "log-client"; CloudVariables.ClientSecret, clientSecret ]

    let log = CapturedLog()

    let result =
        Shell.resolveCloudLogged log.Logger environment now (Request.ofArguments CloudArguments.None)

    Assert.True(Result.isOk result)
    let used = Assert.Single(at LogLevel.Information "CredentialsResolved" log)

    Assert.StartsWith(
        "Credentials from Environment (CARTO_CLIENT_ID, CARTO_CLIENT_SECRET): CloudCredentials(client_id=log-client",
        used.Message
    )

    let tokenLog = CapturedLog()

    Shell.resolveCloudLogged
        tokenLog.Logger
        (box.Host [ CloudVariables.Token, accessToken ])
        now
        (Request.ofArguments CloudArguments.None)
    |> ignore

    let invalidLog = CapturedLog()

    Shell.resolveCloudLogged
        invalidLog.Logger
        (box.Host [ CloudVariables.Token, accessToken; CloudVariables.ClientId, "log-client" ])
        now
        (Request.ofArguments CloudArguments.None)
    |> ignore

    Assert.Single(at LogLevel.Debug "ResolveFailed" invalidLog) |> ignore

    for log in [ log; tokenLog; invalidLog ] do
        assertNoLeak log [ clientSecret; accessToken ]

let private http = new HttpClient()

/// A token source of the client `log-client` at `server`, logging to `log`.
let private sourceOf (server: CartoServer) (clock: TimeProvider) (cache: string) (log: CapturedLog) =
    TokenSource(
        { ClientId = cloudText CloudField.ClientId "log-client"
          Secret = cloudText CloudField.ClientSecret clientSecret
          AuthUrl =
            match ServiceUrl.create server.Url with
            | Ok u -> u
            | Error e -> failwithf "%A" e },
        Some cache,
        { SessionOptions.Default with
            Http = Some(http)
            Time = Some clock
            Log = log.Logger }
    )

/// A token server whose next answers a test sets; tokens `log-token-N-…` of an hour.
type private Script() =
    let mutable issued = 0
    member val Next: unit -> Answer = (fun () -> Answer.Json 503 "{}") with get, set
    member _.Issued = issued

    member this.Token() =
        issued <- issued + 1

        Answer.Json 200 ("{\"access_token\": \"log-token-" + string issued + "-abcdefghijkl\", \"expires_in\": 3600}")

    member this.Tokens = [ for n in 1..issued -> "log-token-" + string n + "-abcdefghijkl" ]

[<Fact>]
let ``every token transition is logged at its level, over a moved clock and a restart from disk, with no token or secret``
    ()
    =
    use box = new Sandbox()
    let script = Script()
    script.Next <- script.Token
    use server = new CartoServer(fun _ -> script.Next())
    // The library's own layout: `tokens` inside a private directory.
    let cache = Directory.CreateDirectory(box.Path("config", "tokens")).FullName
    File.SetUnixFileMode(box.Path "config", enum<UnixFileMode> 0o700)
    File.SetUnixFileMode(cache, enum<UnixFileMode> 0o700)
    let clock = ManualClock start
    let log = CapturedLog()

    let source () = sourceOf server clock cache log

    let get (tokens: TokenSource) = (tokens.GetAsync CancellationToken.None).AsTask().Result
    let events () = log.Events

    let first = source ()
    Assert.True(Result.isOk (get first))
    Assert.Equal<string list>([ "TokenExchanged" ], events ())
    let exchanged = Assert.Single(at LogLevel.Information "TokenExchanged" log)

    Assert.Equal(
        "Token exchanged for client log-client at " + server.Url + "; it expires at 2026-11-27 13:00:00 UTC",
        exchanged.Message
    )

    // A memory hit says nothing.
    get first |> ignore
    Assert.Equal(1, log.Library.Length)

    // Another process: the disk cache.
    let second = source ()
    get second |> ignore
    Assert.Equal(Some "TokenFromDiskCache", List.tryLast (events ()))
    Assert.Contains(cache, (List.last log.Library).Message)

    // Due (5 minutes before the expiry): replaced early.
    clock.Advance(TimeSpan.FromMinutes 56.0)
    get first |> ignore
    Assert.Equal(Some "TokenReplacedEarly", List.tryLast (events ()))

    Assert.Equal(
        "Token for client log-client replaced before its expiry at 2026-11-27 13:00:00 UTC; the new one expires at 2026-11-27 13:56:00 UTC",
        (List.last log.Library).Message
    )

    // Due again, and the server fails: the current token is served, with a warning.
    clock.Advance(TimeSpan.FromMinutes 56.0)
    script.Next <- fun () -> Answer.Json 503 "{\"error\": \"temporarily_unavailable\"}"
    Assert.True(Result.isOk (get first))
    let failed = Assert.Single(at LogLevel.Warning "ReplacementFailed" log)
    Assert.Contains("the current token, valid until 2026-11-27 13:56:00 UTC, is served", failed.Message)
    Assert.Contains("no exchange is tried before 2026-11-27 13:52:30 UTC", failed.Message)

    // Expired, and the server asks to wait: a back-off with nothing to serve.
    clock.Advance(TimeSpan.FromMinutes 10.0)

    script.Next <- fun () -> (Answer.Json 429 "{\"error\": \"too_many_requests\"}").WithHeader("Retry-After", "20")

    Assert.True(Result.isError (get first))
    let backOff = Assert.Single(at LogLevel.Warning "BackingOff" log)
    Assert.Contains("no exchange is tried before 2026-11-27 14:02:20 UTC", backOff.Message)

    // After the wait, the server refuses the client, repeating its secret: a failure, the secret unsaid.
    clock.Advance(TimeSpan.FromSeconds 30.0)

    script.Next <-
        fun () ->
            Answer.Json
                401
                ("{\"error\": \"access_denied\", \"error_description\": \"Unauthorized client " + clientSecret + "\"}")

    Assert.True(Result.isError (get first))
    Assert.Single(at LogLevel.Warning "ExchangeFailed" log) |> ignore

    // A token the service refused before its expiry is dropped.
    script.Next <- script.Token
    let third = source ()

    match get third with
    | Ok token ->
        third.Invalidate token.Value
        Assert.Equal(Some "TokenDropped", List.tryLast (events ()))
    | Error e -> Assert.Fail(CallMessages.exchangeError e)

    assertNoLeak log (clientSecret :: script.Tokens)

[<Fact>]
let ``a token cache that another user could write is a warning in the log`` () =
    use box = new Sandbox()

    use server =
        new CartoServer(fun _ ->
            Answer.Json 200 "{\"access_token\": \"log-token-x-abcdefghijkl\", \"expires_in\": 3600}")

    let cache = Directory.CreateDirectory(box.Path("open", "tokens")).FullName
    File.SetUnixFileMode(box.Path "open", enum<UnixFileMode> 0o777)
    let log = CapturedLog()

    let tokens = sourceOf server (ManualClock start) cache log

    Assert.True(Result.isOk ((tokens.GetAsync CancellationToken.None).AsTask().Result))
    let warnings = at LogLevel.Warning "CacheIgnored" log
    Assert.NotEmpty warnings
    Assert.StartsWith("the token cache is not used: ", warnings.Head.Message)
    assertNoLeak log [ clientSecret; "log-token-x-abcdefghijkl" ]

[<Fact>]
let ``with no logger, or one below Debug, nothing is formatted`` () =
    use box = new Sandbox()
    let quiet = CapturedLog()

    let filtered =
        { new ILogger with
            member _.BeginScope<'State>(_: 'State) : IDisposable = null
            member _.IsEnabled(level: LogLevel) = level >= LogLevel.Warning

            member _.Log<'State>(level, id, state: 'State, error, formatter: Func<'State, exn, string>) =
                (quiet.Logger).Log(level, id, state, error, formatter) }

    Shell.resolveLogged filtered (box.Host [ Variables.Username, "ana" ]) (Request.ofArguments Arguments.None) |> ignore
    Assert.Empty quiet.Lines

[<Fact>]
let ``the token tests' watched log refuses a line that holds a secret`` () =
    Assert.Throws<exn>(fun () -> Watched.logger.LogInformation("issued token-7-abcdefghijkl")) |> ignore
    Assert.Throws<exn>(fun () -> Watched.logger.LogDebug("secret s3cr3t-s3cr3t-s3cr3t-0001")) |> ignore
    Watched.logger.LogInformation("Token exchanged for client m2m-client; it expires at 2026-11-27 13:00:00 UTC")
