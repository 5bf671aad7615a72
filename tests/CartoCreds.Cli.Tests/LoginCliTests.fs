/// SPEC §6's `cloud login` against a real authorization server on 127.0.0.1 (the stand-in), with
/// `$BROWSER` a program that follows the redirects with an HTTP client (`curl`): the profile
/// written with the CARTO CLI's keys, the URL on stderr, the token on neither stream; Ctrl-C; a
/// timeout; usage errors. In-process and in both builds. Every wait is bounded.
module CartoCreds.Cli.Tests.LoginCliTests

open System
open System.IO
open System.Net
open System.Net.Sockets
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Testing

/// The stand-in as the login's servers, and a browser that follows the redirects (10 s at most).
let private variables (server: CartoServer) =
    [ "CARTO_AUTH_URL", server.Url
      "CARTO_ACCOUNTS_URL", server.Url
      "BROWSER", "curl -s -L -o /dev/null --max-time 10 --max-redirs 5" ]

[<Theory; InProcess; Managed; Aot>]
let ``cloud login opens the browser, saves the profile with the CARTO CLI's keys, and prints neither token nor code``
    (build: string)
    =
    use home = new Home()
    use server = new CartoServer()
    let port = CartoServer.FreePort()

    let r =
        runWith
            (byName build)
            home
            (variables server)
            None
            [ "cloud"; "login"; "--profile"; "stand-in"; "--port"; string port; "--timeout"; "30" ]

    Assert.True((r.Code = 0), r.Err)

    Assert.Matches(
        "^Logged in as alice@example\\.com \\(alice\\.app\\.carto\\.com\\); saved as profile stand-in in "
        + Text.RegularExpressions.Regex.Escape(home.Path ".carto_credentials.json")
        + "; the token expires at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.\n$",
        r.Out
    )

    Assert.Contains(
        "Log in to CARTO in your browser. If it did not open, open this URL:\n  " + server.Url + "/authorize?client_id=",
        r.Err
    )

    Assert.Contains("redirect_uri=http%3A%2F%2Flocalhost%3A" + string port + "%2Fcallback%2F", r.Err)

    use json = Text.Json.JsonDocument.Parse(File.ReadAllText(home.Path ".carto_credentials.json"))
    let profile = json.RootElement.GetProperty("profiles").GetProperty("stand-in")
    let token = profile.GetProperty("token").GetString()
    Assert.Equal("stand-in", json.RootElement.GetProperty("current_profile").GetString())
    Assert.Equal(server.Url, profile.GetProperty("api_base_url").GetString())
    Assert.Equal("alice@example.com", profile.GetProperty("user_email").GetString())
    Assert.Equal("alice.app.carto.com", profile.GetProperty("tenant_domain").GetString())
    Assert.True(profile.TryGetProperty("expires_at") |> fst)

    // The token, and the code the browser brought, are on neither stream.
    let code =
        server.Received
        |> List.filter (fun request -> request.Path = "/oauth/token")
        |> List.exactlyOne
        |> fun request -> request.Body

    Assert.Contains("grant_type=authorization_code", code)
    Assert.DoesNotContain(token, r.Out + r.Err)
    Assert.DoesNotContain("code-", r.Out + r.Err)
    Assert.DoesNotContain("code_verifier", r.Out + r.Err)

    // The CARTO CLI's file now resolves, and lists the profile.
    let listed = runWith (byName build) home [] None [ "cloud"; "list" ]
    Assert.Contains("stand-in", listed.Out)
    let status = runWith (byName build) home [ "CARTO_ACCOUNTS_URL", server.Url ] None [ "cloud"; "status" ]
    Assert.True((status.Code = 0), status.Err)

