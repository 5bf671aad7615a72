/// Every verb of the tool, run with known secrets (an API key, an access token, a client secret, a
/// CARTO Data Warehouse token) against the loopback stand-in, its log on (`--verbose`): no secret,
/// nor any 8-character slice of one, is in stdout or stderr, but where the command asked for it
/// (`--reveal`, `token`, `env`, `dw-token`), and there on stdout alone.
module CartoCreds.Cli.Tests.SecretSearchTests

open System
open System.IO
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Testing

let private apiKey = "k7Qm2Zx9Lp4Vw8Rt1Ys6Hd"
let private accessToken = "t3Hn8Bq5Jc2Xv9Ke4Wm7Pd"
let private clientSecret = "s9Gf4Nr7Ta2Lx6Qe1Zu8Yb"
let private dwToken = "d5Wp8Cv3Mk9Hs2Jr7Fn4Xa"
let private secrets = [ apiKey; accessToken; clientSecret; dwToken ]

/// Every 8-character slice of a secret.
let private slices (secret: string) = [ for at in 0 .. secret.Length - 8 -> secret.Substring(at, 8) ]

/// A run of the tool and the secrets it was asked to print.
type private Case =
    { Args: string list
      Variables: (string * string) list
      Stdin: string option
      Asked: string list }

let private case variables args = { Args = "--verbose" :: args; Variables = variables; Stdin = None; Asked = [] }

let private asking (asked: string list) (c: Case) = { c with Asked = asked }
let private withStdin (text: string) (c: Case) = { c with Stdin = Some text }

/// Runs every case; each secret not asked for is nowhere in what was written, and each one asked
/// for is on stdout alone. Returns the runs, for a check that the commands did their work.
let private search (home: Home) (cases: Case list) =
    [ for c in cases ->
          let r = runWith inProcess home c.Variables c.Stdin c.Args
          let said = String.Join(" ", c.Args)

          for secret in secrets do
              if List.contains secret c.Asked then
                  Assert.True(r.Out.Contains secret, $"{said}: asked for a secret, stdout lacks it: {r.Out}")

                  for slice in slices secret do
                      Assert.False(r.Err.Contains slice, $"{said}: a secret on stderr: {r.Err}")
              else
                  for slice in slices secret do
                      Assert.False((r.Out + r.Err).Contains slice, $"{said}: '{slice}' of a secret in: {r.Out}{r.Err}")

          c.Args, r ]

