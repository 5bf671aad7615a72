/// SPEC §12 over HTTP, against the loopback stand-in of CARTO's Tokens API: the body it received
/// field by field, both list shapes, every failure kind, no redirect followed, an API Access Token
/// refused as the credentials before anything is sent, no token in any log or on disk, and many
/// callers sharing one exchange.
module CartoCreds.Core.Tests.ApiTokensHttpTests

open System
open System.IO
open System.Net.Http
open System.Text.Json
open System.Threading
open System.Threading.Tasks
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private ok =
    function
    | Ok value -> value
    | Error e -> failwithf "%A" e

/// Client credentials whose token server and API base URL are the stand-in, in a sandbox, logging to `log`.
let private session (box: Sandbox) (server: CartoServer) (log: CapturedLog) =
    let host = box.Host [ "CARTO_AUTH_URL", server.Url ]

    let credentials =
        CloudCredentials.ofClientCredentials server.Account.ClientId server.Account.ClientSecret (Some server.Url) |> ok

    CloudSession.Create(
        host,
        credentials,
        CloudServices.ofVariables host.GetVariable,
        // The library's own client, which follows no redirect.
        { SessionOptions.Default with Log = log.Logger }
    )

let private now = DateTimeOffset.UtcNow

let private checkedRequest (input: ApiTokenInput) = ApiTokens.request now input |> ok

let private asked =
    { Grants =
        [ { Connection = "carto_dw"; Source = "carto-demo-data.demo_tables.airports" }
          { Connection = "carto_dw"; Source = "SELECT name FROM t WHERE\n  pop > 10" } ]
      Apis = [ TokenApi.Maps; TokenApi.Sql ]
      Referers = [ "https://maps.example.com/" ]
      ExpiresOn = Some(DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero)) }

