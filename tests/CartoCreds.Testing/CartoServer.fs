/// The tests' CARTO: a real HTTP server on 127.0.0.1 that a test starts and stops (never a mocked
/// handler), shared by the F#, C# and command line tests.
namespace CartoCreds.Testing

open System
open System.Collections.Concurrent
open System.IO
open System.Net
open System.Net.Sockets
open System.Text
open System.Text.Json
open System.Threading
open System.Threading.Tasks

/// A request as the server received it: the path and query exactly as sent.
type Received =
    {
        Method: string
        Path: string
        /// The query as sent, with its `?`; empty when there is none.
        Query: string
        /// The `Authorization` header; empty when there is none.
        Authorization: string
        ContentType: string
        Body: string
    }

/// What the server answers: a status, a body and its type, headers, after an optional delay.
type Answer =
    { Status: int
      Body: string
      ContentType: string
      Headers: (string * string) list
      Delay: TimeSpan }

    static member Json (status: int) (body: string) =
        { Status = status
          Body = body
          ContentType = "application/json"
          Headers = []
          Delay = TimeSpan.Zero }

    /// A page, as a proxy or a maintenance screen answers.
    static member Html (status: int) (body: string) = { Answer.Json status body with ContentType = "text/html" }

    member this.WithHeader(name: string, value: string) = { this with Headers = this.Headers @ [ name, value ] }

    /// An answer sent only after `delay` (at most 30 s: the server never holds a test longer).
    member this.After(delay: TimeSpan) = { this with Delay = delay }

/// How `GET /v3/tokens` answers (CARTO documents neither shape; SPEC §12 reads both).
[<RequireQualifiedAccess>]
type TokenListShape =
    /// `[{token…}, …]`
    | Array
    /// `{"data": [{token…}, …]}`
    | Data
    /// `{"results": [{token…}, …]}`
    | Results

