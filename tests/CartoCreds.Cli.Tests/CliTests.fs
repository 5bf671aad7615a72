/// SPEC §6: each command and exit code, run as a process from the managed build and the AOT binary.
module CartoCreds.Cli.Tests.CliTests

open System
open System.IO
open System.Text.Json
open Xunit
open CartoCreds.Cli.Tests.Tool

let private key = "9f8e7d6c5b4a3210fedc"

let private saveAna build (home: Home) =
    let r = runWith build home [] (Some(key + "\n")) [ "save"; "--username"; "ana"; "--api-key-stdin" ]
    Assert.True((r.Code = 0), r.Err)
    r

let private noStackTrace (r: Run) =
    Assert.DoesNotContain("   at ", r.Err)
    Assert.DoesNotContain("Exception", r.Err)

let private noSecret (r: Run) =
    Assert.DoesNotContain(key, r.Out)
    Assert.DoesNotContain(key, r.Err)

[<Theory; Managed; Aot>]
let ``show with nothing saved explains every layer on stderr and exits 1`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "show" ]
    Assert.Equal(1, r.Code)
    Assert.Equal("", r.Out)
    Assert.StartsWith("No CARTO credentials found. Looked in, highest precedence first:", r.Err)
    Assert.Contains("  Saved session: no file at " + home.SavedPath, r.Err)
    noStackTrace r

[<Theory; Managed; Aot>]
let ``save reads the key from stdin, says where it saved, and writes a private file`` (build: string) =
    use home = new Home()
    let r = saveAna (byName build) home

    Assert.Equal(
        "Saved Credentials(username=ana, api_key=****fedc, base_url=https://ana.carto.com) to " + home.SavedPath + "\n",
        r.Out
    )

    Assert.Equal("", r.Err)
    Assert.Equal(UnixFileMode.UserRead ||| UnixFileMode.UserWrite, File.GetUnixFileMode home.SavedPath)
    Assert.Contains(key, File.ReadAllText home.SavedPath)
    noSecret r

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

[<Theory; Managed; Aot>]
let ``show --json prints the same as a JSON object`` (build: string) =
    use home = new Home()
    saveAna (byName build) home |> ignore
    let r = run (byName build) home [ "show"; "--json" ]
    Assert.Equal(0, r.Code)
    use json = JsonDocument.Parse r.Out
    let root = json.RootElement
    Assert.Equal("ana", root.GetProperty("username").GetString())
    Assert.Equal("****fedc", root.GetProperty("api_key").GetString())
    Assert.Equal("https://ana.carto.com", root.GetProperty("base_url").GetString())
    Assert.False(root.GetProperty("allow_non_secure").GetBoolean())
    Assert.Equal("SavedSession", root.GetProperty("origin").GetProperty("layer").GetString())
    Assert.Equal(home.SavedPath, root.GetProperty("origin").GetProperty("location").GetString())
    let revealed = run (byName build) home [ "show"; "--json"; "--reveal" ]
    use revealedJson = JsonDocument.Parse revealed.Out
    Assert.Equal(key, revealedJson.RootElement.GetProperty("api_key").GetString())

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
        "Invalid credentials in Arguments (username, api_key): username 'ana.smith' contains '.'; a username uses only letters, digits, '_' and '-'. Nothing was saved.\n",
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

[<Theory; Managed; Aot>]
let ``usage errors exit 2 with a clear line on stderr`` (build: string) =
    use home = new Home()
    let build = byName build

    let expectUsage args (line: string) =
        let r = run build home args
        Assert.Equal(2, r.Code)
        Assert.Contains(line, r.Err)
        Assert.EndsWith("Run 'cartocreds --help' for usage.\n", r.Err)
        noStackTrace r

    expectUsage [ "save" ] "save needs --username or --base-url."

    expectUsage
        [ "save"; "--username"; "ana"; "--api-key"; "k"; "--api-key-stdin" ]
        "give --api-key or --api-key-stdin, not both."

    expectUsage [ "frobnicate" ] "frobnicate"
    expectUsage [ "show"; "--bogus" ] "--bogus"
    expectUsage [] "Required command was not provided."

[<Theory; Managed; Aot>]
let ``delete removes the file, then says there is none; both exit 0`` (build: string) =
    use home = new Home()
    saveAna (byName build) home |> ignore
    let first = run (byName build) home [ "delete" ]
    Assert.Equal(0, first.Code)
    Assert.Equal("Deleted " + home.SavedPath + "\n", first.Out)
    Assert.False(File.Exists home.SavedPath)
    let second = run (byName build) home [ "delete" ]
    Assert.Equal(0, second.Code)
    Assert.Equal("No credentials file at " + home.SavedPath + "\n", second.Out)

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

[<Theory; Managed; Aot>]
let ``path prints the default location from the environment`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "path" ]
    Assert.Equal(0, r.Code)
    Assert.Equal(home.SavedPath + "\n", r.Out)

