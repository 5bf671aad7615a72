/// SPEC §7.4: the token cache is used only when it and its directories are the user's own and not
/// writable by group or others, and no link is followed in place of the file or `tokens`; a looser
/// cache is neither read nor written, with a warning. carto-auth's caches get the CARTO CLI file's
/// checks. Tokens come from a real server on 127.0.0.1.
module CartoCreds.Core.Tests.TokenCacheTrustTests

open System
open System.IO
open System.Net.Http
open System.Threading
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private start = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)

let private text = cloudText

let private http = new HttpClient()
let private clientId = text CloudField.ClientId "m2m-client"
let private secret = text CloudField.ClientSecret "s3cr3t-s3cr3t-s3cr3t-0001"

let private authUrl (server: CartoServer) =
    match ServiceUrl.create server.Url with
    | Ok u -> u
    | Error e -> failwithf "%A" e

/// A source over `tokens`, and the warnings it gave.
let private source (server: CartoServer) (tokens: string) =
    let warnings = Collections.Concurrent.ConcurrentQueue<Exposure>()

    let source =
        TokenSource(
            { ClientId = clientId; Secret = secret; AuthUrl = authUrl server },
            Some tokens,
            { SessionOptions.Default with
                Http = Some(http)
                Time = Some(ManualClock start)
                Warn = warnings.Enqueue
                Log = Watched.logger }
        )

    source, warnings

let private issuing () =
    new CartoServer(fun _ -> Answer.Json 200 "{\"access_token\": \"fresh-token-abcdefghijkl\", \"expires_in\": 3600}")

/// A valid cache entry of this client and server, planted at `tokens`.
let private plant (server: CartoServer) (tokens: string) : string =
    Directory.CreateDirectory tokens |> ignore
    let auth = ServiceUrl.value (authUrl server)
    let path = Path.Combine(tokens, TokenCache.name auth clientId)
    let token = TokenExchange.token start "planted-token-abcdefghijkl" (Some(start.AddHours 1.0))
    File.WriteAllBytes(path, TokenCache.bytes auth clientId secret "salt" token)
    path

let private get (tokens: TokenSource) =
    match (tokens.GetAsync CancellationToken.None).AsTask().Result with
    | Ok token -> token
    | Error e -> failwith (CallMessages.exchangeError e)

/// The planted token is not served: a request is made, and the warning says why.
let private notServed (server: CartoServer) (tokens: string) (expected: Exposure) =
    let source, warnings = source server tokens
    Assert.Equal("fresh-token-abcdefghijkl", (get source).Value)
    Assert.Equal(1, server.Count)
    Assert.Contains(expected, warnings)

[<UnixFact("Unix modes")>]
let ``a fresh cache is made in 0700 directories, 0600, with no warning, and read back by the next source`` () =
    use box = new Sandbox()
    use server = issuing ()
    let tokens = box.Path("cartocreds", "tokens")
    let first, warnings = source server tokens
    Assert.Equal("fresh-token-abcdefghijkl", (get first).Value)
    Assert.Empty warnings
    Assert.Equal(enum<UnixFileMode> 0o700, File.GetUnixFileMode tokens)
    Assert.Equal(enum<UnixFileMode> 0o700, File.GetUnixFileMode(box.Path "cartocreds"))
    Assert.Equal(enum<UnixFileMode> 0o600, File.GetUnixFileMode(Assert.Single(Directory.GetFiles(tokens, "*.json"))))
    // The exchange lock beside it (SPEC §7.4) is private too.
    Assert.Equal(enum<UnixFileMode> 0o600, File.GetUnixFileMode(Assert.Single(Directory.GetFiles(tokens, "*.lock"))))
    Assert.Equal("fresh-token-abcdefghijkl", (get (fst (source server tokens))).Value)
    Assert.Equal(1, server.Count)