/// The account the stand-in serves, and its routes:
/// - `POST /oauth/token`: client credentials → a new token valid for `TokenLifetime` seconds;
/// - `GET /users/me` with a valid bearer token → a CARTO 3 account;
/// - `GET …/api/v3/me?api_key=KEY` with `ApiKey` → a legacy account;
/// - `POST /v3/tokens`, `GET /v3/tokens`, `DELETE /v3/tokens/{token}` with a valid token: CARTO's
///   Tokens API, its API Access Tokens kept in `ApiTokens` (403 unless `MayWriteTokens`);
/// - `GET /v3/connections` with a valid token → two connections;
/// - `GET /v3/connections/carto-dw/token` with a valid token → the CARTO Data Warehouse's project and token;
/// - `GET /api/v2/sql?…&api_key=KEY` and `/v3/…` with a valid token → one row, as the SQL APIs answer;
/// - `…/echo`: what it received, as JSON; `…/protected`: 200 with a valid token, else 401;
/// - anything else: 404.
type CartoAccount() =
    let tokens = ConcurrentDictionary<string, bool>()
    let mutable issued = 0
    let mutable created = 0

    let json (write: Utf8JsonWriter -> unit) =
        use stream = new MemoryStream()

        do
            use writer = new Utf8JsonWriter(stream)
            writer.WriteStartObject()
            write writer
            writer.WriteEndObject()

        Encoding.UTF8.GetString(stream.ToArray())

    let base64Url (bytes: byte[]) = Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')

    let form (body: string) =
        body.Split('&', StringSplitOptions.RemoveEmptyEntries)
        |> Array.map (fun pair ->
            match pair.Split('=', 2) with
            | [| k; v |] -> WebUtility.UrlDecode k, WebUtility.UrlDecode v
            | parts -> WebUtility.UrlDecode parts[0], "")
        |> Map.ofArray

    member val ApiKey = "stand-in-api-key-0001" with get, set
    member val Username = "alice" with get, set
    member val LegacyUserId = "8d6e9a4c-0001" with get, set
    member val ClientId = "m2m-client" with get, set
    member val ClientSecret = "stand-in-client-secret-0001" with get, set
    member val UserId = "auth0|stand-in-user" with get, set
    member val Email = "alice@example.com" with get, set
    member val TenantDomain = "alice.app.carto.com" with get, set
    member val TokenLifetime = 3600 with get, set
    /// The CARTO Data Warehouse's project and token, as `/v3/connections/carto-dw/token` answers.
    member val DwProject = "carto-dw-ac-standin" with get, set
    member val DwToken = "stand-in-dw-token-0001" with get, set

    // ---- The authorization server of a person's login (SPEC §7.5) ----

    /// The client id `/authorize` and `/oauth/token` accept: carto-auth's public one.
    member val LoginClientId = "0dxb8HR3ATXCxJiPOJVHsLoHoAtbRX6u" with get, set

    /// When set, `/authorize` answers the redirect URI with this `error` (and a description).
    member val LoginError: string option = None with get, set

    /// When set, `/authorize` sends back this `state` instead of the one it was given.
    member val LoginState: string option = None with get, set

    /// The `host:port` that `/accounts` names as the tenant domain: the stand-in itself, set when it starts.
    member val TenantHost = "" with get, set

    /// The text `/config.yaml` serves; by default one whose `apis.baseUrl` is the stand-in.
    member val TenantConfig: string option = None with get, set

    /// The codes `/authorize` issued, each with its challenge, redirect URI and client id.
    member val Codes = ConcurrentDictionary<string, string * string * string>() with get

    // ---- The Tokens API (SPEC §12) ----

    /// The API Access Tokens created and not deleted, each as the JSON object `GET /v3/tokens` lists.
    member val ApiTokens = ConcurrentDictionary<string, string>() with get

    /// The shape of `GET /v3/tokens`' answer.
    member val TokenListShape = TokenListShape.Array with get, set

    /// Whether the bearer may create and delete tokens; when false, 403 as CARTO answers a
    /// token without `write:tokens`.
    member val MayWriteTokens = true with get, set

    /// How long `POST /v3/tokens` takes to answer.
    member val TokenCreateDelay = TimeSpan.Zero with get, set

    /// The API Access Tokens created so far.
    member _.ApiTokensCreated = Volatile.Read(&created)

    /// `POST /v3/tokens`: a new API Access Token (a JWT whose payload has only `a`, `jti` and `exp`
    /// when it expires, as CARTO's), listed with what was asked; 400 without grants or APIs.
    member private this.CreateApiToken(body: string) : Answer =
        let asked =
            try
                match Nodes.JsonNode.Parse body with
                | :? Nodes.JsonObject as o -> Some o
                | _ -> None
            with :? JsonException ->
                None

        match asked with
        | Some o when not (isNull o["grants"]) && not (isNull o["allowed_apis"]) ->
            let n = Interlocked.Increment(&created)

            let exp =
                match o["expiration_date"] with
                | null -> ""
                | date -> ",\"exp\":" + string (DateTimeOffset.Parse(date.GetValue<string>()).ToUnixTimeSeconds())

            let payload =
                "{\"a\":\""
                + (string n).PadLeft(8, '0')
                + "\",\"jti\":\""
                + Guid.NewGuid().ToString "N"
                + "\""
                + exp
                + "}"

            let token = "eyJhbGciOiJIUzI1NiJ9." + base64Url (Encoding.UTF8.GetBytes payload) + ".c2lnbmF0dXJl"
            o["token"] <- Nodes.JsonValue.Create token

            if isNull o["expiration_date"] then
                o["expiration_date"] <- null

            let text = o.ToJsonString()
            this.ApiTokens[token] <- text
            (Answer.Json 201 text).After this.TokenCreateDelay
        | _ -> Answer.Json 400 "{\"error\": \"Bad request\", \"description\": \"grants and allowed_apis are required\"}"

    /// `GET /v3/tokens` in the shape the test chose.
    member private this.ListApiTokens() : Answer =
        let items = "[" + String.Join(",", this.ApiTokens.Values) + "]"

        match this.TokenListShape with
        | TokenListShape.Array -> Answer.Json 200 items
        | TokenListShape.Data -> Answer.Json 200 ("{\"data\": " + items + ", \"meta\": {\"page\": 1}}")
        | TokenListShape.Results ->
            Answer.Json 200 ("{\"results\": " + items + ", \"total\": " + string this.ApiTokens.Count + "}")

    /// Accepts an access token handed to the client by the test.
    member _.AcceptToken(token: string) = tokens[token] <- true

    /// Refuses every token issued or accepted so far, as a revoked token is refused.
    member _.RevokeTokens() = tokens.Clear()

    /// The tokens issued by `/oauth/token` so far.
    member _.IssuedCount = Volatile.Read(&issued)

    /// A token accepted from now on, as `/oauth/token` answers it.
    member private this.Issue(token: string) : Answer =
        tokens[token] <- true

        Answer.Json
            200
            (json (fun w ->
                w.WriteString("access_token", token)
                w.WriteNumber("expires_in", this.TokenLifetime)
                w.WriteString("token_type", "Bearer")))

    /// CARTO's answer to a request.
    member this.Answer(request: Received) : Answer =
        let bearer =
            if request.Authorization.StartsWith("Bearer ", StringComparison.Ordinal) then
                request.Authorization.Substring 7
            else
                ""

        let validToken = bearer <> "" && tokens.ContainsKey bearer
        let unauthorized = Answer.Json 401 "{\"error\": \"unauthorized\"}"

        match request.Method, request.Path with
        | "GET", "/authorize" ->
            let query = form (request.Query.TrimStart '?')
            let redirect = query.TryFind "redirect_uri" |> Option.defaultValue ""
            let state = this.LoginState |> Option.orElse (query.TryFind "state") |> Option.defaultValue ""

            let back (parameters: (string * string) list) =
                let encoded =
                    parameters |> List.map (fun (k, v) -> k + "=" + Uri.EscapeDataString v) |> String.concat "&"

                (Answer.Html 302 "").WithHeader("Location", redirect + "?" + encoded)

            if
                query.TryFind "client_id" <> Some this.LoginClientId
                || query.TryFind "response_type" <> Some "code"
                || query.TryFind "code_challenge_method" <> Some "S256"
                || not (
                    redirect.StartsWith("http://localhost:", StringComparison.Ordinal)
                    || redirect = "https://app.carto.com/auth/token"
                )
            then
                Answer.Html 400 "bad authorize request"
            else
                match this.LoginError with
                | Some error -> back [ "error", error; "error_description", "The user said no"; "state", state ]
                | None ->
                    let code = "code-" + Guid.NewGuid().ToString "N"

                    this.Codes[code] <-
                        (query.TryFind "code_challenge" |> Option.defaultValue "", redirect, this.LoginClientId)

                    back [ "code", code; "state", state ]
        | "POST", "/oauth/token" when (form request.Body).TryFind "grant_type" = Some "authorization_code" ->
            let fields = form request.Body
            let code = fields.TryFind "code" |> Option.defaultValue ""

            let verified =
                match this.Codes.TryRemove code with
                | true, (challenge, redirect, clientId) ->
                    let verifier = fields.TryFind "code_verifier" |> Option.defaultValue ""

                    let computed = base64Url (Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes verifier))

                    computed = challenge
                    && fields.TryFind "redirect_uri" = Some redirect
                    && fields.TryFind "client_id" = Some clientId
                | _ -> false

            if verified then
                let n = Interlocked.Increment(&issued)
                // A JWT whose `exp` is the token's lifetime from now, as CARTO's tokens are.
                let exp = DateTimeOffset.UtcNow.AddSeconds(float this.TokenLifetime).ToUnixTimeSeconds()

                let payload = base64Url (Encoding.UTF8.GetBytes("{\"exp\":" + string exp + ",\"n\":" + string n + "}"))

                this.Issue("eyJhbGciOiJub25lIn0." + payload + ".bG9naW4")
            else
                Answer.Json
                    403
                    "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid authorization code or verifier\"}"
        | "GET", "/accounts" when validToken ->
            Answer.Json 200 (json (fun w -> w.WriteString("tenant_domain", this.TenantHost)))
        | "GET", "/accounts" -> unauthorized
        | "GET", "/config.yaml" ->
            { Answer.Html
                  200
                  (this.TenantConfig
                   |> Option.defaultValue (
                       "# The tenant's settings\nversion: 3\napis:\n  baseUrl: http://"
                       + this.TenantHost
                       + "\n  sqlUrl: http://"
                       + this.TenantHost
                       + "/v3/sql\nauth:\n  domain: auth.example\n"
                   )) with
                ContentType = "text/yaml" }
        | "POST", "/oauth/token" ->
            let fields = form request.Body

            if
                fields.TryFind "grant_type" = Some "client_credentials"
                && fields.TryFind "client_id" = Some this.ClientId
                && fields.TryFind "client_secret" = Some this.ClientSecret
            then
                this.Issue("stand-in-token-" + (Interlocked.Increment(&issued)).ToString "D4")
            else
                Answer.Json 401 "{\"error\": \"access_denied\", \"error_description\": \"Unauthorized\"}"
        | "GET", "/users/me" when validToken ->
            Answer.Json
                200
                (json (fun w ->
                    w.WriteString("user_id", this.UserId)
                    w.WriteString("email", this.Email)
                    w.WriteStartObject "user_metadata"
                    w.WriteString("tenant_domain", this.TenantDomain)
                    w.WriteEndObject()))
        | "GET", "/users/me" -> unauthorized
        | "GET", path when path.EndsWith("/api/v3/me", StringComparison.Ordinal) ->
            if (form (request.Query.TrimStart '?')).TryFind "api_key" = Some this.ApiKey then
                Answer.Json
                    200
                    (json (fun w ->
                        w.WriteStartObject "user_data"
                        w.WriteString("username", this.Username)
                        w.WriteString("id", this.LegacyUserId)
                        w.WriteEndObject()))
            else
                Answer.Json 401 "{\"errors\": [\"Unauthorized\"]}"
        | "POST", "/v3/tokens" when validToken && this.MayWriteTokens -> this.CreateApiToken request.Body
        | "GET", "/v3/tokens" when validToken -> this.ListApiTokens()
        | ("POST" | "DELETE"), path when
            validToken && not this.MayWriteTokens && path.StartsWith("/v3/tokens", StringComparison.Ordinal)
            ->
            Answer.Json 403 "{\"error\": \"Forbidden\", \"description\": \"Missing required permission: write:tokens\"}"
        | "DELETE", path when validToken && path.StartsWith("/v3/tokens/", StringComparison.Ordinal) ->
            match this.ApiTokens.TryRemove(Uri.UnescapeDataString(path.Substring "/v3/tokens/".Length)) with
            | true, _ -> Answer.Json 204 ""
            | _ -> Answer.Json 404 "{\"error\": \"Token not found\"}"
        | _, "/v3/tokens" -> unauthorized
        | "GET", "/v3/connections/carto-dw/token" when validToken ->
            Answer.Json
                200
                (json (fun w ->
                    w.WriteString("projectId", this.DwProject)
                    w.WriteString("token", this.DwToken)))
        | "GET", "/v3/connections" when validToken ->
            Answer.Json
                200
                "[{\"name\": \"carto_dw\", \"provider_id\": \"bigquery\"}, {\"name\": \"snowflake_prod\", \"provider_id\": \"snowflake\"}]"
        | "GET", "/api/v2/sql" ->
            if (form (request.Query.TrimStart '?')).TryFind "api_key" = Some this.ApiKey then
                Answer.Json 200 "{\"rows\": [{\"one\": 1}], \"total_rows\": 1}"
            else
                Answer.Json 401 "{\"error\": [\"permission denied\"]}"
        | _, path when
            path.StartsWith("/v3/", StringComparison.Ordinal) && not (path.EndsWith("/echo", StringComparison.Ordinal))
            ->
            if validToken then
                Answer.Json 200 "{\"rows\": [{\"one\": 1}]}"
            else
                unauthorized
        | _, path when path.EndsWith("/echo", StringComparison.Ordinal) ->
            Answer.Json
                200
                (json (fun w ->
                    w.WriteString("method", request.Method)
                    w.WriteString("path", request.Path)
                    w.WriteString("query", request.Query)
                    w.WriteString("authorization", request.Authorization)
                    w.WriteString("body", request.Body)))
        | _, path when path.EndsWith("/protected", StringComparison.Ordinal) ->
            if validToken then Answer.Json 200 "{\"ok\": true}" else unauthorized
        | _ -> Answer.Json 404 "{\"error\": \"not found\"}"

