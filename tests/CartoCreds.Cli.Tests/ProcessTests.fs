/// SPEC §6 as only a process shows it, for each build (managed and Native AOT): a smoke test of each
/// command, usage errors, bounded standard input, the hidden prompt on a pseudo-terminal, a full
/// stdout, plain-English I/O errors as an unprivileged user.
module CartoCreds.Cli.Tests.ProcessTests

open System
open System.IO
open System.Text.Json
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Cli.Tests.CliTests

[<UnixTheory; Managed; Aot>]
let ``show with nothing saved explains every layer on stderr and exits 1`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "show" ]
    Assert.Equal(1, r.Code)
    Assert.Equal("", r.Out)
    Assert.StartsWith("No CARTO credentials found. Looked in, highest precedence first:", r.Err)
    Assert.Contains("  Saved session: no file at " + home.SavedPath, r.Err)
    noStackTrace r

[<UnixTheory; Managed; Aot>]
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

[<UnixTheory; Managed; Aot>]
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

/// A usage error: one line, then the help of the command it was for.
let usageShape (r: Run) = Assert.Matches("^[^\n]+\nRun 'cartocreds( [a-z]+)* --help' for usage\.\n$", r.Err)

[<UnixTheory; Managed; Aot>]
let ``usage errors exit 2 with a clear line on stderr`` (build: string) =
    use home = new Home()
    let build = byName build

    let expectUsage args (line: string) =
        let r = run build home args
        Assert.Equal(2, r.Code)
        Assert.Contains(line, r.Err)
        usageShape r
        noStackTrace r

    expectUsage [ "save" ] "save needs --username or --base-url."

    expectUsage
        [ "save"; "--username"; "ana"; "--api-key"; "k"; "--api-key-stdin" ]
        "give --api-key or --api-key-stdin, not both."

    expectUsage [ "frobnicate" ] "frobnicate"
    expectUsage [ "show"; "--bogus" ] "--bogus"
    expectUsage [] "'cartocreds' needs a command: show, env, status, save, delete, path, cloud, config."

[<UnixTheory; Managed; Aot>]
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

[<UnixTheory; Managed; Aot>]
let ``path prints the default location from the environment`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "path" ]
    Assert.Equal(0, r.Code)
    Assert.Equal(home.SavedPath + "\n", r.Out)

[<UnixTheory; Managed; Aot>]
let ``--version and --help exit 0`` (build: string) =
    use home = new Home()
    let version = run (byName build) home [ "--version" ]
    Assert.Equal(0, version.Code)
    // Unreleased: a pre-release version, never the number a release will carry.
    Assert.Equal("0.2.0-dev\n", version.Out)
    let help = run (byName build) home [ "--help" ]
    Assert.Equal(0, help.Code)

    for command in [ "show"; "save"; "delete"; "path" ] do
        Assert.Contains(command, help.Out)

    let saveHelp = run (byName build) home [ "save"; "--help" ]
    Assert.Equal(0, saveHelp.Code)
    Assert.Contains("--api-key-stdin", saveHelp.Out)

[<UnixTheory; InProcess; Managed; Aot>]
let ``help by any of its names, and a response file, are read as before the start-up shortcut`` (build: string) =
    use home = new Home()
    let build = byName build

    for name in [ "-h"; "-?"; "/h"; "/?" ] do
        let help = run build home [ "show"; name ]
        Assert.Equal(0, help.Code)
        Assert.Contains("--reveal", help.Out)

    File.WriteAllText(home.Path "path.rsp", "path\n")
    let path = run build home [ "@" + home.Path "path.rsp" ]
    Assert.Equal((0, home.SavedPath + "\n"), (path.Code, path.Out))

    File.WriteAllText(home.Path "help.rsp", "save\n--help\n")
    let help = run build home [ "@" + home.Path "help.rsp" ]
    Assert.Equal(0, help.Code)
    Assert.Contains("--api-key-stdin", help.Out)

[<UnixTheory; Managed; Aot>]
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

