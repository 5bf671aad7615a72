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
/// files are most often loaded into a shell.
let private readDotenv (value: string) =
    use box = new Sandbox()
    let file = box.Path ".env"
    File.WriteAllText(file, Export.assignment ShellKind.Dotenv ("CARTOCREDS_EXPORT_TEST", value) + "\n")

    let code, output, errors =
        Processes.run "bash" [ "-c"; "set -a; . \"$1\"; printf '%s' \"$CARTOCREDS_EXPORT_TEST\""; "bash"; file ]

    Assert.True((code = 0), errors)
    output

[<UnixFact("POSIX shells")>]
let ``an sh assignment reads back the same value in sh, dash and bash`` () =
    for program in [ "sh"; "dash"; "bash" ] do
        match installed program with
        | Some path ->
            for value in hostile do
                Assert.Equal(value, readBack ShellKind.Sh path value)
        | None -> Assert.True(program <> "sh" && program <> "bash", program + " is missing")

[<UnixFact("bash reads the .env file")>]
let ``a dotenv assignment reads back the same value, single-quoted or, with a quote, double-quoted`` () =
    for value in hostile do
        Assert.Equal(value, readDotenv value)

    Assert.Equal("CARTO_API_KEY='k$y'", Export.assignment ShellKind.Dotenv ("CARTO_API_KEY", "k$y"))
    Assert.Equal("CARTO_API_KEY=\"it's \\$x\"", Export.assignment ShellKind.Dotenv ("CARTO_API_KEY", "it's $x"))

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
    Assert.Equal("CARTO_API_TOKEN=\"a'b\"", Export.assignment ShellKind.Dotenv pair)
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
