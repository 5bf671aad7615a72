/// What a new user hit in the second round (issue 24), each message quoted word for word.
module CartoCreds.Cli.Tests.SecondRoundTests

open System
open System.IO
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Cli.Tests.CliTests
open CartoCreds.Testing
open CartoCreds.Cli.Tests.StatusCliTests

[<Theory; InProcess>]
let ``an invalid save says what is wrong and nothing about a default key`` (build: string) =
    use home = new Home()
    let r = runWith (byName build) home [] (Some "") [ "save"; "--username"; "-ana" ]
    Assert.Equal(1, r.Code)
    Assert.DoesNotContain("No API key given", r.Err)
    Assert.DoesNotContain("default_public", r.Err)
    Assert.EndsWith(" Nothing was saved.\n", r.Err)
    Assert.Equal(1, r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length)
    Assert.False(File.Exists home.SavedPath)

[<Theory; InProcess>]
let ``a save that replaces another account's saved session says whose it replaced`` (build: string) =
    use home = new Home()
    let build = byName build
    saveAna build home |> ignore

    let bob =
        runWith build home [] (Some "b0b-key-0123456789\n") [ "save"; "--username"; "bob"; "--api-key-stdin" ]

    Assert.Equal(0, bob.Code)

    Assert.Equal(
        "This replaced the saved credentials of another account: "
        + "Credentials(username=ana, api_key=****fedc, base_url=https://ana.carto.com).\n",
        bob.Err
    )

    noSecret bob
    // The same account again (a new key) replaces nothing worth saying.
    let again =
        runWith build home [] (Some "b0b-key-9876543210\n") [ "save"; "--username"; "bob"; "--api-key-stdin" ]

    Assert.Equal(0, again.Code)
    Assert.Equal("", again.Err)

/// What a hostile server could answer: a title change, colours, a carriage return that rewrites
/// the line, a bidi override, and a value far longer than a line.
let private hostile =
    "\u001B]0;owned\u0007\u001B[31mred\rFAKE: verified as admin\u202Egnp.exe" + String('x', 10_000)

[<Theory; InProcess>]
let ``status and cloud status print the server's values terminal-safe and bounded, and --json escapes them``
    (build: string)
    =
    use home = new Home()
    use server = new CartoServer()
    server.Account.Username <- hostile
    server.Account.Email <- hostile
    server.Account.TenantDomain <- hostile
    server.Account.UserId <- hostile
    let file = standInFile home server

    server.Account.AcceptToken "access-token-hostile-0005"
    let cloud = [ "CARTO_API_TOKEN", "access-token-hostile-0005"; "CARTO_ACCOUNTS_URL", server.Url ]

    let runs =
        [ runWith (byName build) home [] None [ "status"; "--file"; file ]
          runWith (byName build) home cloud None [ "cloud"; "status" ] ]

    for r in runs do
        Assert.True((r.Code = 0), r.Err)

        for c in r.Out do
            Assert.False(Char.IsControl c && c <> '\n', sprintf "a control character U+%04X was printed" (int c))

        Assert.False(r.Out.Contains '\u202E', "a bidi override was printed")
        Assert.Contains("\\u001B]0;owned\\u0007\\u001B[31mred\\u000DFAKE: verified as admin\\u202Egnp.exe", r.Out)
        Assert.Contains("…(+", r.Out)

        for line in r.Out.Split '\n' do
            Assert.True(line.Length < 300, "a line of " + string line.Length + " characters")

    // JSON escapes as JSON does, and keeps the whole value.
    let json = runWith (byName build) home cloud None [ "cloud"; "status"; "--json" ]
    Assert.Equal(0, json.Code)
    let email = Text.Json.JsonDocument.Parse(json.Out).RootElement.GetProperty("email").GetString()
    Assert.Equal(hostile, email)
    Assert.False(json.Out.Contains '\u001B')

[<Theory; InProcess>]
let ``cloud show prints a file's current_profile terminal-safe, and --json gives the profile its own field``
    (build: string)
    =
    use home = new Home()
    let name = "\u001B[2J\u001B]0;owned\u0007prod"
    let path = home.Path ".carto_credentials.json"

    IO.File.WriteAllText(
        path,
        "{\"current_profile\": \"\\u001B[2J\\u001B]0;owned\\u0007prod\", \"profiles\": {\"\\u001B[2J\\u001B]0;owned\\u0007prod\": "
        + "{\"token\": \"eyProdProdProdProd01\", \"tenant_id\": \"gcp-us-east1\"}}}"
    )

    let r = run (byName build) home [ "cloud"; "show" ]
    Assert.True((r.Code = 0), r.Err)
    Assert.False(r.Out.Contains '\u001B', "an escape character was printed")
    Assert.Contains(path + ", profile \\u001B[2J\\u001B]0;owned\\u0007prod", r.Out)

    let json = run (byName build) home [ "cloud"; "show"; "--json" ]
    let origin = Text.Json.JsonDocument.Parse(json.Out).RootElement.GetProperty "origin"
    Assert.Equal(path, origin.GetProperty("location").GetString())
    Assert.Equal(name, origin.GetProperty("profile").GetString())
    Assert.False(json.Out.Contains '\u001B')