[<Theory; Managed; Aot>]
let ``--version and --help exit 0`` (build: string) =
    use home = new Home()
    let version = run (byName build) home [ "--version" ]
    Assert.Equal(0, version.Code)
    Assert.Equal("0.1.0\n", version.Out)
    let help = run (byName build) home [ "--help" ]
    Assert.Equal(0, help.Code)

    for command in [ "show"; "save"; "delete"; "path" ] do
        Assert.Contains(command, help.Out)

    let saveHelp = run (byName build) home [ "save"; "--help" ]
    Assert.Equal(0, saveHelp.Code)
    Assert.Contains("--api-key-stdin", saveHelp.Out)

// ---- hardening ----

[<Theory; Managed; Aot>]
let ``--api-key-stdin reads one line of at most 4 KiB, so an endless stream is refused at once`` (build: string) =
    use home = new Home()
    let build = byName build

    let r = runRedirected build home "< /dev/zero" [ "save"; "--username"; "ana"; "--api-key-stdin" ]
    Assert.Equal(1, r.Code)

    Assert.Equal(
        "--api-key-stdin: the first line of standard input is longer than 4096 bytes; nothing was saved.\n",
        r.Err
    )

    // Random bytes hold line breaks: the first line is read and refused as a key.
    let random =
        runRedirected build home "< /dev/urandom" [ "save"; "--username"; "ana"; "--api-key-stdin" ]

    Assert.Equal(1, random.Code)
    noStackTrace random
    Assert.False(File.Exists home.SavedPath)

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

[<Theory; Managed; Aot>]
let ``an option without its value is a usage error, not a crash`` (build: string) =
    use home = new Home()
    let build = byName build

    for args in [ [ "save"; "--username" ]; [ "save"; "--base-url" ]; [ "save"; "--username"; "ana"; "--api-key" ] ] do
        let r = run build home args
        Assert.Equal(2, r.Code)
        Assert.EndsWith("Run 'cartocreds --help' for usage.\n", r.Err)
        noStackTrace r

[<Theory; Managed; Aot>]
let ``a save whose report cannot be printed still saves, says so on stderr and exits 0`` (build: string) =
    use home = new Home()
    let r = runRedirected (byName build) home "> /dev/full" [ "save"; "--username"; "ana" ]
    Assert.Equal(0, r.Code)
    Assert.EndsWith(" to " + home.SavedPath + " (standard output could not be written)\n", r.Err)
    Assert.True(File.Exists home.SavedPath)

[<Theory; InProcess>]
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
        "Invalid credentials in Environment (CARTO_BASE_URL): variable CARTO_BASE_URL 'http://john.carto.com' is not secure (http); use https, or allow non-secure URLs (allow_non_secure).\n",
        r.Err
    )

