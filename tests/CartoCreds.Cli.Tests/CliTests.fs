/// SPEC §6: each command, its output and exit code, run in-process through the command tree.
module CartoCreds.Cli.Tests.CliTests

open System
open System.IO
open System.Text.Json
open Xunit
open CartoCreds.Cli.Tests.Tool

let key = "9f8e7d6c5b4a3210fedc"

let saveAna build (home: Home) =
    let r = runWith build home [] (Some(key + "\n")) [ "save"; "--username"; "ana"; "--api-key-stdin" ]
    Assert.True((r.Code = 0), r.Err)
    r

let noStackTrace (r: Run) =
    Assert.DoesNotContain("   at ", r.Err)
    Assert.DoesNotContain("Exception", r.Err)

let noSecret (r: Run) =
    Assert.DoesNotContain(key, r.Out)
    Assert.DoesNotContain(key, r.Err)

[<Theory; InProcess>]
let ``save with --api-key warns on stderr that the key is visible`` (build: string) =
    use home = new Home()

    let r =
        run (byName build) home [ "save"; "--username"; "ana"; "--api-key"; key; "--file"; home.Path "c.json" ]

    Assert.Equal(0, r.Code)
    Assert.StartsWith("warning: an API key given with --api-key can be seen in shell history", r.Err)
    Assert.True(File.Exists(home.Path "c.json"))
    noSecret r

[<Theory; InProcess>]
let ``show prints a table with the key masked, and whole with --reveal`` (build: string) =
    use home = new Home()
    saveAna (byName build) home |> ignore
    let masked = run (byName build) home [ "show" ]
    Assert.Equal(0, masked.Code)

    let expected =
        [ "NAME              VALUE                  LAYER          LOCATION"
          "username          ana                    Saved session  " + home.SavedPath
          "api_key           ****fedc               Saved session  " + home.SavedPath
          "base_url          https://ana.carto.com  Saved session  " + home.SavedPath
          "allow_non_secure  false                  Saved session  " + home.SavedPath ]

    Assert.Equal(String.concat "\n" expected + "\n", masked.Out)
    noSecret masked
    let revealed = run (byName build) home [ "show"; "--reveal" ]
    Assert.Contains("api_key           " + key + "  ", revealed.Out)

[<Theory; InProcess>]
let ``show --file outranks the environment, which outranks the saved session`` (build: string) =
    use home = new Home()
    let build = byName build
    saveAna build home |> ignore
    let env = [ "CARTO_USERNAME", "env_user" ]
    let fromEnv = runWith build home env None [ "show"; "--json" ]
    use envJson = JsonDocument.Parse fromEnv.Out
    Assert.Equal("Environment", envJson.RootElement.GetProperty("origin").GetProperty("layer").GetString())
    Assert.Equal("CARTO_USERNAME", envJson.RootElement.GetProperty("origin").GetProperty("location").GetString())
    File.WriteAllText(home.Path "team.json", """{"username": "team", "api_key": "abc"}""")
    let fromFile = runWith build home env None [ "show"; "--json"; "--file"; home.Path "team.json" ]
    use fileJson = JsonDocument.Parse fromFile.Out
    Assert.Equal("team", fileJson.RootElement.GetProperty("username").GetString())
    Assert.Equal("File", fileJson.RootElement.GetProperty("origin").GetProperty("layer").GetString())

[<Theory; InProcess>]
let ``a malformed file is named in the error, exit 1`` (build: string) =
    use home = new Home()
    File.WriteAllText(home.Path "bad.json", "{\"username\": \"ana\", \"api_key\": \"" + key + "\"")
    let r = run (byName build) home [ "show"; "--file"; home.Path "bad.json" ]
    Assert.Equal(1, r.Code)

    Assert.Equal(
        "Invalid credentials in File (" + home.Path "bad.json" + "): it is not valid JSON (line 1, position 54).\n",
        r.Err
    )

    noSecret r
    noStackTrace r