[<Theory; InProcess>]
let ``a relative --file is shown by its absolute path`` (build: string) =
    use home = new Home()
    saveAna (byName build) home |> ignore
    let relative = IO.Path.GetRelativePath(Environment.CurrentDirectory, home.SavedPath)
    let json = run (byName build) home [ "show"; "--json"; "--file"; relative ]
    Assert.True((json.Code = 0), json.Err)
    let origin = Text.Json.JsonDocument.Parse(json.Out).RootElement.GetProperty "origin"
    Assert.Equal(home.SavedPath, origin.GetProperty("location").GetString())
    Assert.Equal(Text.Json.JsonValueKind.Null, origin.GetProperty("profile").ValueKind)

[<Theory; InProcess>]
let ``cloud show --profile with no CARTO CLI file says there is no file`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "cloud"; "show"; "--profile"; "eu" ]
    let path = home.Path ".carto_credentials.json"
    Assert.Equal(1, r.Code)

    Assert.Equal(
        "Invalid CARTO 3 credentials in Saved session ("
        + path
        + "): there is no file at "
        + path
        + ", so no profile 'eu'.\n",
        r.Err
    )

[<Theory; InProcess>]
let ``a failed connection is said in plain English, and CARTO 3's advice names no username`` (build: string) =
    use home = new Home()
    let closed = CartoServer.ClosedUrl()

    let refused =
        runWith
            (byName build)
            home
            [ "CARTO_API_TOKEN", "access-token-0006"; "CARTO_ACCOUNTS_URL", closed ]
            None
            [ "cloud"; "status" ]

    Assert.Equal(3, refused.Code)

    Assert.Equal(
        "cartocreds: CARTO could not be reached at " + closed + "/users/me: the connection was refused\n",
        refused.Err
    )

    let exchange =
        runWith
            (byName build)
            home
            [ "CARTO_CLIENT_ID", "m2m-client"; "CARTO_CLIENT_SECRET", "secret-0006"; "CARTO_AUTH_URL", closed ]
            None
            [ "cloud"; "token" ]

    Assert.Equal(3, exchange.Code)
    Assert.Contains("the token server could not be reached (the connection was refused)", exchange.Err)

    use server = new CartoServer()
    server.Account.AcceptToken "access-token-0006"
    server.Answer <- fun _ -> Answer.Json 404 "{}"

    let missing =
        runWith
            (byName build)
            home
            [ "CARTO_API_TOKEN", "access-token-0006"; "CARTO_ACCOUNTS_URL", server.Url ]
            None
            [ "cloud"; "status" ]

    Assert.Equal(1, missing.Code)

    Assert.Equal(
        "cartocreds: CARTO found no such account (HTTP 404) at "
        + server.Url
        + "/users/me; check the accounts URL (CARTO_ACCOUNTS_URL)\n",
        missing.Err
    )

    for r in [ refused; exchange; missing ] do
        Assert.DoesNotContain("username", r.Err)
        Assert.DoesNotContain("Error", r.Err)
        Assert.DoesNotContain("access-token-0006", r.Err)

[<Theory; InProcess>]
let ``save with an http base URL names --allow-non-secure`` (build: string) =
    use home = new Home()
    let r = runWith (byName build) home [] (Some "") [ "save"; "--base-url"; "http://ana.example.com" ]
    Assert.Equal(1, r.Code)

    Assert.Equal(
        "Invalid credentials in Arguments (base_url): base URL 'http://ana.example.com' is not secure (http); use https, "
        + "or allow non-secure URLs (--allow-non-secure). Nothing was saved.\n",
        r.Err
    )

[<Theory; InProcess>]
let ``a mistyped command or option is one line with the suggestion, then the help it was for`` (build: string) =
    use home = new Home()

    for args, expected in
        [ [ "shwo" ],
          "Unknown command 'shwo' for 'cartocreds'. Did you mean 'show'?\nRun 'cartocreds --help' for usage.\n"
          [ "cloud"; "shwo" ],
          "Unknown command 'shwo' for 'cartocreds cloud'. Did you mean 'show'?\nRun 'cartocreds cloud --help' for usage.\n"
          [ "show"; "--reveel" ],
          "Unknown option '--reveel' for 'cartocreds show'. Did you mean '--reveal'?\nRun 'cartocreds show --help' for usage.\n"
          [ "cloud" ],
          "'cartocreds cloud' needs a command: show, token, env, status, dw-token, save, delete, login, logout, list, use, tokens.\nRun 'cartocreds cloud --help' for usage.\n"
          [ "save"; "--username" ],
          "Required argument missing for option: '--username'.\nRun 'cartocreds save --help' for usage.\n"
          [ "save"; "--apikey=" + key ],
          "Unknown option (an argument, not shown) for 'cartocreds save'.\nRun 'cartocreds save --help' for usage.\n" ] do
        let r = run (byName build) home args
        Assert.Equal(2, r.Code)
        Assert.Equal(expected, r.Err)
        noSecret r

[<Theory; InProcess>]
let ``--timeout bounds every network verb, and a bad value is a usage error`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    server.Answer <- fun _ -> (Answer.Json 200 "{}").After(TimeSpan.FromSeconds 5.0)
    let file = home.Path "creds.json"

    IO.File.WriteAllText(
        file,
        "{\"api_key\": \"a-key-timeout-0007\", \"base_url\": \"" + server.Url + "\", \"allow_non_secure\": true}"
    )

    let client =
        [ "CARTO_CLIENT_ID", "m2m-client"
          "CARTO_CLIENT_SECRET", "secret-timeout-0007"
          "CARTO_AUTH_URL", server.Url ]

    for variables, args, said in
        [ [], [ "status"; "--file"; file; "--timeout"; "0.5" ], "no answer within 0.5 s"
          client, [ "cloud"; "status"; "--timeout"; "0.5" ], "0.5"
          client, [ "cloud"; "token"; "--timeout"; "0.5" ], "0.5" ] do
        let clock = Diagnostics.Stopwatch.StartNew()
        let r = runWith (byName build) home variables None args
        Assert.True((r.Code = 3), sprintf "%A: %d %s" args r.Code r.Err)
        Assert.Contains(said, r.Err)
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds 4.0, sprintf "%A took %O" args clock.Elapsed)
        Assert.DoesNotContain("secret-timeout-0007", r.Err)

    for bad in [ "0"; "-1"; "3601" ] do
        let r = run (byName build) home [ "status"; "--timeout"; bad ]
        Assert.Equal(2, r.Code)

        Assert.Equal(
            "--timeout takes a number of seconds greater than 0 and at most 3600.\nRun 'cartocreds status --help' for usage.\n",
            r.Err
        )

