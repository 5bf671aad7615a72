/// SPEC §6's `cartocreds cloud`: show, token, save, delete (in-process; `token` from the disk cache
/// also as a process of each build, with no network).
module CartoCreds.Cli.Tests.CloudCliTests

open System
open System.IO
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Cli.Tests.CliTests
open CartoCreds.Testing

let private token = "eyTokenTokenToken0001"
let private secret = "s3cr3t-s3cr3t-s3cr3t-0002"

[<Theory; InProcess>]
let ``cloud show prints each field with its origin, the token masked`` (build: string) =
    use home = new Home()
    let r = runWith (byName build) home [ "CARTO_API_TOKEN", token ] None [ "cloud"; "show" ]
    Assert.Equal(0, r.Code)

    Assert.Equal(
        String.concat
            "\n"
            [ "NAME          VALUE                               LAYER        LOCATION"
              "kind          access token                        Environment  CARTO_API_TOKEN"
              "token         ****0001                            Environment  CARTO_API_TOKEN"
              "expires_on    unknown                             Environment  CARTO_API_TOKEN"
              "api_base_url  https://gcp-us-east1.api.carto.com  Environment  CARTO_API_TOKEN" ]
        + "\n",
        r.Out
    )

    let revealed =
        runWith (byName build) home [ "CARTO_API_TOKEN", token ] None [ "cloud"; "show"; "--json"; "--reveal" ]

    Assert.Contains("\"token\": \"" + token + "\"", revealed.Out)
    Assert.Contains("\"layer\": \"Environment\"", revealed.Out)

[<Theory; InProcess>]
let ``cloud token prints the token and a newline, nothing else`` (build: string) =
    use home = new Home()
    let signed = jwt (DateTimeOffset.UtcNow.AddHours 2.0)
    let r = runWith (byName build) home [ "CARTO_API_TOKEN", signed ] None [ "cloud"; "token" ]
    Assert.Equal(0, r.Code)
    Assert.Equal(signed + "\n", r.Out)
    Assert.Equal("", r.Err)

[<Theory; InProcess; Aot>]
let ``an opaque token is allowed, and cloud show and cloud token say on stderr that its expiry is unknown``
    (build: string)
    =
    use home = new Home()

    let note =
        "note: the token's expiry is unknown (it is not a JWT); cartocreds cloud status checks whether CARTO accepts it\n"

    for command in [ [ "cloud"; "show" ]; [ "cloud"; "token" ] ] do
        let r = runWith (byName build) home [ "CARTO_API_TOKEN", "garbage" ] None command
        Assert.Equal(0, r.Code)
        Assert.Equal(note, r.Err)

    let printed = runWith (byName build) home [ "CARTO_API_TOKEN", "garbage" ] None [ "cloud"; "token" ]
    Assert.Equal("garbage\n", printed.Out)

[<Theory; InProcess>]
let ``cloud save writes a profile that cloud show then resolves; cloud delete removes it`` (build: string) =
    use home = new Home()
    let build = byName build

    let saved =
        runWith
            build
            home
            []
            (Some(token + "\n"))
            [ "cloud"; "save"; "--token-stdin"; "--tenant-id"; "gcp-europe-west1"; "--profile"; "eu" ]

    Assert.Equal(0, saved.Code)
    let path = home.Path ".carto_credentials.json"

    Assert.Equal(
        "Saved CloudCredentials(token=****0001, api_base_url=https://gcp-europe-west1.api.carto.com) to "
        + path
        + " (profile eu)\n",
        saved.Out
    )

    Assert.DoesNotContain(token, saved.Out + saved.Err)
    let shown = run build home [ "cloud"; "show"; "--json" ]
    Assert.Contains("\"location\": \"" + path + "\",\n    \"profile\": \"eu\"", shown.Out)
    Assert.Equal("Deleted profile eu from " + path + "\n", (run build home [ "cloud"; "delete" ]).Out)
    Assert.Equal(1, (run build home [ "cloud"; "show" ]).Code)

