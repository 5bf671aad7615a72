/// SPEC §6's export: assignments each shell reads back to the same value, whatever it holds;
/// round-tripped through the real shells this machine has (sh and bash at least), and the others
/// counted as skipped with the reason.
module CartoCreds.Core.Tests.ExportTests

open System
open System.IO
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

/// Values a shell could mistake for syntax: quotes of both kinds, `$` and command substitutions,
/// spaces, backslashes, globs, comments.
let private hostile =
    [ "it's"
      "say \"hi\""
      "$HOME and ${PATH} and $(id) and `id`"
      "  spaced  out  "
      "back\\slash\\"
      "''"
      "\\'"
      "*.json #not a comment"
      "%USERPROFILE% & | ; < >"
      "a'b\"c$d e\\f" ]

/// Where each shell is, when this machine has it.
let private installed (program: string) =
    (Environment.GetEnvironmentVariable "PATH" |> string).Split(':')
    |> Array.map (fun dir -> Path.Combine(dir, program))
    |> Array.tryFind File.Exists

/// What a shell reads back from the assignment of `value` to CARTOCREDS_EXPORT_TEST.
let private readBack (shell: ShellKind) (program: string) (value: string) =
    let assignment = Export.assignment shell ("CARTOCREDS_EXPORT_TEST", value)

    let script =
        match shell with
        | ShellKind.Pwsh -> assignment + "; [Console]::Out.Write($env:CARTOCREDS_EXPORT_TEST)"
        | ShellKind.Fish -> assignment + "; printf '%s' $CARTOCREDS_EXPORT_TEST"
        | _ -> assignment + "\nprintf '%s' \"$CARTOCREDS_EXPORT_TEST\""

    let arguments =
        match shell with
        | ShellKind.Pwsh -> [ "-NoProfile"; "-Command"; script ]
        | _ -> [ "-c"; script ]

    let code, output, errors = Processes.run program arguments
    Assert.True((code = 0), program + ": " + errors)
    output

/// A `.env` file as bash reads one (`set -a; . file`), which is how docker compose and dotenv
/// files are most often loaded into a shell; run in `dir`, so that a command the file ran leaves
/// its mark there.
let private readDotenvIn (dir: string) (line: string) =
    let file = Path.Combine(dir, ".env")
    File.WriteAllText(file, line + "\n")

    let code, output, errors =
        Processes.run
            "bash"
            [ "-c"
              "cd \"$2\" && set -a && . \"$1\" && printf '%s' \"$CARTOCREDS_EXPORT_TEST\""
              "bash"
              file
              dir ]

    Assert.True((code = 0), errors)
    output

/// A python3 that has python-dotenv (Debian's python3-dotenv), if this machine has one.
let private pythonWithDotenv =
    [ "/usr/bin/python3"; "python3" ]
    |> List.tryFind (fun python ->
        try
            let code, _, _ = Processes.run python [ "-c"; "import dotenv" ]
            code = 0
        with _ ->
            false)

type DotenvFactAttribute() as this =
    inherit FactAttribute()

    do
        if pythonWithDotenv.IsNone then
            this.Skip <- "python-dotenv is not installed (apt-get install python3-dotenv; .ci/run does when it can)"

/// What python-dotenv's `dotenv_values` reads from the `.env` line (interpolation on, its default).
let private readPythonDotenv (line: string) =
    use box = new Sandbox()
    let file = box.Path ".env"
    File.WriteAllText(file, line + "\n")

    let code, output, errors =
        Processes.run
            pythonWithDotenv.Value
            [ "-c"
              "import sys, dotenv; sys.stdout.write(dotenv.dotenv_values(sys.argv[1])['CARTOCREDS_EXPORT_TEST'])"
              file ]

    Assert.True((code = 0), errors)
    output

/// docker compose's `env_file` rules for a single-quoted value, as its documentation states them:
/// the value is used literally, but `\'` is a quote. (No compose runs here: no Docker engine.)
let private readComposeEnvFile (line: string) =
    let value = line.Substring(line.IndexOf '=' + 1)
    Assert.True(value.StartsWith "'" && value.EndsWith "'", "a single-quoted value: " + line)
    value.Substring(1, value.Length - 2).Replace("\\'", "'")

/// The hostile values that one `.env` form carries for bash, python-dotenv and docker compose alike.
let private carried = hostile |> List.filter (fun v -> (Export.unquotable ShellKind.Dotenv v).IsNone)