[<Theory; InProcess>]
let ``a refused save exits 1 and leaves the old file byte for byte`` (build: string) =
    use home = new Home()
    saveAna (byName build) home |> ignore
    let before = File.ReadAllBytes home.SavedPath

    let r =
        runWith
            (byName build)
            home
            []
            (Some "other_key_123456")
            [ "save"; "--username"; "ana.smith"; "--api-key-stdin" ]

    Assert.Equal(1, r.Code)

    Assert.Equal(
        "Invalid credentials in Arguments (username): username 'ana.smith' contains '.'; a username uses only letters, digits, '_' and '-'. Nothing was saved.\n",
        r.Err
    )

    Assert.Equal<byte[]>(before, File.ReadAllBytes home.SavedPath)
    let insecure = run (byName build) home [ "save"; "--base-url"; "http://carto.local/user/ana" ]
    Assert.Equal(1, insecure.Code)
    Assert.Equal<byte[]>(before, File.ReadAllBytes home.SavedPath)

    let allowed =
        run
            (byName build)
            home
            [ "save"
              "--base-url"
              "http://carto.local/user/ana"
              "--allow-non-secure"
              "--file"
              home.Path "local.json" ]

    Assert.Equal(0, allowed.Code)

[<Theory; InProcess>]
let ``an empty stdin key is refused, exit 1`` (build: string) =
    use home = new Home()
    let r = runWith (byName build) home [] (Some "  \n") [ "save"; "--username"; "ana"; "--api-key-stdin" ]
    Assert.Equal(1, r.Code)
    Assert.Equal("--api-key-stdin: standard input held no API key; nothing was saved.\n", r.Err)
    Assert.False(File.Exists home.SavedPath)

[<Theory; InProcess>]
let ``delete also removes a legacy cartocreds.json that would take the saved session's place`` (build: string) =
    use home = new Home()
    let legacy = Path.Combine(home.Config, "cartoframes", "cartocreds.json")
    Directory.CreateDirectory(Path.GetDirectoryName legacy) |> ignore
    File.WriteAllText(legacy, "{\"username\": \"old\"}")
    Assert.Equal(0, (run (byName build) home [ "show" ]).Code)
    Assert.Equal(0, (run (byName build) home [ "delete" ]).Code)
    Assert.False(File.Exists legacy)
    Assert.Equal(1, (run (byName build) home [ "show" ]).Code)

// ---- hardening ----

[<Theory; InProcess>]
let ``--api-key-stdin takes the first line, without a byte-order mark or CR`` (build: string) =
    use home = new Home()

    let r =
        runWith
            (byName build)
            home
            []
            (Some("\uFEFF" + key + "\r\nsecond line\n"))
            [ "save"; "--username"; "ana"; "--api-key-stdin" ]

    Assert.Equal(0, r.Code)
    let shown = run (byName build) home [ "show"; "--json"; "--reveal" ]
    Assert.Contains("\"api_key\": \"" + key + "\"", shown.Out)

[<Theory; InProcess>]
let ``an invisible character in a key is refused, naming its kind and position, never the key`` (build: string) =
    use home = new Home()

    let r =
        runWith (byName build) home [] (Some(key + "\u200B\n")) [ "save"; "--username"; "ana"; "--api-key-stdin" ]

    Assert.Equal(1, r.Code)

    Assert.Contains(
        "an invisible formatting character (such as a byte-order mark or a zero-width space) at position 21",
        r.Err
    )

    noSecret r
    Assert.False(File.Exists home.SavedPath)

[<Theory; InProcess>]
let ``an empty value is a usage error, never a silent default`` (build: string) =
    use home = new Home()
    let build = byName build
    saveAna build home |> ignore
    let before = File.ReadAllText home.SavedPath

    for args in
        [ [ "save"; "--username"; "" ]
          [ "save"; "--username"; "ana"; "--api-key"; "" ]
          [ "save"; "--base-url"; "  " ]
          [ "save"; "--username"; "ana"; "--file"; "" ]
          [ "delete"; "--file"; "" ]
          [ "show"; "--file"; "" ] ] do
        let r = run build home args
        Assert.Equal(2, r.Code)
        Assert.Contains("was given an empty value; give a value or leave the option out.", r.Err)
        noStackTrace r

    Assert.Equal(before, File.ReadAllText home.SavedPath)