[<Theory; InProcess>]
let ``cloud errors and usage errors are said plainly`` (build: string) =
    use home = new Home()
    let build = byName build
    let none = run build home [ "cloud"; "show" ]
    Assert.Equal(1, none.Code)
    Assert.StartsWith("No CARTO 3 credentials found.", none.Err)

    for args, line in
        [ [ "cloud"; "save" ], "cloud save needs --token-stdin or --token."
          [ "cloud"; "save"; "--token"; token; "--token-stdin" ], "give --token or --token-stdin, not both."
          [ "cloud"; "save"; "--token"; token; "--tenant-id"; "a"; "--api-base-url"; "https://x.example.com" ],
          "give --tenant-id or --api-base-url, not both."
          [ "cloud"; "show"; "--profile"; "" ], "--profile was given an empty value"
          [ "cloud"; "token"; "--file" ], "Run 'cartocreds cloud token --help' for usage." ] do
        let r = run build home args
        Assert.True((r.Code = 2), sprintf "%A: %d %s" args r.Code r.Err)
        Assert.Contains(line, r.Err)
        noSecret r

    let refused =
        runWith build home [] (Some(token + " " + token + "\n")) [ "cloud"; "save"; "--token-stdin" ]

    Assert.Equal(1, refused.Code)
    Assert.DoesNotContain(token, refused.Err)
    Assert.False(File.Exists(home.Path ".carto_credentials.json"))

[<Theory; InProcess>]
let ``cloud save applies SPEC 7.2's rule for a token and a tenant, reporting every bad value and saving nothing``
    (build: string)
    =
    use home = new Home()

    let refused =
        runWith
            (byName build)
            home
            []
            (Some("bad token\n"))
            [ "cloud"; "save"; "--token-stdin"; "--tenant-id"; "Not_A_Tenant" ]

    Assert.Equal(1, refused.Code)

    Assert.Equal(
        "token contains a whitespace character at position 4; a token is printable ASCII without spaces; "
        + "tenant id 'Not_A_Tenant' is not 1 to 63 of a-z, 0-9 and '-'; nothing was saved.\n",
        refused.Err
    )

    Assert.False(File.Exists(home.Path ".carto_credentials.json"))

[<UnixTheory; Managed; Aot>]
let ``cloud token exchanges client credentials once, then answers from the disk cache with no request``
    (build: string)
    =
    use home = new Home()

    use server =
        new CartoServer(fun _ -> Answer.Json 200 "{\"access_token\": \"exchanged-token-0003\", \"expires_in\": 3600}")

    let variables =
        [ "CARTO_CLIENT_ID", "m2m-client"; "CARTO_CLIENT_SECRET", secret; "CARTO_AUTH_URL", server.Url ]

    for _ in 1..2 do
        let r = runWith (byName build) home variables None [ "cloud"; "token" ]
        Assert.True((r.Code = 0), r.Err)
        Assert.Equal("exchanged-token-0003\n", r.Out)

    Assert.Equal(1, server.Count)
    Assert.Single(Directory.GetFiles(Path.Combine(home.Config, "cartocreds", "tokens"), "*.json")) |> ignore

[<UnixTheory; Managed; Aot>]
let ``eight cloud save processes of eight profiles at once keep all eight, round after round`` (build: string) =
    use home = new Home()
    let build = byName build
    let tokenOf (profile: int) (round: int) = "eyProfile" + string profile + "Round" + string round + "xxxxxxxx"

    for round in 1..5 do
        let saves =
            [| for profile in 1..8 ->
                   Threading.Tasks.Task.Run(fun () ->
                       runWith
                           build
                           home
                           []
                           None
                           [ "cloud"; "save"; "--token"; tokenOf profile round; "--profile"; "p" + string profile ]) |]

        let all = saves |> Array.map (fun s -> s :> Threading.Tasks.Task)
        Assert.True(Threading.Tasks.Task.WaitAll(all, TimeSpan.FromSeconds 120.0), "the saves did not finish")

        for save in saves do
            Assert.True((save.Result.Code = 0), save.Result.Err)

    let file = Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(home.Path ".carto_credentials.json"))

    for profile in 1..8 do
        Assert.Equal(tokenOf profile 5, file["profiles"].["p" + string profile].["token"].GetValue<string>())

