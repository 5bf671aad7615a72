/// `--verbose` (SPEC §10 on the command line): the library's log on stderr from Debug up, the same
/// in-process and in both builds, and no key, token or secret in it in any scenario run here:
/// every legacy layer, an invalid one, CARTO 3 credentials exchanged and read from the disk cache,
/// verified, refused, unreachable.
module CartoCreds.Cli.Tests.VerboseTests

open System
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Testing

let private key = "verbose-api-key-0123456789"

/// No secret of the scenario, nor the first 12 characters of one, in the output.
let private assertSecretFree (secrets: string list) (output: string) =
    for secret in secrets do
        Assert.DoesNotContain(secret, output)
        Assert.DoesNotContain(secret.Substring(0, 12), output)

[<Theory; InProcess; Managed; Aot>]
let ``--verbose writes each layer tried and the one used to stderr, before or after the command`` (build: string) =
    use home = new Home()
    let variables = [ "CARTO_USERNAME", "ana"; "CARTO_API_KEY", key ]

    let before = runWith (byName build) home variables None [ "--verbose"; "show" ]
    let after = runWith (byName build) home variables None [ "show"; "--verbose" ]
    let quiet = runWith (byName build) home variables None [ "show" ]

    for r in [ before; after ] do
        Assert.True((r.Code = 0), r.Err)
        Assert.Equal(quiet.Out, r.Out)

        Assert.Equal(
            String.concat
                "\n"
                [ "debug: Explicit: absent, none given; the next layer is tried"
                  "debug: Arguments: absent, no username or base URL given; the next layer is tried"
                  "debug: File: absent, none given; the next layer is tried"
                  "info: Credentials from Environment (CARTO_USERNAME, CARTO_API_KEY): Credentials(username=ana, api_key=****6789, base_url=https://ana.carto.com)" ]
            + "\n",
            r.Err
        )

        assertSecretFree [ key ] (r.Out + r.Err)

    // Without it, stderr says nothing.
    Assert.Equal("", quiet.Err)

[<Theory; InProcess; Aot>]
let ``--verbose says nothing secret in any scenario: layers, invalid values, exchanges, the disk cache, failures``
    (build: string)
    =
    use home = new Home()
    use server = new CartoServer()
    let file = StatusCliTests.standInFile home server

    let cloud =
        [ "CARTO_CLIENT_ID", server.Account.ClientId
          "CARTO_CLIENT_SECRET", server.Account.ClientSecret
          "CARTO_AUTH_URL", server.Url
          "CARTO_ACCOUNTS_URL", server.Url ]

    let scenarios =
        [ [], [ "show"; "--file"; file; "--verbose" ]
          [], [ "status"; "--file"; file; "--verbose" ]
          [ "CARTO_BASE_URL", "ftp://nowhere"; "CARTO_API_KEY", key ], [ "show"; "--verbose" ]
          [ "CARTO_USERNAME", "ana"; "CARTO_API_KEY", key ], [ "show"; "--json"; "--verbose" ]
          [], [ "show"; "--verbose" ]
          cloud, [ "cloud"; "status"; "--verbose" ]
          // The second run reads the token from the disk cache.
          cloud, [ "cloud"; "status"; "--verbose" ]
          [ "CARTO_API_TOKEN", "verbose-token-0123456789abc" ], [ "cloud"; "show"; "--verbose" ]
          [ "CARTO_CLIENT_ID", "verbose-client"
            "CARTO_CLIENT_SECRET", "verbose-secret-0123456789"
            "CARTO_AUTH_URL", CartoServer.ClosedUrl() ],
          [ "cloud"; "status"; "--verbose"; "--timeout"; "5" ] ]

    let runs =
        [ for variables, args in scenarios do
              runWith (byName build) home variables None args ]

    let errs = runs |> List.map _.Err
    Assert.Contains("info: Credentials from File (" + file + ")", errs[0])
    Assert.Contains("debug: Resolution failed: Invalid credentials in Environment", errs[2])
    Assert.Contains("info: Token exchanged for client " + server.Account.ClientId + " at " + server.Url, errs[5])
    Assert.Contains("info: Token for client " + server.Account.ClientId + " read from the disk cache ", errs[6])
    Assert.Contains("warning: Token exchange for client verbose-client failed: ", errs[8])
    Assert.Equal(1, server.Account.IssuedCount)

    let secrets =
        [ key
          server.Account.ApiKey
          server.Account.ClientSecret
          "stand-in-token-0001"
          "verbose-token-0123456789abc"
          "verbose-secret-0123456789" ]

    for r in runs do
        assertSecretFree secrets r.Err

[<Fact>]
let ``--verbose is listed in the help of the tool`` () =
    use home = new Home()
    let r = run inProcess home [ "show"; "--help" ]
    Assert.Contains("--verbose", r.Out)