[<Theory; InProcess; Aot>]
let ``a refused login and a login with no answer exit 1 and save nothing`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    server.Account.LoginError <- Some "access_denied"

    let refused =
        runWith
            (byName build)
            home
            (variables server)
            None
            [ "cloud"; "login"; "--port"; string (CartoServer.FreePort()) ]

    Assert.Equal(1, refused.Code)
    Assert.EndsWith("The login was refused: access_denied (The user said no); nothing was saved.\n", refused.Err)

    let watch = Diagnostics.Stopwatch.StartNew()

    let silent =
        runWith
            (byName build)
            home
            (variables server)
            None
            [ "cloud"; "login"; "--no-browser"; "--port"; string (CartoServer.FreePort()); "--timeout"; "1" ]

    Assert.Equal(1, silent.Code)
    Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 20.0)
    Assert.Contains("Open this URL in a browser to log in to CARTO:", silent.Err)

    Assert.EndsWith(
        "No answer came from the browser within 1 s; log in again (--timeout S gives more time); nothing was saved.\n",
        silent.Err
    )

    Assert.False(File.Exists(home.Path ".carto_credentials.json"))

[<Theory; Managed; Aot>]
let ``Ctrl-C while the login waits cancels it: exit 1, nothing saved, the port free again`` (build: string) =
    use home = new Home()
    use server = new CartoServer()
    let port = CartoServer.FreePort()

    use proc =
        start (byName build) home (variables server) [ "cloud"; "login"; "--no-browser"; "--port"; string port ]

    let err = Text.StringBuilder()
    let mutable waiting = false
    let deadline = DateTime.UtcNow.AddSeconds 30.0

    while not waiting && DateTime.UtcNow < deadline && not proc.HasExited do
        match proc.StandardError.ReadLine() with
        | null -> ()
        | line ->
            err.AppendLine line |> ignore
            waiting <- line.StartsWith "Waiting for the browser"

    Assert.True(waiting, err.ToString())
    use kill = Diagnostics.Process.Start("kill", [ "-INT"; string proc.Id ])
    kill.WaitForExit 5000 |> ignore

    if not (proc.WaitForExit 10_000) then
        proc.Kill true
        failwith "the login did not end within 10 s of Ctrl-C"

    err.Append(proc.StandardError.ReadToEnd()) |> ignore
    Assert.Equal(1, proc.ExitCode)
    Assert.EndsWith("The login was cancelled; nothing was saved.\n", err.ToString())
    Assert.False(File.Exists(home.Path ".carto_credentials.json"))
    // The listener is gone with the login.
    use probe = new TcpListener(IPAddress.Loopback, port)
    probe.Start()
    probe.Stop()

[<Fact>]
let ``login's usage errors: both an API base URL and a tenant, a bad port, a bad timeout`` () =
    use home = new Home()

    for args, said in
        [ [ "--api-base-url"; "https://a.example"; "--tenant-id"; "t" ], "give --api-base-url or --tenant-id, not both."
          [ "--code"; "--port"; "10001" ], "give --code or --port, not both: a login with --code listens on no port."
          [ "--port"; "0" ], "--port takes a port number from 1 to 65535."
          [ "--timeout"; "0" ], "--timeout takes a number of seconds greater than 0 and at most 3600." ] do
        let r = run inProcess home ([ "cloud"; "login" ] @ args)
        Assert.Equal(2, r.Code)
        Assert.StartsWith(said, r.Err)

/// The person on another device: opens the authorize URL the terminal showed (no redirect
/// followed) and reads where CARTO sent them, the code page with the code and the state.
let private landing (shown: string) : Uri =
    let url = Text.RegularExpressions.Regex.Match(shown, @"http://127\.0\.0\.1:\d+/authorize\?\S+").Value

    use http =
        new Net.Http.HttpClient(
            new Net.Http.SocketsHttpHandler(AllowAutoRedirect = false),
            Timeout = TimeSpan.FromSeconds 10.0
        )

    use answer = http.GetAsync(url).GetAwaiter().GetResult()
    Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode)
    answer.Headers.Location

[<UnixTheory; Managed; Aot>]
let ``cloud login --code: the code pasted at the terminal, unechoed, bare or as the whole URL, logs in with CARTO's code page as redirect``
    (build: string)
    =
    use server = new CartoServer()

    for whole in [ false; true ] do
        use home = new Home()
        let variables = [ "CARTO_AUTH_URL", server.Url; "CARTO_ACCOUNTS_URL", server.Url ]
        let mutable pasted = ""

        let r =
            runAtTerminalWith
                (byName build)
                home
                variables
                [ "cloud"; "login"; "--code"; "--no-browser"; "--profile"; "pasted"; "--timeout"; "30" ]
                "Paste the code CARTO shows (or the whole URL): "
                (fun shown ->
                    let landed = landing shown
                    Assert.Equal("https://app.carto.com/auth/token", landed.GetLeftPart UriPartial.Path)

                    pasted <-
                        if whole then
                            landed.AbsoluteUri
                        else
                            (Web.HttpUtility.ParseQueryString landed.Query)["code"]

                    pasted + "\r")
                ""

        Assert.True((r.Code = 0), r.Out)

        Assert.Contains(
            "Open this URL in a browser, on this or any device, and log in to CARTO; it then shows a code:",
            r.Out
        )

        Assert.Contains("redirect_uri=https%3A%2F%2Fapp.carto.com%2Fauth%2Ftoken", r.Out)
        Assert.Contains("Logged in as alice@example.com (alice.app.carto.com); saved as profile pasted in ", r.Out)
        // What was pasted was not echoed, and no listener was waited on.
        Assert.DoesNotContain(pasted, r.Out)
        Assert.DoesNotContain("Waiting for the browser", r.Out)
        use json = Text.Json.JsonDocument.Parse(File.ReadAllText(home.Path ".carto_credentials.json"))
        Assert.Equal("pasted", json.RootElement.GetProperty("current_profile").GetString())

    let exchanges = server.Received |> List.filter (fun request -> request.Path = "/oauth/token")
    Assert.Equal(2, exchanges.Length)

    for exchange in exchanges do
        Assert.Contains("redirect_uri=https%3A%2F%2Fapp.carto.com%2Fauth%2Ftoken", exchange.Body)

[<UnixTheory; Managed; Aot>]
let ``cloud login --code: Ctrl-D or Ctrl-C at the prompt cancels, another login's URL is refused, nothing is saved``
    (build: string)
    =
    use server = new CartoServer()

    for answer, said in
        [ (fun _ -> "\u0004"), "The login was cancelled; nothing was saved."
          (fun _ -> "\u0003"), "The login was cancelled; nothing was saved."
          (fun shown -> (landing shown).AbsoluteUri.Replace("state=", "state=x") + "\r"),
          "its state differs); nothing was saved."
          // A code taken from a pasted URL is held to the bare code's rule: an escape is never posted.
          (fun shown -> (landing shown).AbsoluteUri.Replace("code=", "code=%1B%5B2J") + "\r"),
          "The code could not be read: a code holds no space nor control character; nothing was saved." ] do
        use home = new Home()

        let r =
            runAtTerminalWith
                (byName build)
                home
                [ "CARTO_AUTH_URL", server.Url; "CARTO_ACCOUNTS_URL", server.Url ]
                [ "cloud"; "login"; "--code"; "--no-browser"; "--timeout"; "30" ]
                "Paste the code CARTO shows (or the whole URL): "
                answer
                "; echo \"[exit $?]\"; stty -a | grep -q -- ' echo ' && echo '[echo on]'"

        Assert.Contains(said, r.Out)
        Assert.Contains("[exit 1]", r.Out)
        // The terminal has its echo back.
        Assert.Contains("[echo on]", r.Out)
        Assert.False(File.Exists(home.Path ".carto_credentials.json"))

    Assert.DoesNotContain(server.Received, fun request -> request.Path = "/oauth/token")

[<Fact>]
let ``with no display, a browser that could not be opened makes the login suggest --code`` () =
    use home = new Home()
    use server = new CartoServer()

    for browser in [ "false"; "/nonexistent/browser" ] do
        let r =
            runWith
                inProcess
                home
                [ "CARTO_AUTH_URL", server.Url; "CARTO_ACCOUNTS_URL", server.Url; "BROWSER", browser ]
                None
                [ "cloud"; "login"; "--port"; string (CartoServer.FreePort()); "--timeout"; "3" ]

        Assert.Equal(1, r.Code)
        Assert.Contains(CartoCreds.Cli.Login.noDisplay + "\n", r.Err)

    let displayed =
        runWith
            inProcess
            home
            [ "CARTO_AUTH_URL", server.Url; "DISPLAY", ":0"; "BROWSER", "false" ]
            None
            [ "cloud"; "login"; "--port"; string (CartoServer.FreePort()); "--timeout"; "1" ]

    Assert.DoesNotContain("--code", displayed.Err)