[<Fact>]
let ``no verb says a secret it was not asked for, nor any 8 characters of one`` () =
    use home = new Home()
    use server = new CartoServer()
    server.Account.ApiKey <- apiKey
    server.Account.ClientSecret <- clientSecret
    server.Account.DwToken <- dwToken
    server.Account.AcceptToken accessToken
    let services = [ "CARTO_AUTH_URL", server.Url; "CARTO_ACCOUNTS_URL", server.Url ]

    let legacyFile (name: string) (url: string) (key: string) =
        let path = home.Path name

        File.WriteAllText(
            path,
            "{\"username\": \"alice\", \"api_key\": \""
            + key
            + "\", \"base_url\": \""
            + url
            + "\", \"allow_non_secure\": true}"
        )

        path

    let own = legacyFile "own.json" server.Url apiKey
    let closed = legacyFile "closed.json" (CartoServer.ClosedUrl()) apiKey
    let wrong = legacyFile "wrong.json" server.Url (apiKey.Substring(0, 12) + "Xq0")
    let token = services @ [ "CARTO_API_TOKEN", accessToken; "CARTO_API_BASE_URL", server.Url ]

    let client =
        services
        @ [ "CARTO_CLIENT_ID", server.Account.ClientId
            "CARTO_CLIENT_SECRET", clientSecret
            "CARTO_API_BASE_URL", server.Url ]

    let legacy =
        [ for verb in [ [ "show" ]; [ "show"; "--json" ]; [ "show"; "--all" ]; [ "status" ]; [ "status"; "--json" ] ] do
              case [ "CARTO_API_KEY", apiKey; "CARTO_USERNAME", "alice" ] (verb @ [ "--file"; own ])
          case [] [ "status"; "--file"; closed ]
          case [] [ "status"; "--file"; wrong ]
          case [] [ "show"; "--file"; own; "--reveal" ] |> asking [ apiKey ]
          case [] [ "env"; "--file"; own ] |> asking [ apiKey ]
          case [] [ "env"; "--file"; own; "--shell"; "dotenv" ] |> asking [ apiKey ]
          case [] [ "save"; "--username"; "alice"; "--api-key-stdin" ] |> withStdin apiKey
          case [] [ "save"; "--username"; "alice"; "--api-key"; apiKey ]
          case [] [ "show" ]
          case [] [ "show"; "--all" ]
          case [] [ "status" ]
          case [] [ "path" ]
          case [ "CARTO_API_KEY", apiKey + "\u0007"; "CARTO_USERNAME", "alice" ] [ "show" ]
          case [ "CARTO_API_KEY", apiKey; "CARTO_BASE_URL", "ftp://alice.example" ] [ "show" ]
          case [] [ "delete" ] ]

    let cloud =
        [ for verb in
              [ [ "cloud"; "show" ]
                [ "cloud"; "show"; "--json" ]
                [ "cloud"; "show"; "--all" ]
                [ "cloud"; "status" ]
                [ "cloud"; "status"; "--json" ] ] do
              case token verb
              case client verb
          case token [ "cloud"; "show"; "--reveal" ] |> asking [ accessToken ]
          case client [ "cloud"; "show"; "--reveal" ] |> asking [ clientSecret ]
          case token [ "cloud"; "token" ] |> asking [ accessToken ]
          case token [ "cloud"; "token"; "--json" ] |> asking [ accessToken ]
          case token [ "cloud"; "env" ] |> asking [ accessToken ]
          case token [ "cloud"; "env"; "--shell"; "pwsh" ] |> asking [ accessToken ]
          case client [ "cloud"; "token" ]
          case client [ "cloud"; "env" ]
          case token [ "cloud"; "dw-token" ] |> asking [ dwToken ]
          case client [ "cloud"; "dw-token"; "--json" ] |> asking [ dwToken ]
          case
              (services @ [ "CARTO_API_TOKEN", accessToken; "CARTO_API_BASE_URL", "ftp://x.example" ])
              [ "cloud"; "show" ]
          case (services @ [ "CARTO_API_TOKEN", accessToken + "\u0007" ]) [ "cloud"; "token" ]
          case (services @ [ "CARTO_CLIENT_SECRET", clientSecret ]) [ "cloud"; "show"; "--all" ]
          case
              (client |> List.map (fun (n, v) -> n, (if n = "CARTO_AUTH_URL" then CartoServer.ClosedUrl() else v)))
              [ "cloud"; "token"; "--timeout"; "2" ]
          case [] [ "cloud"; "save"; "--token-stdin"; "--api-base-url"; server.Url ] |> withStdin accessToken
          case [] [ "cloud"; "save"; "--token"; accessToken; "--profile"; "second" ]
          case services [ "cloud"; "show" ]
          case services [ "cloud"; "status" ]
          case services [ "cloud"; "dw-token" ] |> asking [ dwToken ]
          case [] [ "cloud"; "list" ]
          case [] [ "cloud"; "list"; "--json" ]
          case [] [ "cloud"; "use"; "default" ]
          case services [ "cloud"; "login"; "--code"; "--no-browser"; "--timeout"; "5" ] |> withStdin "a b"
          case [] [ "cloud"; "delete"; "--profile"; "second" ]
          case [] [ "cloud"; "logout" ] ]

    let runs = search home (legacy @ cloud)

    // The commands did their work: the search looked at real output, not at errors alone.
    let codeOf (args: string list) =
        runs |> List.filter (fun (a, _) -> a = "--verbose" :: args) |> List.map (fun (_, r) -> r.Code)

    Assert.Equal<int list>([ 0 ], codeOf [ "status"; "--file"; own ])
    Assert.Equal<int list>([ 3 ], codeOf [ "status"; "--file"; closed ])
    Assert.Equal<int list>([ 1 ], codeOf [ "status"; "--file"; wrong ])
    Assert.Equal<int list>([ 0; 0 ], codeOf [ "cloud"; "status" ] |> List.take 2)
    Assert.Equal<int list>([ 0 ], codeOf [ "cloud"; "dw-token"; "--json" ])
    Assert.Equal<int list>([ 0 ], codeOf [ "cloud"; "list" ])
    Assert.Equal<int list>([ 1 ], codeOf [ "cloud"; "login"; "--code"; "--no-browser"; "--timeout"; "5" ])
    Assert.True(runs.Length >= 50, string runs.Length)