[<Theory; InProcess; Managed>]
let ``cloud token refuses an expired CARTO_API_TOKEN: exit 1, saying when it expired, nothing on stdout``
    (build: string)
    =
    use home = new Home()
    let payload = Convert.ToBase64String("{\"exp\":1700000000}"B).TrimEnd('=')
    let expired = "eyJhbGciOiJub25lIn0." + payload + ".c2ln"
    let r = runWith (byName build) home [ "CARTO_API_TOKEN", expired ] None [ "cloud"; "token" ]
    Assert.Equal(1, r.Code)
    Assert.Equal("", r.Out)

    Assert.Equal(
        "cartocreds: the access token expired at 2023-11-14 22:13:20 UTC; get a new one (log in again, or create another API access token)\n",
        r.Err
    )

[<Theory; InProcess>]
let ``cloud save with nothing on standard input says so once, and a bad token says nothing was saved once``
    (build: string)
    =
    use home = new Home()
    let empty = runWith (byName build) home [] (Some "") [ "cloud"; "save"; "--token-stdin" ]
    Assert.Equal(1, empty.Code)
    Assert.Equal("--token-stdin: standard input held no token; nothing was saved.\n", empty.Err)
    let bad = runWith (byName build) home [] None [ "cloud"; "save"; "--token"; "bad\u0001token" ]
    Assert.Equal(1, bad.Code)
    Assert.Equal(1, Text.RegularExpressions.Regex.Matches(bad.Err, "nothing was saved").Count)
    Assert.False(IO.File.Exists(home.Path ".carto_credentials.json"))

[<Theory; InProcess; Aot>]
let ``env prints SPEC 2's variables for the shell asked for, the key whole, on stdout only`` (build: string) =
    use home = new Home()
    let variables = [ "CARTO_USERNAME", "ana"; "CARTO_API_KEY", "0123456789abcdef" ]
    let sh = runWith (byName build) home variables None [ "env" ]
    Assert.Equal(0, sh.Code)

    Assert.Equal(
        "export CARTO_USERNAME='ana'\nexport CARTO_API_KEY='0123456789abcdef'\nexport CARTO_BASE_URL='https://ana.carto.com'\n",
        sh.Out
    )

    Assert.Equal("", sh.Err)
    let fish = runWith (byName build) home variables None [ "env"; "--shell"; "fish" ]
    Assert.StartsWith("set -gx CARTO_USERNAME 'ana'\n", fish.Out)
    let cmd = runWith (byName build) home variables None [ "env"; "--shell"; "cmd" ]
    Assert.StartsWith("set \"CARTO_USERNAME=ana\"\nset \"CARTO_API_KEY=0123456789abcdef\"\n", cmd.Out)
    let dotenv = runWith (byName build) home variables None [ "env"; "--shell"; "dotenv" ]
    Assert.Contains("CARTO_API_KEY='0123456789abcdef'\n", dotenv.Out)

    // A key that no .env form carries alike for bash, python-dotenv and docker compose: nothing
    // is written, and the error names the variable, never the key.
    let quoted = [ "CARTO_USERNAME", "ana"; "CARTO_API_KEY", "0123456789ab'$(id)" ]
    let refused = runWith (byName build) home quoted None [ "env"; "--shell"; "dotenv" ]
    Assert.Equal(1, refused.Code)
    Assert.Equal("", refused.Out)

    Assert.Equal(
        "cartocreds: CARTO_API_KEY cannot be written for --shell dotenv: its value holds a quote or a backslash, which bash, python-dotenv and docker compose read differently; nothing was written (--shell sh writes any value)\n",
        refused.Err
    )

    let bad = runWith (byName build) home variables None [ "env"; "--shell"; "csh" ]
    Assert.Equal(2, bad.Code)
    Assert.Equal("", bad.Out)

