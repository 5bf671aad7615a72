/// SPEC §7.6 on the command line: `cloud list` (table and JSON, the current profile marked, expired
/// and soon-expiring tokens said with how to log in again, values from the file terminal-safe),
/// `cloud use NAME` (every other profile and key kept; a missing one names those there are), and
/// `cloud logout` (as `cloud delete`).
module CartoCreds.Cli.Tests.ProfilesCliTests

open System
open System.IO
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Testing

let private now = DateTimeOffset.UtcNow

let private file (home: Home) =
    let path = home.Path ".carto_credentials.json"

    File.WriteAllText(
        path,
        "{\"current_profile\": \"prod\", \"theme\": \"dark\", \"profiles\": {"
        + "\"prod\": {\"token\": \""
        + jwt (now.AddDays 1.0)
        + "\", \"tenant_id\": \"gcp-us-east1\", \"user_email\": \"ana@example.com\"},"
        + "\"eu\": {\"token\": \""
        + jwt (now.AddMinutes 30.0)
        + "\", \"api_base_url\": \"https://eu.example.org\", \"user_email\": \"ana\\u001B[31m@eu\"},"
        + "\"old\": {\"token\": \""
        + jwt (now.AddDays -2.0)
        + "\", \"tenant_id\": \"gcp-europe-west1\"}}}"
    )

    File.SetUnixFileMode(path, UnixFileMode.UserRead ||| UnixFileMode.UserWrite)
    path

[<Theory; InProcess; Aot>]
let ``cloud list shows every profile, marks the current one, and says which tokens to renew`` (build: string) =
    use home = new Home()
    let path = file home
    let r = runWith (byName build) home [] None [ "cloud"; "list"; "--file"; path ]
    Assert.True((r.Code = 0), r.Err)
    let lines = r.Out.TrimEnd('\n').Split '\n'
    Assert.Equal(4, lines.Length)
    Assert.Matches("^ +NAME +API BASE URL +EMAIL +EXPIRES$", lines[0])

    Assert.Matches(
        "^\\* +prod +https://gcp-us-east1\\.api\\.carto\\.com +ana@example\\.com +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$",
        lines[1]
    )
    // What the file says is printed terminal-safe: the escape is shown, not sent.
    Assert.Matches("^ +eu +https://eu\\.example\\.org +ana\\\\u001B\\[31m@eu +", lines[2])
    Assert.Matches("^ +old +https://gcp-europe-west1\\.api\\.carto\\.com +expired at ", lines[3])
    Assert.False((r.Out + r.Err).Contains "\u001B", r.Out + r.Err)

    let notes = r.Err.TrimEnd('\n').Split '\n'

    Assert.Equal(2, notes.Length)

    Assert.Matches(
        "^profile eu: the token expires at .* UTC; renew it with: cartocreds cloud login --profile eu$",
        notes[0]
    )

    Assert.Matches(
        "^profile old: the token expired at .* UTC; log in again with: cartocreds cloud login --profile old$",
        notes[1]
    )

    Assert.DoesNotContain("eyJhbGciOiJub25lIn0", r.Out + r.Err)

[<Fact>]
let ``cloud list --json gives each profile's fields, and no file is no profile`` () =
    use home = new Home()
    let path = file home
    let r = run inProcess home [ "cloud"; "list"; "--file"; path; "--json" ]
    Assert.Equal(0, r.Code)
    use json = Text.Json.JsonDocument.Parse r.Out
    let profiles = json.RootElement.EnumerateArray() |> Seq.toList

    Assert.Equal<string list>(
        [ "prod"; "eu"; "old" ],
        profiles |> List.map (fun p -> p.GetProperty("name").GetString())
    )

    Assert.True(profiles[0].GetProperty("current").GetBoolean())
    Assert.Equal("https://eu.example.org", profiles[1].GetProperty("api_base_url").GetString())
    Assert.Equal("ana\u001B[31m@eu", profiles[1].GetProperty("email").GetString())
    Assert.True(profiles[2].GetProperty("expired").GetBoolean())
    Assert.False(profiles[0].GetProperty("expired").GetBoolean())
    Assert.Equal(Text.Json.JsonValueKind.Null, profiles[2].GetProperty("email").ValueKind)

    // No file, and a file with no profile, are said apart; the first says how to get one.
    use empty = new Home()
    let path = empty.Path ".carto_credentials.json"
    let none = run inProcess empty [ "cloud"; "list" ]
    Assert.Equal(0, none.Code)

    Assert.Equal(
        "There is no CARTO CLI credentials file at "
        + path
        + ", so no profiles yet. Log in with: cartocreds cloud login (or save a token: cartocreds cloud save --token-stdin)\n",
        none.Out
    )

    IO.File.WriteAllText(path, "{\"profiles\": {}}")
    Assert.Equal("No profiles in " + path + "\n", (run inProcess empty [ "cloud"; "list" ]).Out)

