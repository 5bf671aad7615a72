/// SPEC §1 and §2: no message shows a secret, and a refused value is shown bounded and escaped.
module CartoCreds.Core.Tests.SecurityTests

open System
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

/// Where a secret sits in a URL.
type Place =
    | UserInfo
    | Query
    | Fragment
    | Path

/// A URL that carries a secret somewhere no error may show, and is refused for some reason.
type SecretUrl = { Url: string; Secret: string; Place: Place }

let private secretUrl: Gen<SecretUrl> =
    gen {
        let! secret = secretKeyText
        let! place = Gen.elements [ UserInfo; Query; Fragment; Path ]
        let! scheme = Gen.elements [ "https://"; "http://"; "HTTP://"; "ftp://"; ""; "javascript://" ]
        let! host = Gen.elements [ "john.carto.com"; "JOHN.carto.com:8443"; "a b.com"; ""; "%65vil.com"; "[::1" ]
        let! path = Gen.elements [ ""; "/api/v2/sql"; "/a b" ]

        let url =
            match place with
            | UserInfo -> scheme + "john:" + secret + "@" + host + path
            | Query -> scheme + host + path + "?api_key=" + secret
            | Fragment -> scheme + host + path + "#" + secret
            | Path -> scheme + host + "/" + secret + path + "?q"

        return { Url = url; Secret = secret; Place = place }
    }

let private messagesOf (url: string) : string list =
    [ yield!
          [ false; true ]
          |> List.choose (fun allow ->
              match BaseUrl.create allow url with
              | Error e -> Some(ValueMessages.valueError e)
              | Ok _ -> None)
      match Resolve.fromArguments { Arguments.None with BaseUrl = Some url } with
      | Error e -> Messages.resolveError e
      | Ok _ -> ()
      // A URL where a username is expected (DefaultCredentials.Set's first argument without a scheme).
      match Username.create url with
      | Error e -> ValueMessages.valueError e
      | Ok _ -> ()
      match
          Resolve.first
              [ Layer.Environment,
                (fun () -> Resolve.environmentLayer (fun name -> if name = Variables.BaseUrl then Some url else None)) ]
      with
      | Error e -> Messages.resolveError e
      | Ok _ -> () ]

[<Property(MaxTest = 500)>]
let ``no error about a base URL shows a secret in its user-info, query, fragment or path`` () =
    Prop.forAll (Arb.fromGen secretUrl) (fun case ->
        let messages = messagesOf case.Url

        // Not even its first 6 characters.
        let part = case.Secret.Substring(0, 8)

        (not messages.IsEmpty && messages |> List.forall (fun m -> not (m.Contains part)))
        |@ $"%A{case.Url}: %A{messages}"
        |> Prop.classify true (string case.Place))

[<Fact>]
let ``the reported URLs of the review show no key`` () =
    for url in
        [ "http://john.carto.com/api/v2/sql?api_key=SECRETSECRETSECRET"
          "http://john:SECRETSECRETSECRET@host"
          "john.carto.com/api/v2/sql?api_key=SECRETSECRETSECRET"
          "ftp://john.carto.com?api_key=SECRETSECRETSECRET" ] do
        for message in messagesOf url do
            Assert.DoesNotContain("SECRET", message)

let private jwt: Gen<string> =
    let part =
        Gen.choose (4, 60)
        |> Gen.bind (fun n ->
            Gen.arrayOfLength n (Gen.elements ([ 'a' .. 'z' ] @ [ 'A' .. 'Z' ] @ [ '0' .. '9' ] @ [ '-'; '_' ]))
            |> Gen.map String)

    Gen.map3 (fun a b c -> "eyJ" + a + "." + b + "." + c) part part part

/// Any text at all, of any length up to 100 KB, with control and format characters in it.
let private anyText: Gen<string> =
    Gen.oneof
        [ ArbMap.defaults |> ArbMap.generate<string> |> Gen.map (fun s -> if isNull s then "" else s)
          Gen.choose (41, 100_000) |> Gen.map (fun n -> String('x', n))
          Gen.elements [ "a\u001b[31mred"; "ab\u202Ecd"; "a\u0000b"; "x\u200By" ] ]

let private bounded (message: string) =
    message.Length < 400
    && not (
        message
        |> Seq.exists (fun c -> Char.IsControl c || Char.GetUnicodeCategory c = Globalization.UnicodeCategory.Format)
    )

[<Property(MaxTest = 300)>]
let ``a refused username is shown bounded and escaped, and never when it looks like a token`` () =
    Prop.forAll (Arb.fromGen (Gen.oneof [ anyText; jwt ])) (fun text ->
        match Username.create text with
        | Ok _ -> true |> Prop.classify true "accepted"
        | Error e ->
            let message = ValueMessages.valueError e

            (bounded message && (not (Refused.looksLikeToken text) || not (message.Contains text))) |@ $"%A{message}"
            |> Prop.classify (Refused.looksLikeToken text) "token")

[<Spec>]
let ``a refused key is never shown, only the kind and position of the character`` (SecretKey key) =
    Prop.forAll (Arb.fromGen invalidApiKeyText) (fun bad ->
        match ApiKey.create (key + bad) with
        | Error e ->
            let message = ValueMessages.valueError e
            (not (message.Contains key) && not (message.Contains(bad.Trim())) && bounded message) |@ message
        | Ok _ -> false |@ "accepted")

[<Fact>]
let ``a 100 KB username gives a short message`` () =
    let message =
        Messages.resolveError (
            Resolve.fromArguments { Arguments.None with Username = Some(String('a', 100_000)) } |> error
        )

    Assert.Equal(
        "Invalid credentials in Arguments (username): username '"
        + String('a', 40)
        + "…' is 100000 characters long; a username has at most 63.",
        message
    )