[<UnixTheory; InProcess>]
let ``save refuses a FIFO and leaves it as it is`` (build: string) =
    use home = new Home()
    // A FIFO of the test's own: were the check to regress, the machine's /dev/null is not what is replaced.
    let fifo = home.Path "fifo.json"
    use mkfifo = System.Diagnostics.Process.Start("mkfifo", [ fifo ])
    mkfifo.WaitForExit()
    let r = run (byName build) home [ "save"; "--username"; "ana"; "--file"; fifo ]
    Assert.Equal(1, r.Code)
    Assert.EndsWith(fifo + " is not a regular file (a device, a FIFO or a socket); nothing was changed\n", r.Err)
    Assert.Equal(1, (run (byName build) home [ "delete"; "--file"; fifo ]).Code)
    Assert.True(File.Exists fifo)

[<Theory; InProcess>]
let ``a refused base URL is never shown past its host`` (build: string) =
    use home = new Home()

    let r =
        runWith
            (byName build)
            home
            [ "CARTO_BASE_URL", "http://john.carto.com/api/v2/sql?api_key=" + key ]
            None
            [ "show" ]

    Assert.Equal(1, r.Code)

    Assert.Equal(
        "Invalid credentials in Environment (CARTO_BASE_URL): variable CARTO_BASE_URL 'http://john.carto.com' is not secure (http); use https (the environment cannot allow http: save the credentials with cartocreds save --allow-non-secure).\n",
        r.Err
    )

[<Theory; InProcess>]
let ``an unexpected argument that could be a key is not echoed`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "save"; "--username"; "ana"; "--apikey"; key ]
    Assert.Equal(2, r.Code)
    Assert.Contains("'--apikey'", r.Err)
    noSecret r

[<UnixTheory; InProcess>]
let ``a named file others can write to is shown with a warning on stderr`` (build: string) =
    use home = new Home()
    let team = home.Path "team.json"
    File.WriteAllText(team, "{\"username\": \"team\"}")
    File.SetUnixFileMode(team, enum<System.IO.UnixFileMode> 0o666)
    let r = run (byName build) home [ "show"; "--file"; team ]
    Assert.Equal(0, r.Code)
    Assert.StartsWith("warning: " + team + " is writable by other users (mode 0666)", r.Err)

[<Theory; InProcess>]
let ``a mistyped command gets a suggestion`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "shwo" ]
    Assert.Equal(2, r.Code)
    Assert.Contains("Did you mean 'show'?", r.Err)

[<Theory; InProcess>]
let ``with nothing found, the tool says what a shell user can do`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "show" ]
    Assert.Equal(1, r.Code)

    Assert.Equal(
        "No CARTO credentials found. Looked in, highest precedence first:\n"
        + "  File (--file): none given\n"
        + "  Environment: CARTO_USERNAME and CARTO_BASE_URL not set\n"
        + "  Saved session: no file at "
        + home.SavedPath
        + "\n"
        + "To save credentials: cartocreds save --username NAME (it asks for the API key), "
        + "or set CARTO_USERNAME (or CARTO_BASE_URL) and CARTO_API_KEY, or name a file with --file PATH.\n",
        r.Err
    )

[<Theory; InProcess>]
let ``save with no key and no terminal saves default_public and says so`` (build: string) =
    use home = new Home()
    let r = runWith (byName build) home [] (Some "") [ "save"; "--username"; "ana" ]
    Assert.Equal(0, r.Code)

    Assert.Equal(
        "No API key given: saving default_public (read-only access to public data). Give a key with --api-key-stdin.\n",
        r.Err
    )