[<Theory; InProcess; Aot>]
let ``cloud use makes a profile current and keeps the rest; a missing one names those there are`` (build: string) =
    use home = new Home()
    let path = file home
    let before = File.ReadAllText path
    let r = runWith (byName build) home [] None [ "cloud"; "use"; "eu"; "--file"; path ]
    Assert.True((r.Code = 0), r.Err)
    Assert.Equal("Profile eu is now current in " + path + "\n", r.Out)
    use json = Text.Json.JsonDocument.Parse(File.ReadAllText path)
    Assert.Equal("eu", json.RootElement.GetProperty("current_profile").GetString())
    Assert.Equal("dark", json.RootElement.GetProperty("theme").GetString())
    Assert.Equal(3, json.RootElement.GetProperty("profiles").EnumerateObject() |> Seq.length)

    let shown = runWith (byName build) home [] None [ "cloud"; "show"; "--file"; path; "--json" ]
    Assert.Contains("\"api_base_url\": \"https://eu.example.org\"", shown.Out)

    let written = File.ReadAllText path
    let missing = runWith (byName build) home [] None [ "cloud"; "use"; "staging"; "--file"; path ]
    Assert.Equal(1, missing.Code)
    Assert.Equal(path + " has no profile 'staging'; it has 'prod', 'eu', 'old'\n", missing.Err)
    Assert.Equal(written, File.ReadAllText path)
    Assert.NotEqual<string>(before, written)

    let nothing = runWith (byName build) home [] None [ "cloud"; "use" ]
    Assert.Equal(2, nothing.Code)

[<Fact>]
let ``cloud logout removes the profile as cloud delete does`` () =
    use home = new Home()
    let path = file home
    let r = run inProcess home [ "cloud"; "logout"; "--profile"; "old"; "--file"; path ]
    Assert.Equal(0, r.Code)
    Assert.Equal("Deleted profile old from " + path + "\n", r.Out)
    let listed = run inProcess home [ "cloud"; "list"; "--file"; path; "--json" ]
    Assert.DoesNotContain("\"old\"", listed.Out)
    Assert.Contains("\"prod\"", listed.Out)

[<Theory; InProcess; Aot>]
let ``cloud show and cloud status say that a profile's token expires soon, naming cloud login`` (build: string) =
    use home = new Home()
    let path = file home
    let show = runWith (byName build) home [] None [ "cloud"; "show"; "--profile"; "eu" ]
    Assert.True((show.Code = 0), show.Err)

    Assert.Matches(
        "^profile eu: the token expires at .* UTC; renew it with: cartocreds cloud login --profile eu\n$",
        show.Err
    )

    let old =
        runWith
            (byName build)
            home
            [ "CARTO_ACCOUNTS_URL", CartoServer.ClosedUrl() ]
            None
            [ "cloud"; "status"; "--profile"; "old"; "--timeout"; "5" ]

    Assert.Contains("profile old: the token expired at ", old.Err)
    Assert.Contains("log in again with: cartocreds cloud login --profile old", old.Err)

    // The current profile, valid for a day, says nothing.
    let current = runWith (byName build) home [] None [ "cloud"; "show"; "--file"; path ]
    Assert.Equal("", current.Err)

[<Theory; InProcess; Aot>]
let ``after the only profile is deleted, not found names the CARTO CLI file and cloud use`` (build: string) =
    use home = new Home()

    let saved =
        runWith (byName build) home [] (Some "only-token-0123456789\n") [ "cloud"; "save"; "--token-stdin" ]

    Assert.True((saved.Code = 0), saved.Err)
    Assert.Equal(0, (runWith (byName build) home [] None [ "cloud"; "delete" ]).Code)
    let r = runWith (byName build) home [] None [ "cloud"; "show" ]
    Assert.Equal(1, r.Code)

    Assert.Contains(
        "  Saved session: no current profile in "
        + home.Path ".carto_credentials.json"
        + " (make one current: cartocreds cloud use NAME; or log in: cartocreds cloud login)\n",
        r.Err
    )
