/// SPEC §12's `cartocreds cloud tokens`: create, list and delete against the loopback stand-in of
/// CARTO's Tokens API, in process and as a process of each build; usage errors (exit 2) and failed
/// checks (exit 1) send nothing; an unreachable service exits 3; no token in any error.
module CartoCreds.Cli.Tests.TokensCliTests

open System
open System.IO
open System.Text.Json
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Cli.Tests.CliTests
open CartoCreds.Testing

let private client (server: CartoServer) =
    [ "CARTO_CLIENT_ID", server.Account.ClientId
      "CARTO_CLIENT_SECRET", server.Account.ClientSecret
      "CARTO_AUTH_URL", server.Url
      "CARTO_API_BASE_URL", server.Url ]

let private tokensSent (server: CartoServer) =
    server.Received |> List.filter (fun r -> r.Path.StartsWith("/v3/tokens", StringComparison.Ordinal))

[<Theory; InProcess; Managed; Aot>]
let ``cloud tokens create prints the token alone on stdout, its grants on stderr, and sends CARTO's body``
    (build: string)
    =
    use home = new Home()
    use server = new CartoServer()

    let r =
        runWith
            (byName build)
            home
            (client server)
            None
            [ "cloud"
              "tokens"
              "create"
              "--grant"
              "carto_dw=project.dataset.airports"
              "--grant"
              "carto_dw=SELECT a = 1 FROM t"
              "--api"
              "maps,SQL"
              "--referer"
              "https://maps.example.com/"
              "--expires"
              "2031-01-02T03:04:05Z" ]

    Assert.True((r.Code = 0), r.Err)
    let token = r.Out.TrimEnd '\n'
    Assert.Equal(token + "\n", r.Out)
    Assert.True(server.Account.ApiTokens.ContainsKey token)
    Assert.Contains("carto_dw=project.dataset.airports", r.Err)
    Assert.Contains("APIs maps, sql", r.Err)
    Assert.Contains("expires 2031-01-02 03:04 UTC", r.Err)
    Assert.DoesNotContain(token, r.Err)

    let post = tokensSent server |> List.exactlyOne
    use body = JsonDocument.Parse post.Body
    let root = body.RootElement
    Assert.Equal("SELECT a = 1 FROM t", (root.GetProperty("grants").[1].GetProperty("source").GetString()))
    Assert.Equal("sql", (root.GetProperty("allowed_apis").[1].GetString()))
    Assert.Equal("https://maps.example.com", (root.GetProperty("referers").[0].GetString()))
    Assert.Equal("2031-01-02T03:04:05Z", root.GetProperty("expiration_date").GetString())

    // Nothing of it on disk.
    for file in Directory.EnumerateFiles(home.Root, "*", SearchOption.AllDirectories) do
        Assert.DoesNotContain(token, File.ReadAllText file)

[<Theory; InProcess>]
let ``create --json, list masked or revealed, and delete from standard input`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    let run = runWith (byName build) home (client server)

    let created = run None [ "cloud"; "tokens"; "create"; "--grant"; "c=*"; "--api"; "maps"; "--json" ]
    Assert.True((created.Code = 0), created.Err)
    use json = JsonDocument.Parse created.Out
    let token = json.RootElement.GetProperty("token").GetString()
    Assert.Equal("c", (json.RootElement.GetProperty("grants").[0].GetProperty("connection_name").GetString()))
    Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("expires_at").ValueKind)

    let listed = run None [ "cloud"; "tokens"; "list" ]
    Assert.Equal(0, listed.Code)
    Assert.Contains("****" + token.Substring(token.Length - 4), listed.Out)
    Assert.DoesNotContain(token, listed.Out)
    Assert.Contains("never", listed.Out)

    let revealed = run None [ "cloud"; "tokens"; "list"; "--json"; "--reveal" ]
    use all = JsonDocument.Parse revealed.Out
    Assert.Equal(token, (all.RootElement.[0].GetProperty("token").GetString()))

    let deleted = run (Some(token + "\n")) [ "cloud"; "tokens"; "delete"; "-" ]
    Assert.True((deleted.Code = 0), deleted.Err)
    Assert.Empty(server.Account.ApiTokens)
    Assert.Equal("DELETE", (List.last server.Received).Method)

    let again = run (Some(token + "\n")) [ "cloud"; "tokens"; "delete"; "-" ]
    Assert.Equal(1, again.Code)
    Assert.Contains("no such token", again.Err)
    Assert.DoesNotContain(token, again.Err)

[<Theory; InProcess>]
let ``a malformed option is a usage error and a failed check exits 1, both sending nothing`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    let run = runWith (byName build) home (client server) None

    for args, code, words in
        [ [ "--grant"; "no-equals"; "--api"; "maps" ], 2, "--grant"
          [ "--grant"; "c=t"; "--api"; "maps,tiles" ], 2, "tiles"
          [ "--grant"; "c=t"; "--api"; "maps"; "--expires"; "tomorrow" ], 2, "--expires"
          [ "--grant"; "c=t" ], 2, "--api"
          [ "--grant"; "c=project.*"; "--api"; "maps" ], 1, "too broad"
          [ "--grant"; "c=t"; "--api"; "imports,sql" ], 1, "imports is allowed only alone"
          [ "--grant"; "c=t"; "--api"; "maps"; "--referer"; "http://maps.example.com" ], 1, "uses http"
          [ "--grant"; "c=t"; "--api"; "maps"; "--expires"; "2001-01-01T00:00:00Z" ], 1, "not in the future" ] do
        let r = run ([ "cloud"; "tokens"; "create" ] @ args)
        Assert.True((r.Code = code), sprintf "%A: exit %d, %s" args r.Code r.Err)
        Assert.Contains(words, r.Err)
        Assert.Equal("", r.Out)

    Assert.Equal(0, server.Count)

[<Theory; InProcess>]
let ``CARTO's refusals exit 1 with the reason, an unreachable service 3`` (build: string) =
    use home = new Home()
    use server = new CartoServer()

    let create variables =
        runWith (byName build) home variables None [ "cloud"; "tokens"; "create"; "--grant"; "c=t"; "--api"; "maps" ]

    server.Account.MayWriteTokens <- false
    let forbidden = create (client server)
    Assert.Equal(1, forbidden.Code)
    Assert.Contains("write:tokens", forbidden.Err)

    let closed = CartoServer.ClosedUrl()

    let down = create [ "CARTO_API_TOKEN", "access-token-0001"; "CARTO_API_BASE_URL", closed ]

    Assert.Equal(3, down.Code)
    Assert.Contains("could not be reached", down.Err)

    // An API Access Token cannot manage tokens: refused before anything is sent.
    server.Account.MayWriteTokens <- true

    let made =
        runWith
            (byName build)
            home
            (client server)
            None
            [ "cloud"; "tokens"; "create"; "--grant"; "c=t"; "--api"; "maps" ]

    let sent = server.Count

    let refused =
        runWith
            (byName build)
            home
            [ "CARTO_API_TOKEN", made.Out.Trim(); "CARTO_API_BASE_URL", server.Url ]
            None
            [ "cloud"; "tokens"; "list" ]

    Assert.Equal(1, refused.Code)
    Assert.Contains("client credentials or a login", refused.Err)
    Assert.Equal(sent, server.Count)