[<UnixFact("Unix modes")>]
let ``a cache file others can write is not read, and is replaced by a private one`` () =
    use box = new Sandbox()
    use server = issuing ()
    let tokens = box.Path("cartocreds", "tokens")
    let file = plant server tokens
    File.SetUnixFileMode(file, enum<UnixFileMode> 0o666)
    notServed server tokens (Exposure.WritableByOthers(file, 0o666))
    Assert.Equal(enum<UnixFileMode> 0o600, File.GetUnixFileMode file)
    Assert.DoesNotContain("planted", File.ReadAllText file)

[<RootFact>]
let ``a cache file planted by another user is not read`` () =
    use box = new Sandbox()
    use server = issuing ()
    let tokens = box.Path("cartocreds", "tokens")
    let file = plant server tokens
    File.SetUnixFileMode(file, enum<UnixFileMode> 0o644)
    Processes.succeed "chown" [ "65534"; file ]
    notServed server tokens (Exposure.OwnedByOther(file, 65534L))

[<RootFact>]
let ``a tokens directory that is a link to another user's directory is never followed, read or written`` () =
    use box = new Sandbox()
    use server = issuing ()
    let theirs = box.Path "theirs"
    let planted = plant server theirs
    Processes.succeed "chown" [ "-R"; "65534"; theirs ]
    Directory.CreateDirectory(box.Path "cartocreds") |> ignore
    let tokens = box.Path("cartocreds", "tokens")
    Directory.CreateSymbolicLink(tokens, theirs) |> ignore
    notServed server tokens (Exposure.SymbolicLink tokens)
    Assert.Equal<string[]>([| planted |], Directory.GetFiles theirs)
    Assert.Contains("planted-token", File.ReadAllText planted)

[<UnixFact("Unix modes")>]
let ``a tokens directory others can write is neither read nor written`` () =
    use box = new Sandbox()
    use server = issuing ()
    let tokens = box.Path("cartocreds", "tokens")
    let file = plant server tokens
    File.SetUnixFileMode(tokens, enum<UnixFileMode> 0o777)
    notServed server tokens (Exposure.WritableByOthers(tokens, 0o777))
    Assert.Contains("planted-token", File.ReadAllText file)

    Assert.Equal(
        "warning: the token cache is not used: "
        + tokens
        + " is writable by other users (mode 0777); another user could replace your credentials. Fix it with: chmod go-w "
        + tokens,
        ValueMessages.cacheIgnored (Exposure.WritableByOthers(tokens, 0o777))
    )

[<UnixFact("Unix modes")>]
let ``carto-auth's token cache is refused like the CARTO CLI file when others can write it, and read with a warning when allowed``
    ()
    =
    use box = new Sandbox()
    let dir = box.Path ".carto-auth"
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, "token_m2m.json")

    File.WriteAllText(
        path,
        """{"api_base_url": "https://gcp-us-east1.api.carto.com", "access_token": "eyCacheCacheCache03", "expiration": 1893456000}"""
    )

    File.SetUnixFileMode(path, enum<UnixFileMode> 0o666)

    match resolveCloud (box.Host []) start (Request.ofArguments CloudArguments.None) with
    | Error e ->
        Assert.Equal(
            "Invalid CARTO 3 credentials in Saved session ("
            + path
            + "): "
            + path
            + " is writable by other users (mode 0666); another user could replace your credentials. Fix it with: chmod go-w "
            + path
            + " (or set CARTOCREDS_INSECURE_PERMISSIONS=1 to use it all the same).",
            Messages.resolveError e
        )
    | Ok _ -> failwith "a cache others can write was used"

    match
        resolveCloud
            (box.Host [ "CARTOCREDS_INSECURE_PERMISSIONS", "1" ])
            start
            (Request.ofArguments CloudArguments.None)
    with
    | Ok resolved ->
        Assert.Equal<Warning list>([ Warning.Exposed(Exposure.WritableByOthers(path, 0o666)) ], resolved.Warnings)
    | Error e -> failwith (Messages.resolveError e)