[<Theory; InProcess>]
let ``show --all lists every layer: used, present (shadowed), invalid or absent with the reason`` (build: string) =
    use home = new Home()
    let build = byName build
    saveAna build home |> ignore
    let shadowing = [ "CARTO_USERNAME", "bob" ]
    let r = runWith build home shadowing None [ "show"; "--all" ]
    Assert.Equal(0, r.Code)

    let rows = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.Equal(4, rows.Length)
    Assert.Matches("^LAYER +STATUS +LOCATION +CREDENTIALS$", rows[0])
    Assert.Matches("^File +absent: none given +- +-$", rows[1])

    Assert.Matches(
        "^Environment +used +CARTO_USERNAME +Credentials\\(username=bob, api_key=default_public, base_url=https://bob.carto.com\\)$",
        rows[2]
    )

    Assert.Matches(
        "^Saved session +present \\(shadowed\\) +"
        + Text.RegularExpressions.Regex.Escape home.SavedPath
        + " +Credentials\\(username=ana, api_key=\\*\\*\\*\\*fedc, base_url=https://ana.carto.com\\)$",
        rows[3]
    )

    noSecret r

    // A named file that is not valid: invalid with the reason, and what it hides is shadowed; exit 1.
    let bad = home.Path "bad.json"
    IO.File.WriteAllText(bad, "{not json")
    let invalid = runWith build home shadowing None [ "show"; "--all"; "--json"; "--file"; bad ]
    Assert.Equal(1, invalid.Code)
    let layers = Text.Json.JsonDocument.Parse(invalid.Out).RootElement.GetProperty "layers"

    let statuses =
        [ for layer in layers.EnumerateArray() ->
              layer.GetProperty("layer").GetString(), layer.GetProperty("status").GetString() ]

    Assert.Equal<(string * string) list>(
        [ "File", "invalid"; "Environment", "shadowed"; "SavedSession", "shadowed" ],
        statuses
    )

    Assert.Equal("it is not valid JSON (line 1, position 2)", layers[0].GetProperty("reason").GetString())

    Assert.Equal(bad, layers[0].GetProperty("location").GetString())
    // Plain show reads as §2 says: the invalid file stops it.
    Assert.Equal(1, (runWith build home shadowing None [ "show"; "--file"; bad ]).Code)
    Assert.Equal(2, (run build home [ "show"; "--all"; "--reveal" ]).Code)