[<UnixTheory; Managed; Aot>]
let ``an option without its value is a usage error, not a crash`` (build: string) =
    use home = new Home()
    let build = byName build

    for args in [ [ "save"; "--username" ]; [ "save"; "--base-url" ]; [ "save"; "--username"; "ana"; "--api-key" ] ] do
        let r = run build home args
        Assert.Equal(2, r.Code)
        usageShape r
        noStackTrace r

[<UnixTheory; Managed; Aot>]
let ``a save whose report cannot be printed still saves, says so on stderr and exits 0`` (build: string) =
    use home = new Home()
    let r = runRedirected (byName build) home "> /dev/full" [ "save"; "--username"; "ana" ]
    Assert.Equal(0, r.Code)
    Assert.EndsWith(" to " + home.SavedPath + " (standard output could not be written)\n", r.Err)
    Assert.True(File.Exists home.SavedPath)

/// Every command with the options that take a value.
let private optionsWithValues =
    [ "show", [ "--file" ]
      "save", [ "--username"; "--base-url"; "--api-key"; "--file" ]
      "delete", [ "--file" ] ]

[<UnixTheory; Managed; Aot>]
let ``every option given without its value, and every unknown option, is a usage error on one line`` (build: string) =
    use home = new Home()
    let build = byName build

    let expectUsage (args: string list) =
        let r = run build home args
        Assert.True((r.Code = 2), sprintf "%A: exit %d, %s" args r.Code r.Err)
        usageShape r
        noStackTrace r

    for command, options in optionsWithValues do
        for option in options do
            expectUsage [ command; option ]
            // The option last, after a valid one, as a user would leave it.
            if command = "show" then
                expectUsage [ command; "--reveal"; option ]

        expectUsage [ command; "--no-such-option" ]

    expectUsage [ "path"; "--no-such-option" ]

[<UnixTheory; Managed; Aot>]
let ``save with no key asks for it at a terminal without echoing it`` (build: string) =
    use home = new Home()
    let prompt = "API key (empty for default_public): "
    let r = runAtTerminal (byName build) home [ "save"; "--username"; "ana" ] prompt (key + "\r")
    Assert.True((r.Code = 0), r.Out)
    Assert.Contains(prompt, r.Out)
    Assert.DoesNotContain(key, r.Out)
    let shown = run (byName build) home [ "show"; "--json"; "--reveal" ]
    Assert.Contains("\"api_key\": \"" + key + "\"", shown.Out)

[<UnixTheory; Managed; Aot>]
let ``an empty answer at the prompt saves default_public`` (build: string) =
    use home = new Home()
    let prompt = "API key (empty for default_public): "
    let r = runAtTerminal (byName build) home [ "save"; "--username"; "ana" ] prompt "\r"
    Assert.True((r.Code = 0), r.Out)
    Assert.Contains("api_key=default_public", r.Out)

[<UnixTheory; Managed; Aot>]
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

[<UnixTheory; Managed; Aot>]
let ``Ctrl-C at the prompt cancels, saves nothing and gives the terminal back with echo on`` (build: string) =
    use home = new Home()
    let prompt = "API key (empty for default_public): "
    // After the tool, the same terminal says whether echo is on ("echo") or off ("-echo").
    let r =
        runAtTerminalThen (byName build) home [ "save"; "--username"; "ana" ] prompt "\u0003" "; stty -a"

    Assert.Contains("cancelled; nothing was saved.", r.Out)
    Assert.Matches(@"(^|\s)echo(\s|$)", r.Out)
    Assert.DoesNotMatch(@"(^|\s)-echo(\s|$)", r.Out)
    Assert.False(File.Exists home.SavedPath)