/// A stand-in for CARTO on a free port of 127.0.0.1: `Account`'s routes, unless `Answer` says
/// otherwise. It keeps every request it received. It stops when disposed; each answer waits at
/// most 30 s.
type CartoServer(answer: Func<Received, Answer>) =
    /// A listener on a free port, trying at most 10 ports (each may be taken meanwhile).
    let listener, port =
        let rec start attempt =
            let port = CartoServer.FreePort()
            let listener = new HttpListener()
            listener.Prefixes.Add("http://127.0.0.1:" + string port + "/")

            try
                listener.Start()
                listener, port
            with :? HttpListenerException when attempt < 10 ->
                listener.Close()
                start (attempt + 1)

        start 1

    let received = ConcurrentQueue<Received>()
    let account = CartoAccount()
    do account.TenantHost <- "127.0.0.1:" + string port
    let mutable override' = answer
    let mutable keepAlive = false
    let stop = new CancellationTokenSource()

    let serve (context: HttpListenerContext) : Task =
        task {
            use reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)
            let! body = reader.ReadToEndAsync()
            let raw = context.Request.RawUrl
            let mark = raw.IndexOf '?'

            let request =
                { Method = context.Request.HttpMethod
                  Path = (if mark < 0 then raw else raw.Substring(0, mark))
                  Query = (if mark < 0 then "" else raw.Substring mark)
                  Authorization = context.Request.Headers["Authorization"] |> Option.ofObj |> Option.defaultValue ""
                  ContentType = context.Request.ContentType |> Option.ofObj |> Option.defaultValue ""
                  Body = body }

            received.Enqueue request

            let reply =
                match Volatile.Read(&override') with
                | null -> account.Answer request
                | given -> given.Invoke request

            if reply.Delay > TimeSpan.Zero then
                try
                    do! Task.Delay(min reply.Delay (TimeSpan.FromSeconds 30.0), stop.Token)
                with :? OperationCanceledException ->
                    ()

            try
                let bytes = Encoding.UTF8.GetBytes reply.Body
                context.Response.StatusCode <- reply.Status

                for name, value in reply.Headers do
                    context.Response.Headers[name] <- value

                // One connection a request unless told: a pooled connection that the listener has
                // closed would fail the next POST (which is not retried), and make counts flaky.
                context.Response.KeepAlive <- Volatile.Read(&keepAlive)
                context.Response.ContentType <- reply.ContentType
                context.Response.ContentLength64 <- int64 bytes.Length
                do! context.Response.OutputStream.WriteAsync(bytes, 0, bytes.Length)
                context.Response.Close()
            with
            | :? HttpListenerException
            | :? ObjectDisposedException
            | :? InvalidOperationException -> ()
        }

    let loop =
        Task.Run(fun () ->
            task {
                while not stop.IsCancellationRequested do
                    try
                        let! context = listener.GetContextAsync()
                        serve context |> ignore
                    with
                    | :? HttpListenerException
                    | :? ObjectDisposedException -> ()
            }
            :> Task)

    /// CARTO with its own routes.
    new() = new CartoServer(null)

    /// A URL of 127.0.0.1 where nothing listens: a stand-in's, after it stopped.
    /// A port of 127.0.0.1 the system just said is free; another may take it before the caller does.
    static member FreePort() =
        let probe = new TcpListener(IPAddress.Loopback, 0)
        probe.Start()
        let port = (probe.LocalEndpoint :?> IPEndPoint).Port
        probe.Stop()
        port

    static member ClosedUrl() =
        let server = new CartoServer()
        let url = server.Url
        (server :> IDisposable).Dispose()
        url

    member _.Url = "http://127.0.0.1:" + string port
    member _.Port = port

    /// The account behind the routes: its keys, tokens and identity.
    member _.Account = account

    /// What every request received so far, in order.
    member _.Received: Received list = List.ofSeq received
    member _.Count = received.Count

    /// Keeps connections open between requests (for benchmarks; tests count requests on fresh ones).
    member _.KeepAlive
        with get () = Volatile.Read(&keepAlive)
        and set (value: bool) = Volatile.Write(&keepAlive, value)

    /// Answers every request from now on (null: CARTO's routes again).
    member _.Answer
        with get () = Volatile.Read(&override')
        and set (value: Func<Received, Answer>) = Volatile.Write(&override', value)

    interface IDisposable with
        member _.Dispose() =
            stop.Cancel()
            // Close alone: after Stop, Close would look the endpoint up again, binding the port anew.
            try
                listener.Close()
            with :? HttpListenerException ->
                ()

            loop.Wait(TimeSpan.FromSeconds 5.0) |> ignore

/// A clock that moves only when told.
type ManualClock(start: DateTimeOffset) =
    inherit TimeProvider()
    let mutable now = start
    member _.Advance(by: TimeSpan) = now <- now + by
    override _.GetUtcNow() = now
