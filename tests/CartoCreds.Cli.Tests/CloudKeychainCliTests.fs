/// SPEC §11 for CARTO 3 at the command line, against gnome-keyring on a private session bus: a
/// profile saved or logged in with its token in the keychain, then shown, listed, used, migrated
/// both ways and deleted; the token printed only where it was asked for.
module CartoCreds.Cli.Tests.CloudKeychainCliTests

open System
open System.IO
open System.Text
open Xunit
open CartoCreds.Core.Tests.PrivateKeyring
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Testing

/// A JWT that expires at 2030-01-01 00:00 UTC (its signature is not read).
let private token =
    let part (text: string) =
        Convert.ToBase64String(Encoding.UTF8.GetBytes text).TrimEnd('=').Replace('+', '-').Replace('/', '_')

    part """{"alg":"none"}""" + "." + part """{"exp":1893456000}""" + ".keychain-signature-0001"

let private on (bus: Bus) (home: Home) (variables: (string * string) list) (stdin: string option) (args: string list) =
    runWith inProcess home ([ "DBUS_SESSION_BUS_ADDRESS", bus.Address ] @ variables) stdin args

/// The profile-token items secret-tool finds: what it prints, and how many.
let private items (bus: Bus) =
    let _, found, errors =
        bus.Run "secret-tool" [ "search"; "--all"; "service"; "cartocreds"; "kind"; "profile-token" ] ""

    let output = found + errors
    output, output.Split('\n') |> Array.filter (fun l -> l.StartsWith "label = ") |> Array.length

let private noToken (run: Run) = Assert.DoesNotContain("keychain-signature-0001", run.Out + run.Err)

[<KeyringFact>]
let ``with the keychain store, cloud save keeps the token there; show, show --all, token, list, migrate and delete follow it``
    ()
    =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let run = on bus home []
    let cli = home.Path ".carto_credentials.json"
    Assert.Equal(0, (run None [ "config"; "store"; "keychain" ]).Code)

    let saved =
        run (Some token) [ "cloud"; "save"; "--profile"; "eu"; "--tenant-id"; "gcp-europe-west1"; "--token-stdin" ]

    Assert.True((saved.Code = 0), saved.Err)
    Assert.StartsWith("Saved CloudCredentials(token=****0001", saved.Out)
    Assert.EndsWith(" to " + cli + " (profile eu)\n", saved.Out)
    Assert.Contains("note: the token of profile eu is in the keychain (Secret Service)", saved.Err)
    Assert.Contains("the CARTO CLI will not find the token", saved.Err)
    Assert.DoesNotContain("keychain-signature-0001", File.ReadAllText cli)
    Assert.Equal(1, snd (items bus))

    let shown = run None [ "cloud"; "show" ]
    Assert.True((shown.Code = 0), shown.Err)
    Assert.Contains(cli + " and the keychain (Secret Service), profile eu", shown.Out)
    Assert.Contains("https://gcp-europe-west1.api.carto.com", shown.Out)

    let all = run None [ "cloud"; "show"; "--all" ]
    Assert.Contains("the keychain (Secret Service)", all.Out)

    // The token itself, where it was asked for.
    let printed = run None [ "cloud"; "token" ]
    Assert.True((printed.Code = 0), printed.Err)
    Assert.Equal(token + "\n", printed.Out)

    let listed = run None [ "cloud"; "list" ]
    Assert.Contains("https://gcp-europe-west1.api.carto.com", listed.Out)
    Assert.Contains("2030-01-01 00:00 UTC", listed.Out)

    // Migrated to the file: the token back in the CARTO CLI file, no item left.
    let toFile = run None [ "config"; "store"; "migrate"; "--to"; "file" ]
    Assert.True((toFile.Code = 0), toFile.Err)
    Assert.Contains("Moved the tokens of profiles eu from the keychain (Secret Service) to " + cli, toFile.Out)
    Assert.Contains(token, File.ReadAllText cli)
    Assert.Equal(0, snd (items bus))

    let fromFile = run None [ "cloud"; "show" ]
    Assert.Contains(cli + ", profile eu", fromFile.Out)
    Assert.DoesNotContain("and the keychain", fromFile.Out)

    // And back to the keychain.
    let toKeychain = run None [ "config"; "store"; "migrate"; "--to"; "keychain" ]
    Assert.True((toKeychain.Code = 0), toKeychain.Err)
    Assert.Contains("Moved the tokens of profiles eu from " + cli + " to the keychain (Secret Service)", toKeychain.Out)
    Assert.DoesNotContain("keychain-signature-0001", File.ReadAllText cli)
    Assert.Equal(1, snd (items bus))
    Assert.Equal(token + "\n", (run None [ "cloud"; "token" ]).Out)

    let deleted = run None [ "cloud"; "delete"; "--profile"; "eu" ]
    Assert.Equal("Deleted profile eu from " + cli + "\n", deleted.Out)
    Assert.Equal(0, snd (items bus))

    for r in [ saved; shown; all; listed; toFile; fromFile; toKeychain; deleted ] do
        noToken r