let private run (work: Task<'T>) = work.GetAwaiter().GetResult()

let private create (session: CloudSession) (input: ApiTokenInput) =
    run (session.CreateApiTokenAsync(checkedRequest input, CancellationToken.None))

let private callError (result: Result<'T, TokensCallError>) : VerifyError =
    match result with
    | Error(TokensCallError.Call e) -> e
    | other -> failwithf "not a call error: %A" other

[<Fact>]
let ``a token is created with the body CARTO documents, field by field, and the bearer of client credentials`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let log = CapturedLog()
    let token = create (session box server log) asked |> ok

    Assert.True(server.Account.ApiTokens.ContainsKey token.Value)
    Assert.True(ApiTokens.isApiAccessToken token.Value)
    Assert.Equal<TokenGrant list>(asked.Grants, token.Grants)
    Assert.Equal<TokenApi list>(asked.Apis, token.Apis)
    Assert.Equal<string list>([ "https://maps.example.com" ], token.Referers)
    Assert.Equal(asked.ExpiresOn, token.ExpiresOn)

    let post = server.Received |> List.find (fun r -> r.Path = "/v3/tokens")
    Assert.Equal("POST", post.Method)
    Assert.StartsWith("application/json", post.ContentType)
    Assert.StartsWith("Bearer stand-in-token-", post.Authorization)
    use body = JsonDocument.Parse post.Body
    let root = body.RootElement

    let grants =
        [ for g in root.GetProperty("grants").EnumerateArray() ->
              g.GetProperty("connection_name").GetString(), g.GetProperty("source").GetString() ]

    Assert.Equal<(string * string) list>(
        [ "carto_dw", "carto-demo-data.demo_tables.airports"
          "carto_dw", "SELECT name FROM t WHERE\n  pop > 10" ],
        grants
    )

    Assert.Equal<string list>(
        [ "maps"; "sql" ],
        [ for a in root.GetProperty("allowed_apis").EnumerateArray() -> a.GetString() ]
    )

    Assert.Equal<string list>(
        [ "https://maps.example.com" ],
        [ for r in root.GetProperty("referers").EnumerateArray() -> r.GetString() ]
    )

    Assert.Equal("2031-05-06T07:08:09Z", root.GetProperty("expiration_date").GetString())
    Assert.Equal(4, root.EnumerateObject() |> Seq.length)

    // Logged by its connections and APIs, never the token.
    let created = log.Library |> List.find (fun l -> l.Event = "ApiTokenCreated")
    Assert.Contains("carto_dw", created.Message)
    Assert.Contains("maps, sql", created.Message)
    Assert.Empty(log.Leaks [ token.Value; server.Account.ClientSecret ])

[<Fact>]
let ``referers and an expiry are sent only when given`` () =
    use box = new Sandbox()
    use server = new CartoServer()

    create (session box server (CapturedLog())) { asked with Referers = []; ExpiresOn = None } |> ok |> ignore

    let post = server.Received |> List.find (fun r -> r.Path = "/v3/tokens")
    use body = JsonDocument.Parse post.Body
    let names = [ for p in body.RootElement.EnumerateObject() -> p.Name ]
    Assert.Equal<string list>([ "grants"; "allowed_apis" ], names)

[<Theory>]
[<InlineData("Array")>]
[<InlineData("Data")>]
[<InlineData("Results")>]
let ``tokens are listed from either reply shape, a null expiry read as never`` (shape: string) =
    use box = new Sandbox()
    use server = new CartoServer()

    server.Account.TokenListShape <-
        match shape with
        | "Data" -> TokenListShape.Data
        | "Results" -> TokenListShape.Results
        | _ -> TokenListShape.Array

    let bearer = session box server (CapturedLog())
    let expiring = create bearer asked |> ok
    let never = create bearer { asked with ExpiresOn = None } |> ok
    let listed = run (bearer.ListApiTokensAsync CancellationToken.None) |> ok |> List.sortBy _.ExpiresOn

    Assert.Equal<string list>([ never.Value; expiring.Value ] |> List.sort, listed |> List.map _.Value |> List.sort)

    let listedNever = listed |> List.find (fun t -> t.Value = never.Value)
    Assert.Equal(None, listedNever.ExpiresOn)
    let listedExpiring = listed |> List.find (fun t -> t.Value = expiring.Value)
    Assert.Equal(asked.ExpiresOn, listedExpiring.ExpiresOn)
    Assert.Equal<TokenGrant list>(asked.Grants, listedExpiring.Grants)
    Assert.Equal<TokenApi list>(asked.Apis, listedExpiring.Apis)

[<Fact>]
let ``a token is deleted by its percent-encoded path segment; one that was not there is false`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let log = CapturedLog()
    let bearer = session box server log
    let token = create bearer asked |> ok

    let delete (text: string) =
        run (bearer.DeleteApiTokenAsync(cloudText CloudField.Token text, CancellationToken.None))

    Assert.Equal(Ok true, delete token.Value)
    Assert.False(server.Account.ApiTokens.ContainsKey token.Value)
    Assert.Equal(Ok false, delete token.Value)

    // A token of other characters stays one path segment.
    server.Account.ApiTokens["odd/token?x=1#y%2F"] <- "{}"
    Assert.Equal(Ok true, delete "odd/token?x=1#y%2F")
    let last = server.Received |> List.last
    Assert.Equal("DELETE", last.Method)
    Assert.Equal("/v3/tokens/odd%2Ftoken%3Fx%3D1%23y%252F", last.Path)
    Assert.Equal("", last.Query)
    Assert.Empty(log.Leaks [ token.Value ])
    Assert.Contains(log.Library, fun l -> l.Event = "ApiTokenDeleted" && l.Message.Contains "****")

[<Fact>]
let ``every failure is its kind: 400 and 422 an invalid request in CARTO's words, 403 a missing write:tokens`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let bearer = session box server (CapturedLog())
    let leaked = "eyJhbGciOiJIUzI1NiJ9.eyJhIjoiMSJ9.c2lnbmF0dXJl"

    let answerTokens (answer: Answer) =
        server.Answer <-
            fun request ->
                if request.Path.StartsWith("/v3/tokens", StringComparison.Ordinal) then
                    answer
                else
                    server.Account.Answer request

    let cases =
        [ Answer.Json
              400
              ("{\"error\": \"Bad request\", \"description\": \"grant refused: \u001b[31m " + leaked + "\"}"),
          VerifyFailure.InvalidRequest,
          "CARTO refused the request (HTTP 400)"
          // A token after a line break or a tab is a word of its own, masked as any other.
          Answer.Json
              400
              ("{\"error\": \"Bad request\", \"description\": \"refused:\\n" + leaked + "\\t(" + leaked + ")\"}"),
          VerifyFailure.InvalidRequest,
          "refused:\\u000A****\\u0009(****)"
          Answer.Json 422 "{\"error\": \"Unprocessable\", \"description\": \"source is not a table\"}",
          VerifyFailure.InvalidRequest,
          "source is not a table"
          Answer.Json 401 "{\"error\": \"unauthorized\"}", VerifyFailure.Rejected, "rejected the credentials"
          Answer.Json 404 "{}", VerifyFailure.NotFound, "CARTO_API_BASE_URL"
          (Answer.Json 429 "{}").WithHeader("Retry-After", "7"), VerifyFailure.RateLimited, "try again in 7 s"
          Answer.Json 500 "{}", VerifyFailure.UnexpectedAnswer, "unexpected answer (HTTP 500)"
          Answer.Json 201 "{\"id\": 3}", VerifyFailure.UnexpectedAnswer, "not the Tokens API's" ]

    for answer, failure, words in cases do
        answerTokens answer
        let error = create bearer asked |> callError
        Assert.Equal(failure, error.Failure)
        let message = CallMessages.verifyError error
        Assert.Contains(words, message)
        Assert.DoesNotContain(leaked, message)
        Assert.False(message.Contains(char 27), message)
        Assert.Contains(server.Url + "/v3/tokens", message)

    // CARTO's own 403: the credentials lack write:tokens.
    server.Answer <- null
    server.Account.MayWriteTokens <- false
    let error = create bearer asked |> callError
    Assert.Equal(VerifyFailure.Rejected, error.Failure)
    Assert.Contains("write:tokens", CallMessages.verifyError error)

[<Fact>]
let ``a redirect is not followed: nothing is sent to the other origin, the token not again`` () =
    use box = new Sandbox()
    use elsewhere = new CartoServer()
    use server = new CartoServer()

    server.Answer <-
        fun request ->
            if request.Path = "/v3/tokens" then
                (Answer.Json 307 "").WithHeader("Location", elsewhere.Url + "/v3/tokens")
            else
                server.Account.Answer request

    let error = create (session box server (CapturedLog())) asked |> callError
    Assert.Equal(VerifyFailure.UnexpectedAnswer, error.Failure)
    Assert.Equal(Some 307, error.Status)
    Assert.Contains(elsewhere.Url, CallMessages.verifyError error)
    Assert.Equal(0, elsewhere.Count)
    Assert.Equal(1, server.Received |> List.filter (fun r -> r.Path = "/v3/tokens") |> List.length)

[<Fact>]
let ``a refused exchanged token is exchanged again once and the same body is posted again`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let bearer = session box server (CapturedLog())
    run (bearer.GetTokenAsync(CancellationToken.None).AsTask()) |> ok |> ignore
    server.Account.RevokeTokens()
    create bearer asked |> ok |> ignore
    let posts = server.Received |> List.filter (fun r -> r.Path = "/v3/tokens")
    Assert.Equal(2, posts.Length)
    Assert.Equal(posts[0].Body, posts[1].Body)
    Assert.NotEqual<string>(posts[0].Authorization, posts[1].Authorization)
    Assert.Equal(2, server.Account.IssuedCount)

[<Fact>]
let ``an API Access Token as the credentials is refused before anything is sent`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let token = create (session box server (CapturedLog())) asked |> ok
    let sent = server.Count
    let host = box.Host []
    let credentials = CloudCredentials.ofToken token.Value (Some server.Url) |> ok

    let apiToken =
        CloudSession.Create(host, credentials, CloudServices.ofVariables host.GetVariable, SessionOptions.Default)

    for result in
        [ run (apiToken.CreateApiTokenAsync(checkedRequest asked, CancellationToken.None)) |> Result.map ignore
          run (apiToken.ListApiTokensAsync CancellationToken.None) |> Result.map ignore
          run (apiToken.DeleteApiTokenAsync(cloudText CloudField.Token token.Value, CancellationToken.None))
          |> Result.map ignore ] do
        Assert.Equal(Error TokensCallError.ApiAccessTokenCredentials, result)

    Assert.Equal(sent, server.Count)

    Assert.Contains(
        "client credentials or a login",
        CallMessages.tokensCallError TokensCallError.ApiAccessTokenCredentials
    )

[<Fact>]
let ``unreachable and slow services are unreachability; the caller's cancellation is raised`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let bearer = session box server (CapturedLog())
    run (bearer.GetTokenAsync(CancellationToken.None).AsTask()) |> ok |> ignore
    server.Account.TokenCreateDelay <- TimeSpan.FromSeconds 20.0

    let host = box.Host [ "CARTO_AUTH_URL", server.Url ]

    let quick =
        CloudSession.Create(
            host,
            bearer.Credentials,
            CloudServices.ofVariables host.GetVariable,
            { SessionOptions.Default with Timeout = TimeSpan.FromMilliseconds 300.0 }
        )

    let error = create quick asked |> callError
    Assert.Equal(VerifyFailure.Unreachable, error.Failure)

    use cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds 200.0)

    Assert.ThrowsAny<OperationCanceledException>(fun () ->
        bearer.CreateApiTokenAsync(checkedRequest asked, cancel.Token).GetAwaiter().GetResult() |> ignore)
    |> ignore

    let closed =
        CloudCredentials.ofClientCredentials "m2m-client" "secretsecretsecret" (Some(CartoServer.ClosedUrl())) |> ok

    let down =
        CloudSession.Create(
            box.Host [],
            closed,
            CloudServices.ofVariables (Map.ofList [ "CARTO_AUTH_URL", CartoServer.ClosedUrl() ]).TryFind,
            SessionOptions.Default
        )

    match run (down.ListApiTokensAsync CancellationToken.None) with
    | Error(TokensCallError.Call e) -> Assert.Equal(VerifyFailure.Unreachable, e.Failure)
    | other -> failwithf "%A" other

[<Fact>]
let ``many callers creating at once share one exchange, and no token reaches the disk`` () =
    use box = new Sandbox()
    use server = new CartoServer()
    let bearer = session box server (CapturedLog())

    let tokens =
        Task.WhenAll(
            [ for _ in 1..16 ->
                  Task.Run<Result<ApiToken, TokensCallError>>(fun () ->
                      bearer.CreateApiTokenAsync(checkedRequest asked, CancellationToken.None)) ]
        )
        |> run
        |> Array.map ok

    Assert.Equal(1, server.Account.IssuedCount)
    Assert.Equal(16, tokens |> Array.distinctBy _.Value |> Array.length)

    for file in Directory.EnumerateFiles(box.Root, "*", SearchOption.AllDirectories) do
        let text = File.ReadAllText file

        for token in tokens do
            Assert.DoesNotContain(token.Value, text)