let private dotenvLine value =
    Export.lines ShellKind.Dotenv [ "CARTOCREDS_EXPORT_TEST", value ]
    |> Result.defaultWith (fun e -> failwithf "refused: %A" e)

[<UnixFact("bash reads the .env file")>]
let ``a dotenv assignment reads back the same value in bash, and runs nothing`` () =
    Assert.NotEmpty carried

    for value in carried @ [ "`touch PWNED`$(touch PWNED2)"; "$(id>PWNED) `id>PWNED`" ] do
        use box = new Sandbox()
        Assert.Equal(value, readDotenvIn box.Root (dotenvLine value))
        Assert.Empty(Directory.GetFiles(box.Root, "PWNED*"))

[<DotenvFact>]
let ``a dotenv assignment reads back the same value in python-dotenv`` () =
    for value in carried @ [ "$HOME and $(id) and `id`"; "k$y" ] do
        Assert.Equal(value, readPythonDotenv (dotenvLine value))

[<Fact>]
let ``a dotenv assignment reads back the same value by docker compose's env_file rules`` () =
    for value in carried @ [ "${HOME} is not read here"; "$OTHER" ] |> List.filter (fun v -> not (v.Contains "${")) do
        Assert.Equal(value, readComposeEnvFile (dotenvLine value))

[<Fact>]
let ``a value no .env form carries for every reader is refused, naming the variable, never the value`` () =
    let refused value =
        match Export.lines ShellKind.Dotenv [ "CARTO_API_TOKEN", "fine"; "CARTO_API_KEY", value ] with
        | Error e -> e
        | Ok lines -> failwithf "written: %s" lines

    Assert.Equal(
        { Name = "CARTO_API_KEY"
          Shell = ShellKind.Dotenv
          Reason = Unquotable.QuoteOrBackslash },
        refused "it's"
    )

    Assert.Equal(Unquotable.QuoteOrBackslash, (refused "back\\slash").Reason)
    Assert.Equal(Unquotable.Interpolation, (refused "x${HOME}y").Reason)
    Assert.Equal(Unquotable.Control, (refused "two\nlines").Reason)
    Assert.Equal(Unquotable.Control, (refused "esc\u001b[2J").Reason)

    Assert.Equal(
        "CARTO_API_KEY cannot be written for --shell dotenv: its value holds ${, which python-dotenv expands; nothing was written (--shell sh writes any value)",
        ValueMessages.exportError (refused "a${b}")
    )

    // The POSIX shells, fish and PowerShell carry every value.
    for shell in [ ShellKind.Sh; ShellKind.Fish; ShellKind.Pwsh ] do
        for value in hostile @ [ "two\nlines"; "x${HOME}y" ] do
            Assert.True(Result.isOk (Export.lines shell [ "CARTO_API_KEY", value ]))

type WineFactAttribute() as this =
    inherit FactAttribute()

    do
        match CartoCreds.Testing.PrivateWine.missing with
        | Some reason -> this.Skip <- reason
        | None -> ()

/// The hostile values cmd's `set "NAME=value"` carries, and cmd's own metacharacters.
let private carriedByCmd =
    (hostile |> List.filter (fun v -> (Export.unquotable ShellKind.Cmd v).IsNone))
    @ [ "a&b|c<d>e^f (g) ;, =k"; "https://alice.carto.com/u/x?y=1&z=2" ]

[<WineFact>]
let ``a cmd assignment reads back the same value in Wine's cmd.exe`` () =
    use box = new Sandbox()
    let script = box.Path "read.cmd"

    let lines =
        [ "@echo off"
          for value in carriedByCmd do
              Export.assignment ShellKind.Cmd ("CARTOCREDS_EXPORT_TEST", value)
              "set CARTOCREDS_EXPORT_TEST" ]

    File.WriteAllText(script, String.concat "\r\n" lines + "\r\n")

    let code, output, errors =
        CartoCreds.Testing.PrivateWine.run "cmd.exe" [ "/c"; CartoCreds.Testing.PrivateWine.windowsPath script ] []

    Assert.True((code = 0), errors)

    let read =
        output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun line -> line.Substring("CARTOCREDS_EXPORT_TEST=".Length))

    Assert.Equal<string list>(carriedByCmd, List.ofArray read)