[<UnixTheory; Managed; Aot>]
let ``Ctrl-D at the prompt cancels and keeps the saved key`` (build: string) =
    use home = new Home()
    let build = byName build
    let saved = runWith build home [] (Some(key + "\n")) [ "save"; "--username"; "ana"; "--api-key-stdin" ]
    Assert.Equal(0, saved.Code)
    let before = File.ReadAllText home.SavedPath
    let prompt = "API key (empty for default_public): "
    let r = runAtTerminal build home [ "save"; "--username"; "ana" ] prompt "\u0004"
    Assert.True((r.Code = 1), r.Out)
    Assert.Contains("cancelled; nothing was saved.", r.Out)
    Assert.Equal(before, File.ReadAllText home.SavedPath)

    // The same for --api-key-stdin typed at a terminal.
    let stdin =
        runAtTerminal build home [ "save"; "--username"; "ana"; "--api-key-stdin" ] "API key: " "\u0004"

    Assert.True((stdin.Code = 1), stdin.Out)
    Assert.Contains("cancelled; nothing was saved.", stdin.Out)
    Assert.Equal(before, File.ReadAllText home.SavedPath)

[<UnixTheory; Managed; Aot>]
let ``a command at a terminal leaves the keypad mode as it found it`` (build: string) =
    use home = new Home()
    let build = byName build

    let runs =
        [ runAtTerminal build home [ "path" ] "" ""
          runAtTerminal build home [ "show" ] "" ""
          runAtTerminal build home [ "--help" ] "" ""
          runAtTerminal build home [ "save"; "--help" ] "" ""
          runAtTerminal build home [ "shwo" ] "" ""
          runAtTerminal build home [ "save"; "--username"; "ana" ] "API key (empty for default_public): " "\u0003" ]

    for r in runs do
        Assert.True(r.Out.Length > 0)
        // Keypad transmit (smkx: ESC[?1h ESC=), or any other escape sequence the tool did not mean to write.
        Assert.False(r.Out.Contains "\u001B[?1h", "keypad mode was set: " + r.Out.Replace("\u001B", "\\e"))
        Assert.False(r.Out.Contains '\u001B', "an escape sequence was written: " + r.Out.Replace("\u001B", "\\e"))

[<UnixTheory; Managed; Aot>]
let ``output redirected to a file with other commands' output keeps every line in order`` (build: string) =
    use home = new Home()
    let build = byName build
    let out = home.Path "out.txt"
    let quote (word: string) = "'" + word.Replace("'", "'\\''") + "'"
    let tool = build.Program :: build.Prefix |> List.map quote |> String.concat " "

    // The tool writes at the descriptor's own offset, as `echo` does: nothing is overwritten.
    let script =
        "{ echo first; " + tool + " path; echo middle; " + tool + " shwo 2>&1; echo last; } > " + quote out

    let shell = { Name = build.Name; Program = "/bin/sh"; Prefix = [ "-c"; script ] }

    runWith shell home [] None [] |> ignore

    Assert.Equal(
        "first\n"
        + home.SavedPath
        + "\nmiddle\nUnknown command 'shwo' for 'cartocreds'. Did you mean 'show'?\n"
        + "Run 'cartocreds --help' for usage.\nlast\n",
        File.ReadAllText out
    )

/// `cartocreds ARGS` of a build, as words for a shell script.
let private shellCommand (build: Build) (args: string list) =
    build.Program :: build.Prefix @ args
    |> List.map (fun word -> "'" + word.Replace("'", "'\\''") + "'")
    |> String.concat " "

/// Runs a bash script with the test's clean environment.
let private bash (home: Home) (script: string) =
    runWith { Name = "bash"; Program = "bash"; Prefix = [ "-c"; script ] } home [] None []

[<UnixTheory; Managed; Aot>]
let ``output that cannot be written is one plain line and exit 1; a closed pipe ends quietly with 0`` (build: string) =
    use home = new Home()
    let tool = shellCommand (byName build) [ "path" ]

    let full = runRedirected (byName build) home "> /dev/full" [ "path" ]
    Assert.Equal(1, full.Code)
    Assert.Equal("cannot write to standard output: no space left on the device\n", full.Err)

    // The reader is gone before the tool writes, as `| head -c1` is once it has read enough.
    let closed = bash home ("set -o pipefail; { sleep 0.3; " + tool + "; } | true")
    Assert.Equal(0, closed.Code)
    Assert.Equal("", closed.Err)
