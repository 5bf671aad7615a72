/// SPEC §6's `cartocreds status` and `cartocreds cloud status` against the loopback CARTO stand-in:
/// the account and the origin (table or JSON), exit 0 verified, 1 rejected or not found, 3 unreachable,
/// and no key or token in any output.
module CartoCreds.Cli.Tests.StatusCliTests

open System
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Cli.Tests.CliTests
open CartoCreds.Testing

let private legacy (server: CartoServer) (key: string) = [ "CARTO_BASE_URL", server.Url; "CARTO_API_KEY", key ]

/// A credentials file of the stand-in's account (http, so allowed in the file); its path.
let standInFile (home: Home) (server: CartoServer) =
    let file = home.Path "creds.json"

    IO.File.WriteAllText(
        file,
        "{\"api_key\": \""
        + server.Account.ApiKey
        + "\", \"base_url\": \""
        + server.Url
        + "\", \"allow_non_secure\": true}"
    )

    file

[<Theory; InProcess>]
let ``status verifies the key and prints the account and where the credentials came from`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    // An http base URL needs allow_non_secure: a saved file carries it.
    let file = home.Path "creds.json"

    IO.File.WriteAllText(
        file,
        "{\"username\": \"alice\", \"api_key\": \""
        + server.Account.ApiKey
        + "\", \"base_url\": \""
        + server.Url
        + "\", \"allow_non_secure\": true}"
    )

    let r = runWith (byName build) home [] None [ "status"; "--file"; file ]
    Assert.True((r.Code = 0), r.Err)

    Assert.Equal(
        String.concat
            "\n"
            [ "status            verified"
              "username          alice"
              "user_id           " + server.Account.LegacyUserId
              "api_key           ****0001"
              "base_url          " + server.Url
              "allow_non_secure  true"
              "origin            File (" + file + ")" ]
        + "\n",
        r.Out
    )

    let json = runWith (byName build) home [] None [ "status"; "--file"; file; "--json" ]
    Assert.Equal(0, json.Code)
    Assert.Contains("\"verified\": true", json.Out)
    Assert.Contains("\"username\": \"alice\"", json.Out)
    Assert.Contains("\"layer\": \"File\"", json.Out)
    // A boolean, as show --json writes it, not the text "true".
    Assert.True(Text.Json.JsonDocument.Parse(json.Out).RootElement.GetProperty("allow_non_secure").GetBoolean())

    for output in [ r.Out; r.Err; json.Out; json.Err ] do
        Assert.DoesNotContain(server.Account.ApiKey, output)

[<Theory; InProcess>]
let ``status exits 1 when CARTO rejects the key or finds no account, 3 when it cannot be reached`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    let key = "a-wrong-key-status-0002"
    let file = home.Path "creds.json"

    let write url =
        IO.File.WriteAllText(
            file,
            "{\"api_key\": \"" + key + "\", \"base_url\": \"" + url + "\", \"allow_non_secure\": true}"
        )

    write server.Url
    let rejected = runWith (byName build) home [] None [ "status"; "--file"; file ]
    Assert.Equal(1, rejected.Code)
    Assert.Equal("", rejected.Out)
    Assert.Contains("CARTO rejected the credentials (HTTP 401) at " + server.Url + "/api/v3/me", rejected.Err)

    server.Answer <- fun _ -> Answer.Json 404 "{}"
    let missing = runWith (byName build) home [] None [ "status"; "--file"; file ]
    Assert.Equal(1, missing.Code)
    Assert.Contains("no such account", missing.Err)

    let closed = CartoServer.ClosedUrl()

    write closed
    let unreachable = runWith (byName build) home [] None [ "status"; "--file"; file ]
    Assert.Equal(3, unreachable.Code)
    Assert.Contains("could not be reached at " + closed + "/api/v3/me", unreachable.Err)

    for r in [ rejected; missing; unreachable ] do
        Assert.DoesNotContain(key, r.Out + r.Err)
        noStackTrace r

[<Theory; InProcess>]
let ``status with nothing found exits 1 and says how to save credentials`` (build: string) =
    use home = new Home()
    let r = run (byName build) home [ "status" ]
    Assert.Equal(1, r.Code)
    Assert.Contains("cartocreds save", r.Err)