[<KeyringFact>]
let ``--store keychain on cloud save applies to that save; with --file it is refused; no bus changes nothing`` () =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let cli = home.Path ".carto_credentials.json"

    let saved = on bus home [] (Some token) [ "cloud"; "save"; "--token-stdin"; "--store"; "keychain" ]

    Assert.True((saved.Code = 0), saved.Err)
    Assert.Contains("is in the keychain (Secret Service)", saved.Err)
    let written = File.ReadAllText cli
    Assert.DoesNotContain("keychain-signature-0001", written)

    // The setting is still the file: the keychain is not asked, and the error says how to choose it.
    let shown = on bus home [] None [ "cloud"; "show" ]
    Assert.Equal(1, shown.Code)
    Assert.Contains("cartocreds config store keychain", shown.Err)
    Assert.Equal(0, (on bus home [ "CARTOCREDS_STORE", "keychain" ] None [ "cloud"; "show" ]).Code)

    let refused =
        on
            bus
            home
            []
            (Some token)
            [ "cloud"; "save"; "--token-stdin"; "--store"; "keychain"; "--file"; home.Path "x.json" ]

    Assert.Equal(2, refused.Code)
    Assert.Contains("a --file save writes that file", refused.Err)

    let noBus =
        runWith
            inProcess
            home
            [ "CARTOCREDS_STORE", "keychain" ]
            (Some token)
            [ "cloud"; "save"; "--token-stdin"; "--profile"; "other" ]

    Assert.Equal(1, noBus.Code)
    Assert.Contains("no D-Bus session bus", noBus.Err)
    Assert.Contains("nothing was changed", noBus.Err)
    Assert.Equal(written, File.ReadAllText cli)

    for r in [ saved; shown; refused; noBus ] do
        noToken r

[<KeyringFact>]
let ``cloud login --store keychain saves the profile with its token in the keychain`` () =
    use bus = new Bus(keyring = true)
    use home = new Home()
    use server = new CartoServer()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))

    let variables =
        [ "CARTO_AUTH_URL", server.Url
          "CARTO_ACCOUNTS_URL", server.Url
          "BROWSER", "curl -s -L -o /dev/null --max-time 10 --max-redirs 5" ]

    let r =
        on
            bus
            home
            variables
            None
            [ "cloud"
              "login"
              "--profile"
              "stand-in"
              "--port"
              string (CartoServer.FreePort())
              "--timeout"
              "30"
              "--store"
              "keychain" ]

    Assert.True((r.Code = 0), r.Err)
    Assert.Contains("saved as profile stand-in in " + home.Path ".carto_credentials.json", r.Out)
    Assert.Contains("note: the token of profile stand-in is in the keychain (Secret Service)", r.Err)

    use json = Text.Json.JsonDocument.Parse(File.ReadAllText(home.Path ".carto_credentials.json"))
    let profile = json.RootElement.GetProperty("profiles").GetProperty("stand-in")
    Assert.False(profile.TryGetProperty("token") |> fst)
    Assert.Equal("alice@example.com", profile.GetProperty("user_email").GetString())
    Assert.True(profile.TryGetProperty("expires_at") |> fst)

    let output, count = items bus
    Assert.Equal(1, count)
    Assert.Contains("attribute.url = " + server.Url, output)

    // The token the keychain holds is the one the server issued, and it verifies.
    let status =
        on bus home [ "CARTO_ACCOUNTS_URL", server.Url; "CARTOCREDS_STORE", "keychain" ] None [ "cloud"; "status" ]

    Assert.True((status.Code = 0), status.Err)
    Assert.Contains("alice@example.com", status.Out)