[<Fact>]
let ``escape sequences in a file's username reach no terminal`` () =
    let file = """{"username": "evil\u001b]0;pwned\u0007", "api_key": "k"}"""

    let message =
        Messages.resolveError (
            Resolve.first
                [ Layer.File,
                  (fun () ->
                      Resolve.fileLayer (
                          Some(fun () ->
                              { Path = "/t/team.json"
                                Content = Ok(ReadOnlyMemory(Encoding.UTF8.GetBytes file))
                                Exposure = None })
                      )) ]
            |> error
        )

    Assert.Equal(
        "Invalid credentials in File (/t/team.json): field \"username\" 'evil\\u001B]0;pwned\\u0007' contains U+001B; a username uses only letters, digits, '_' and '-'.",
        message
    )

/// Hosts as an attacker or a typo would write them: letters, digits and every character that
/// changes how a URL parser reads a host.
let private hostish: Gen<string> =
    let piece =
        Gen.oneof
            [ Gen.elements [ "a"; "carto"; "com"; "x-y"; "a_b"; "1"; "127"; "0"; "255"; "256"; "0x7f"; "01" ]
              Gen.elements [ "."; "."; ":"; "%"; "%65"; "%40"; "@"; "&"; "["; "]"; "::"; "::1"; "\\"; "-"; "~"; "!" ] ]

    Gen.choose (1, 8) |> Gen.bind (fun n -> Gen.listOfLength n piece) |> Gen.map (String.concat "")

let private hostishUrl: Gen<string> =
    Gen.map3
        (fun host port path -> "https://" + host + port + path)
        hostish
        (Gen.elements [ ""; ":1"; ":8443"; ":0"; ":65535"; ":65536"; ":" ])
        (Gen.elements [ ""; "/"; "/u/ana"; "/a%20b/" ])

[<Property(MaxTest = 2000)>]
let ``every accepted base URL is read the same by System.Uri, and round-trips`` () =
    Prop.forAll (Arb.fromGen hostishUrl) (fun text ->
        match BaseUrl.create false text with
        | Error _ -> true |> Prop.classify true "refused"
        | Ok accepted ->
            let value = BaseUrl.value accepted

            match Uri.TryCreate(value, UriKind.Absolute) with
            | true, uri ->
                let host = if uri.HostNameType = UriHostNameType.IPv6 then uri.Host else uri.IdnHost

                (host = value.Substring(8, host.Length)
                 && BaseUrl.create false value = Ok accepted
                 && (uri.IsDefaultPort || value.Contains(":" + string uri.Port)))
                |@ $"%A{text} -> %A{value}, System.Uri: %A{uri.Host}:%d{uri.Port}"
                |> Prop.classify true "accepted"
            | _ -> false |@ $"%A{text} -> %A{value}: System.Uri refuses it")

/// Python's reading of each URL: `host port path` a line, or `error` where urlsplit refuses it.
let private pythonReads (urls: string list) : string list option =
    let script =
        "import sys, urllib.parse\n"
        + "for line in sys.stdin.read().splitlines():\n"
        + "    try:\n"
        + "        u = urllib.parse.urlsplit(line)\n"
        + "        print(u.hostname, u.port or '', u.path)\n"
        + "    except ValueError:\n"
        + "        print('error')\n"

    try
        let info =
            Diagnostics.ProcessStartInfo(
                "python3",
                [ "-c"; script ],
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false
            )

        use proc = Diagnostics.Process.Start info
        let output = proc.StandardOutput.ReadToEndAsync()
        proc.StandardInput.Write(String.concat "\n" urls)
        proc.StandardInput.Close()

        if proc.WaitForExit 30_000 && proc.ExitCode = 0 then
            Some(output.Result.TrimEnd('\n').Split('\n') |> List.ofArray)
        else
            None
    with :? ComponentModel.Win32Exception ->
        None

/// A fact that needs `python3` on the PATH, skipped with the reason where there is none.
type PythonFactAttribute() as this =
    inherit FactAttribute()

    do
        let path = Environment.GetEnvironmentVariable "PATH" |> Option.ofObj |> Option.defaultValue ""

        if
            not (
                path.Split IO.Path.PathSeparator
                |> Array.exists (fun dir -> IO.File.Exists(IO.Path.Combine(dir, "python3")))
            )
        then
            this.Skip <- "python3 is not on the PATH: Python's reading of base URLs cannot be compared"

[<PythonFact>]
let ``every accepted base URL is read the same by Python's urllib.parse`` () =
    let accepted =
        Gen.sampleWithSize 30 3000 hostishUrl
        |> Seq.distinct
        |> Seq.choose (fun text -> BaseUrl.create false text |> Result.toOption)
        |> Seq.map BaseUrl.value
        |> List.ofSeq

    Assert.True(accepted.Length > 50, $"only {accepted.Length} URLs accepted: the generator is too narrow")

    match pythonReads accepted with
    | None -> failwith "python3 did not run"
    | Some readings ->
        let expected =
            accepted
            |> List.map (fun url ->
                let uri = Uri url
                let host = uri.Host.Trim('[', ']')
                host + " " + (if uri.IsDefaultPort then "" else string uri.Port) + " " + uri.AbsolutePath.TrimEnd '/')

        let normalized =
            readings
            |> List.map (fun line ->
                let parts = line.Split ' ' in

                if parts.Length = 3 then
                    parts[0] + " " + parts[1] + " " + parts[2].TrimEnd '/'
                else
                    line)

        Assert.Equal<string list>(expected, normalized)