[<Theory; InProcess>]
let ``cloud show --all lists the environment over the CARTO CLI profile it hides`` (build: string) =
    use home = new Home()
    let path = home.Path ".carto_credentials.json"

    IO.File.WriteAllText(
        path,
        "{\"current_profile\": \"eu\", \"profiles\": {\"eu\": {\"token\": \"eyProdProdProdProd01\", \"tenant_id\": \"gcp-europe-west1\"}}}"
    )

    let r =
        runWith (byName build) home [ "CARTO_API_TOKEN", "access-token-all-0008" ] None [ "cloud"; "show"; "--all" ]

    Assert.Equal(0, r.Code)
    let rows = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.Matches("^File +absent: none given", rows[1])
    Assert.Matches("^Environment +used +CARTO_API_TOKEN +CloudCredentials\\(token=\\*\\*\\*\\*0008", rows[2])

    Assert.Matches(
        "^Saved session +present \\(shadowed\\) +"
        + Text.RegularExpressions.Regex.Escape(path + ", profile eu")
        + " +CloudCredentials\\(token=\\*\\*\\*\\*od01",
        rows[3]
    )

    Assert.DoesNotContain("access-token-all-0008", r.Out)
    Assert.DoesNotContain("eyProdProdProdProd01", r.Out)

[<Fact>]
let ``the stand-in command serves the README's examples, and the end of its input stops it`` () =
    let root =
        repositoryRoot |> Option.defaultWith (fun () -> failwith "the tests run outside the checkout")

    let info =
        Diagnostics.ProcessStartInfo("dotnet", [ "fsi"; "--quiet"; IO.Path.Combine(root, "eng", "StandIn.fsx") ])

    info.RedirectStandardInput <- true
    info.RedirectStandardOutput <- true
    info.RedirectStandardError <- true
    use proc = Diagnostics.Process.Start info
    let err = proc.StandardError.ReadToEndAsync()

    try
        let lines = ResizeArray<string>()
        let deadline = DateTime.UtcNow.AddSeconds 120.0

        while (lines.Count = 0 || not (lines[lines.Count - 1].Contains "Ctrl-D stops"))
              && DateTime.UtcNow < deadline
              && not proc.HasExited do
            match proc.StandardOutput.ReadLine() with
            | null -> ()
            | line -> lines.Add line

        let text = String.concat "\n" lines
        let exported name = Text.RegularExpressions.Regex.Match(text, name + "=(\\S+)").Groups[1].Value

        let config = exported "XDG_CONFIG_HOME"
        // (Not the stand-in's stderr here: it ends only when the stand-in does.)
        Assert.True(IO.Directory.Exists config, text)
        use home = new Home()

        let legacy = runWith inProcess home [ "XDG_CONFIG_HOME", config ] None [ "status" ]
        Assert.True((legacy.Code = 0), legacy.Err)
        Assert.Contains("username          alice", legacy.Out)

        let cloud =
            [ for name in [ "CARTO_API_TOKEN"; "CARTO_API_BASE_URL"; "CARTO_ACCOUNTS_URL" ] -> name, exported name ]

        let verified = runWith inProcess home cloud None [ "cloud"; "status" ]
        Assert.True((verified.Code = 0), verified.Err)

        proc.StandardInput.Close()
        Assert.True(proc.WaitForExit 30_000, "the stand-in did not stop when its input ended")
        Assert.False(IO.Directory.Exists config)
        Assert.Equal("", err.Result)
    finally
        if not proc.HasExited then
            proc.Kill true

/// The README's quoted usage errors, each with the command line that makes it.
let private quotedUsageErrors () =
    let readme =
        File.ReadAllText(Path.Combine(repositoryRoot.Value, "README.md"))
        |> fun text -> Text.RegularExpressions.Regex.Replace(text, @"\s+", " ")

    let words (path: string) = path.Split ' ' |> List.ofArray |> List.tail

    [ for m in
          Text.RegularExpressions.Regex.Matches(
              readme,
              @"`(Unknown (?:command|option) '([^']+)' for '([^']+)'\. Did you mean '[^']+'\?)`"
          ) do
          m.Groups[1].Value, words m.Groups[3].Value @ [ m.Groups[2].Value ]
      for m in Text.RegularExpressions.Regex.Matches(readme, @"`('([^']+)' needs a command: [^`]+\.)`") do
          m.Groups[1].Value, words m.Groups[2].Value ]

[<Fact>]
let ``every usage error the README quotes is the line the tool prints`` () =
    use home = new Home()
    let quoted = quotedUsageErrors ()
    Assert.True(quoted.Length >= 3, sprintf "%A" quoted)

    for line, args in quoted do
        let r = run inProcess home args
        Assert.Equal(2, r.Code)
        Assert.Equal(line, r.Err.Split('\n')[0])