[<Theory; InProcess; Aot>]
let ``cloud env and cloud token --json give a valid token and the API base URL, whole, on stdout only``
    (build: string)
    =
    use home = new Home()
    let expires = DateTimeOffset.UtcNow.AddHours 2.0
    let signed = jwt expires
    let variables = [ "CARTO_API_TOKEN", signed ]
    let env = runWith (byName build) home variables None [ "cloud"; "env"; "--shell"; "pwsh" ]
    Assert.Equal(0, env.Code)

    Assert.Equal(
        "$env:CARTO_API_TOKEN = '" + signed + "'\n$env:CARTO_API_BASE_URL = 'https://gcp-us-east1.api.carto.com'\n",
        env.Out
    )

    Assert.Equal("", env.Err)

    let json = runWith (byName build) home variables None [ "cloud"; "token"; "--json" ]
    Assert.Equal(0, json.Code)
    Assert.Equal("", json.Err)
    use document = Text.Json.JsonDocument.Parse json.Out
    let root = document.RootElement
    Assert.Equal(signed, root.GetProperty("access_token").GetString())
    Assert.Equal("Bearer", root.GetProperty("token_type").GetString())
    Assert.Equal("https://gcp-us-east1.api.carto.com", root.GetProperty("api_base_url").GetString())

    Assert.Equal(
        expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Globalization.CultureInfo.InvariantCulture),
        root.GetProperty("expires_at").GetString()
    )

    let opaque =
        runWith (byName build) home [ "CARTO_API_TOKEN", "opaque-token-0001" ] None [ "cloud"; "token"; "--json" ]

    use unknown = Text.Json.JsonDocument.Parse opaque.Out
    Assert.Equal(Text.Json.JsonValueKind.Null, unknown.RootElement.GetProperty("expires_at").ValueKind)

[<Theory; InProcess; Managed; Aot>]
let ``cloud dw-token prints the CARTO Data Warehouse's token on stdout and its project on stderr, or both as JSON``
    (build: string)
    =
    use home = new Home()
    use server = new CartoServer()
    server.Account.AcceptToken "access-token-dw-0004"

    let variables = [ "CARTO_API_TOKEN", "access-token-dw-0004"; "CARTO_API_BASE_URL", server.Url ]

    let plain = runWith (byName build) home variables None [ "cloud"; "dw-token" ]
    Assert.True((plain.Code = 0), plain.Err)
    Assert.Equal(server.Account.DwToken + "\n", plain.Out)
    Assert.Contains("CARTO Data Warehouse project: " + server.Account.DwProject + "\n", plain.Err)
    Assert.DoesNotContain(server.Account.DwToken, plain.Err)

    let json = runWith (byName build) home variables None [ "cloud"; "dw-token"; "--json" ]
    Assert.True((json.Code = 0), json.Err)
    use document = Text.Json.JsonDocument.Parse json.Out
    Assert.Equal(server.Account.DwProject, document.RootElement.GetProperty("project_id").GetString())
    Assert.Equal(server.Account.DwToken, document.RootElement.GetProperty("token").GetString())
    Assert.Equal(Text.Json.JsonValueKind.Null, document.RootElement.GetProperty("expires_at").ValueKind)
    Assert.DoesNotContain(server.Account.DwToken, json.Err)

    // A refused token exits 1; a server that is not there exits 3: §8's kinds, no secret said.
    let refused =
        runWith
            (byName build)
            home
            [ "CARTO_API_TOKEN", "unknown-token-dw-0004"; "CARTO_API_BASE_URL", server.Url ]
            None
            [ "cloud"; "dw-token" ]

    Assert.Equal(1, refused.Code)
    Assert.Equal("", refused.Out)

    Assert.StartsWith(
        "cartocreds: CARTO rejected the credentials (HTTP 401) at " + server.Url + "/v3/connections/carto-dw/token",
        refused.Err
    )

    Assert.DoesNotContain("unknown-token-dw-0004", refused.Err)

    let unreachable =
        runWith
            (byName build)
            home
            [ "CARTO_API_TOKEN", "access-token-dw-0004"; "CARTO_API_BASE_URL", CartoServer.ClosedUrl() ]
            None
            [ "cloud"; "dw-token"; "--timeout"; "5" ]

    Assert.Equal(3, unreachable.Code)
    Assert.Contains("CARTO could not be reached", unreachable.Err)

    // A token that breaks §7's rule (escapes, a line break, a NUL) is an unexpected answer, not a token.
    server.Account.DwToken <- "stand-in-dw\u001b[2J\ntoken\u0000-0001"
    let hostile = runWith (byName build) home variables None [ "cloud"; "dw-token" ]
    Assert.Equal(1, hostile.Code)
    Assert.Equal("", hostile.Out)
    Assert.Contains("an answer whose token is not printable ASCII", hostile.Err)
    Assert.False(hostile.Err.Contains(char 27), "an escape reached the terminal")
    Assert.DoesNotContain("stand-in-dw", hostile.Err)