[<Fact>]
let ``cmd refuses what it would expand or end: %, !, a double quote, a line break`` () =
    let reason value =
        match Export.lines ShellKind.Cmd [ "CARTO_API_KEY", value ] with
        | Error e -> Some e.Reason
        | Ok _ -> None

    Assert.Equal(Some Unquotable.CmdExpansion, reason "100%x%")
    Assert.Equal(Some Unquotable.CmdExpansion, reason "bang!")
    Assert.Equal(Some Unquotable.DoubleQuote, reason "say \"hi\"")
    Assert.Equal(Some Unquotable.Control, reason "two\r\nlines")
    Assert.Equal(None, reason "a&b|c<d>e^f")
    Assert.Equal("set \"CARTO_API_KEY=a&b\"", Export.assignment ShellKind.Cmd ("CARTO_API_KEY", "a&b"))
    Assert.Equal(Some ShellKind.Cmd, Export.shellOf "cmd")

    Assert.Equal(
        "CARTO_API_KEY cannot be written for --shell cmd: its value holds % or !, which cmd expands even inside quotes; nothing was written (--shell sh writes any value)",
        ValueMessages.exportError
            { Name = "CARTO_API_KEY"
              Shell = ShellKind.Cmd
              Reason = Unquotable.CmdExpansion }
    )

[<Fact>]
let ``PowerShell's typographic single quotes are doubled as its own`` () =
    Assert.Equal(
        "$env:T = 'a\u2019\u2019; id; \u2018\u2018b'",
        Export.assignment ShellKind.Pwsh ("T", "a\u2019; id; \u2018b")
    )

type FishFactAttribute() as this =
    inherit FactAttribute()

    do
        if (installed "fish").IsNone then
            this.Skip <- "fish is not installed (apt-get install fish)"

type PwshFactAttribute() as this =
    inherit FactAttribute()

    do
        if (installed "pwsh").IsNone then
            this.Skip <- "PowerShell is not installed"

[<FishFact>]
let ``a fish assignment reads back the same value in fish`` () =
    for value in hostile do
        Assert.Equal(value, readBack ShellKind.Fish (installed "fish").Value value)

[<PwshFact>]
let ``a PowerShell assignment reads back the same value in pwsh`` () =
    for value in hostile do
        Assert.Equal(value, readBack ShellKind.Pwsh (installed "pwsh").Value value)

[<Fact>]
let ``each shell's assignment is written as that shell writes it`` () =
    let pair = "CARTO_API_TOKEN", "a'b"
    Assert.Equal("export CARTO_API_TOKEN='a'\\''b'", Export.assignment ShellKind.Sh pair)
    Assert.Equal("set -gx CARTO_API_TOKEN 'a\\'b'", Export.assignment ShellKind.Fish pair)
    Assert.Equal("$env:CARTO_API_TOKEN = 'a''b'", Export.assignment ShellKind.Pwsh pair)
    Assert.Equal("CARTO_API_TOKEN='a b'", Export.assignment ShellKind.Dotenv ("CARTO_API_TOKEN", "a b"))
    Assert.Equal(Some ShellKind.Fish, Export.shellOf "fish")
    Assert.Equal(None, Export.shellOf "csh")

/// Printable ASCII, as keys and tokens are, spaces included.
let private printable =
    Gen.choose (32, 126) |> Gen.map char |> Gen.arrayOf |> Gen.map String |> Arb.fromGen

[<Property(MaxTest = 40)>]
let ``any printable value survives sh`` () =
    Prop.forAll printable (fun value -> readBack ShellKind.Sh "/bin/sh" value = value)

[<Fact>]
let ``legacy credentials export SPEC 2's variables, the key whole; CARTO 3 its token and API base URL`` () =
    let credentials =
        Credentials.create
            { Username = Some "ana"
              ApiKey = Some "0123456789abcdef"
              BaseUrl = None
              AllowNonSecure = false }
        |> Result.defaultWith (fun e -> failwithf "%A" e)

    Assert.Equal<(string * string) list>(
        [ "CARTO_USERNAME", "ana"
          "CARTO_API_KEY", "0123456789abcdef"
          "CARTO_BASE_URL", "https://ana.carto.com" ],
        Export.legacy credentials
    )

    Assert.Equal<(string * string) list>(
        [ "CARTO_API_TOKEN", "tok"; "CARTO_API_BASE_URL", ApiBaseUrl.DefaultText ],
        Export.cloud "tok" ApiBaseUrl.defaultUrl
    )