[<Theory; InProcess>]
let ``an unexpected argument that could be a key is not echoed`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "save"; "--username"; "ana"; "--apikey"; key ]
    Assert.Equal(2, r.Code)
    Assert.Contains("'--apikey'", r.Err)
    noSecret r

[<Theory; InProcess>]
let ``a named file others can write to is shown with a warning on stderr`` (build: string) =
    use home = new Home()
    let team = home.Path "team.json"
    File.WriteAllText(team, "{\"username\": \"team\"}")
    File.SetUnixFileMode(team, enum<System.IO.UnixFileMode> 0o666)
    let r = run (byName build) home [ "show"; "--file"; team ]
    Assert.Equal(0, r.Code)
    Assert.StartsWith("warning: " + team + " is writable by other users (mode 0666)", r.Err)

/// Every command with the options that take a value.
let private optionsWithValues =
    [ "show", [ "--file" ]
      "save", [ "--username"; "--base-url"; "--api-key"; "--file" ]
      "delete", [ "--file" ] ]

[<Theory; Managed; Aot>]
let ``every option given without its value, and every unknown option, is a usage error on one line`` (build: string) =
    use home = new Home()
    let build = byName build

    let expectUsage (args: string list) =
        let r = run build home args
        Assert.True((r.Code = 2), sprintf "%A: exit %d, %s" args r.Code r.Err)
        Assert.EndsWith("Run 'cartocreds --help' for usage.\n", r.Err)
        noStackTrace r

    for command, options in optionsWithValues do
        for option in options do
            expectUsage [ command; option ]
            // The option last, after a valid one, as a user would leave it.
            if command = "show" then
                expectUsage [ command; "--reveal"; option ]

        expectUsage [ command; "--no-such-option" ]

    expectUsage [ "path"; "--no-such-option" ]

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

[<Theory; Managed; Aot>]
let ``save with no key asks for it at a terminal without echoing it`` (build: string) =
    use home = new Home()
    let prompt = "API key (empty for default_public): "
    let r = runAtTerminal (byName build) home [ "save"; "--username"; "ana" ] prompt (key + "\r")
    Assert.True((r.Code = 0), r.Out)
    Assert.Contains(prompt, r.Out)
    Assert.DoesNotContain(key, r.Out)
    let shown = run (byName build) home [ "show"; "--json"; "--reveal" ]
    Assert.Contains("\"api_key\": \"" + key + "\"", shown.Out)

[<Theory; Managed; Aot>]
let ``an empty answer at the prompt saves default_public`` (build: string) =
    use home = new Home()
    let prompt = "API key (empty for default_public): "
    let r = runAtTerminal (byName build) home [ "save"; "--username"; "ana" ] prompt "\r"
    Assert.True((r.Code = 0), r.Out)
    Assert.Contains("api_key=default_public", r.Out)

[<Theory; InProcess>]
let ``save with no key and no terminal saves default_public and says so`` (build: string) =
    use home = new Home()
    let r = runWith (byName build) home [] (Some "") [ "save"; "--username"; "ana" ]
    Assert.Equal(0, r.Code)

    Assert.Equal(
        "No API key given: saving default_public (read-only access to public data). Give a key with --api-key-stdin.\n",
        r.Err
    )

[<Theory; Managed; Aot>]
let ``--api-key-stdin at a terminal does not echo the key either`` (build: string) =
    use home = new Home()

    let r =
        runAtTerminal (byName build) home [ "save"; "--username"; "ana"; "--api-key-stdin" ] "API key: " (key + "\r")

    Assert.True((r.Code = 0), r.Out)
    Assert.DoesNotContain(key, r.Out)

/// A theory that drops privileges with `setpriv`: it needs root (as the tests run here) and setpriv.
type AsAnotherUserAttribute() as this =
    inherit TheoryAttribute()

    do
        if Environment.UserName <> "root" || not (File.Exists "/usr/bin/setpriv") then
            this.Skip <- "needs root and /usr/bin/setpriv to run the tool as an unprivileged user"

[<AsAnotherUser; Managed; Aot>]
let ``I/O errors are plain English in every build, and never name the temporary file`` (build: string) =
    use home = new Home()
    File.SetUnixFileMode(home.Root, enum<UnixFileMode> 0o755)
    let locked = home.Path "locked"
    Directory.CreateDirectory locked |> ignore
    let target = Path.Combine(locked, "creds.json")
    let build = byName build

    // A copy of the build that the unprivileged user can reach: the checkout may sit in a private directory.
    let reachable = home.Path "tool"
    Directory.CreateDirectory reachable |> ignore

    let copy (file: string) =
        let target = Path.Combine(reachable, Path.GetFileName file)
        File.Copy(file, target)
        File.SetUnixFileMode(target, enum<UnixFileMode> 0o755)
        target

    let program, prefix =
        match build.Prefix with
        | [ dll ] ->
            for file in Directory.GetFiles(Path.GetDirectoryName dll) do
                let name = Path.GetFileName file

                if
                    name.StartsWith "cartocreds."
                    || List.contains name [ "CartoCreds.Core.dll"; "FSharp.Core.dll"; "System.CommandLine.dll" ]
                then
                    copy file |> ignore

            build.Program, [ Path.Combine(reachable, Path.GetFileName dll) ]
        | _ -> copy build.Program, build.Prefix

    let asNobody =
        { build with
            Program = "/usr/bin/setpriv"
            Prefix = [ "--reuid=65534"; "--regid=65534"; "--clear-groups"; "--"; program ] @ prefix }

    let r =
        runWith asNobody home [] (Some(key + "\n")) [ "save"; "--username"; "ana"; "--api-key-stdin"; "--file"; target ]

    Assert.Equal(1, r.Code)
    Assert.Equal("could not write " + target + ": permission denied; the previous file is unchanged\n", r.Err)

    let proc =
        runWith
            build
            home
            []
            (Some(key + "\n"))
            [ "save"; "--username"; "ana"; "--api-key-stdin"; "--file"; "/proc/creds.json" ]

    Assert.Equal(1, proc.Code)

    Assert.Equal(
        "could not write /proc/creds.json: no such file or directory; the previous file is unchanged\n",
        proc.Err
    )