[<Theory; InProcess>]
let ``cloud status exchanges client credentials and prints the CARTO 3 account`` (build: string) =
    use home = new Home()
    use server = new CartoServer()

    let variables =
        [ "CARTO_CLIENT_ID", server.Account.ClientId
          "CARTO_CLIENT_SECRET", server.Account.ClientSecret
          "CARTO_AUTH_URL", server.Url
          "CARTO_ACCOUNTS_URL", server.Url ]

    let r = runWith (byName build) home variables None [ "cloud"; "status" ]
    Assert.True((r.Code = 0), r.Err)

    Assert.Equal(
        String.concat
            "\n"
            [ "status         verified"
              "user_id        " + server.Account.UserId
              "email          " + server.Account.Email
              "tenant_domain  " + server.Account.TenantDomain
              "kind           client credentials"
              "client_id      " + server.Account.ClientId
              "client_secret  ****0001"
              "api_base_url   https://gcp-us-east1.api.carto.com"
              "origin         Environment (CARTO_CLIENT_ID, CARTO_CLIENT_SECRET)" ]
        + "\n",
        r.Out
    )

    let json = runWith (byName build) home variables None [ "cloud"; "status"; "--json" ]
    Assert.Equal(0, json.Code)
    Assert.Contains("\"tenant_domain\": \"" + server.Account.TenantDomain + "\"", json.Out)
    // The second run took its token from the disk cache: one exchange in all.
    Assert.Equal(1, server.Account.IssuedCount)

    for output in [ r.Out; r.Err; json.Out; json.Err ] do
        Assert.DoesNotContain(server.Account.ClientSecret, output)
        Assert.DoesNotContain("stand-in-token-0001", output)

[<Theory; InProcess>]
let ``cloud status exits 1 for a refused token, 3 for an unreachable service`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    let token = "revoked-token-status-0003"

    let refused =
        runWith
            (byName build)
            home
            [ "CARTO_API_TOKEN", token; "CARTO_ACCOUNTS_URL", server.Url ]
            None
            [ "cloud"; "status" ]

    Assert.Equal(1, refused.Code)
    Assert.Contains("CARTO rejected the credentials (HTTP 401) at " + server.Url + "/users/me", refused.Err)

    let closed = CartoServer.ClosedUrl()

    let unreachable =
        runWith
            (byName build)
            home
            [ "CARTO_CLIENT_ID", "m2m-client"
              "CARTO_CLIENT_SECRET", "wrong-secret-0003"
              "CARTO_AUTH_URL", closed ]
            None
            [ "cloud"; "status" ]

    Assert.Equal(3, unreachable.Code)
    Assert.Contains("could not be reached at " + closed + "/oauth/token", unreachable.Err)

    let wrongSecret =
        runWith
            (byName build)
            home
            [ "CARTO_CLIENT_ID", "m2m-client"
              "CARTO_CLIENT_SECRET", "wrong-secret-0003"
              "CARTO_AUTH_URL", server.Url ]
            None
            [ "cloud"; "status" ]

    Assert.Equal(1, wrongSecret.Code)
    Assert.Contains("rejected the credentials (HTTP 401) at " + server.Url + "/oauth/token", wrongSecret.Err)

    for r in [ refused; unreachable; wrongSecret ] do
        Assert.DoesNotContain(token, r.Out + r.Err)
        Assert.DoesNotContain("wrong-secret-0003", r.Out + r.Err)
        noStackTrace r

[<UnixTheory; Managed; Aot>]
let ``status and cloud status verify as a process of each build`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    server.Account.AcceptToken "access-token-process-0004"

    let file = standInFile home server

    let legacy = runWith (byName build) home [] None [ "status"; "--file"; file; "--json" ]
    Assert.True((legacy.Code = 0), legacy.Err)
    Assert.Contains("\"user_id\": \"" + server.Account.LegacyUserId + "\"", legacy.Out)
    Assert.DoesNotContain(server.Account.ApiKey, legacy.Out + legacy.Err)

    let cloud =
        runWith
            (byName build)
            home
            [ "CARTO_API_TOKEN", "access-token-process-0004"; "CARTO_ACCOUNTS_URL", server.Url ]
            None
            [ "cloud"; "status"; "--json" ]

    Assert.True((cloud.Code = 0), cloud.Err)
    Assert.Contains("\"user_id\": \"" + server.Account.UserId + "\"", cloud.Out)
    Assert.DoesNotContain("access-token-process-0004", cloud.Out + cloud.Err)
