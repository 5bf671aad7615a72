/// SPEC §7.5's requests after the callback are bounded: a token server that does not answer ends
/// the login with a timeout naming it, and nothing is saved. Against the stand-in on 127.0.0.1.
module CartoCreds.Core.Tests.LoginFlowTests

open System
open System.IO
open System.Net
open System.Net.Http
open System.Net.Sockets
open System.Threading
open System.Threading.Tasks
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

/// A browser: follows the authorize URL's redirects to the callback, within 10 s.
let private follow (url: Uri) (cancel: CancellationToken) : Task =
    task {
        use http = new HttpClient(Timeout = TimeSpan.FromSeconds 10.0)
        use! _ = http.GetAsync(url, cancel)
        ()
    }

[<Fact>]
let ``a token server that does not answer ends the login within the request timeout, and nothing is saved`` () =
    use box = new Sandbox()
    use server = new CartoServer()

    server.Answer <-
        Func<Received, Answer>(fun request ->
            let answer = server.Account.Answer request

            if request.Path = "/oauth/token" then
                answer.After(TimeSpan.FromSeconds 5.0)
            else
                answer)

    let host = box.Host [ "CARTO_AUTH_URL", server.Url; "CARTO_ACCOUNTS_URL", server.Url ]

    let request =
        { Profile = None
          Organization = None
          Receipt = CodeReceipt.Listener(CartoServer.FreePort())
          Timeout = TimeSpan.FromSeconds 20.0
          RequestTimeout = TimeSpan.FromSeconds 1.0
          ApiBaseUrl = None
          CliFile = None
          Save = true
          OpenBrowser = follow
          Show = ignore }

    let watch = Diagnostics.Stopwatch.StartNew()
    let result = (OAuthLoginHttp.run host Http.shared.Value request CancellationToken.None).Result

    match result with
    | Error(LoginError.Token(ExchangeError.TimedOut seconds) as e) ->
        Assert.Equal(1.0, seconds)
        Assert.EndsWith("; nothing was saved.", CallMessages.loginError e)
    | other -> Assert.Fail(sprintf "%A" other)

    Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 4.5)
    Assert.False(File.Exists(box.Path ".carto_credentials.json"))
