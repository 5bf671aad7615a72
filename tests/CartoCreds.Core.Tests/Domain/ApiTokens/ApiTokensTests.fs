/// SPEC §12's checks, body and replies, in the pure core: every rule stated as a property over
/// generated requests, and the Tokens API's reply shapes read.
module CartoCreds.Core.Tests.ApiTokensTests

open System
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core

let private now = DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero)

let private asking grants apis = { Grants = grants; Apis = apis; Referers = []; ExpiresOn = None }

let private grant connection source = { Connection = connection; Source = source }

let private problems (input: ApiTokenInput) =
    match ApiTokens.request now input with
    | Ok _ -> []
    | Error problems -> problems

let private valid = asking [ grant "carto_dw" "project.dataset.table" ] [ TokenApi.Maps; TokenApi.Sql ]

let private name = Gen.elements [ "carto_dw"; "bigquery-prod"; "a"; String('c', 128) ]

let private table =
    Gen.elements [ "project.dataset.table"; "cartobq.public_account.populated_places"; "t" ]

let private query =
    Gen.elements [ "SELECT * FROM t"; "select a,\n  b\r\nfrom t\twhere x = 1"; "SELECT geom FROM `p.d.t`" ]

let private narrow = Gen.elements [ "project.dataset.*"; "p.d.prefix_*"; "a.b.c.*"; "*" ]

let private broad = Gen.elements [ "project.*"; "CARTO_*"; "table*"; ".*"; "**"; "a..*"; "p..d.*" ]

[<Property>]
let ``a table, a query, * and a narrow wildcard are each a source; a request of them passes`` () =
    Prop.forAll (Arb.fromGen (Gen.zip name (Gen.oneof [ table; query; narrow ]))) (fun (connection, source) ->
        problems (asking [ grant connection source ] [ TokenApi.Sql ]) = [])

[<Property>]
let ``a wildcard with fewer than two named segments before its first * is refused, naming the grant`` () =
    Prop.forAll (Arb.fromGen (Gen.zip broad (Gen.choose (0, 3)))) (fun (pattern, before) ->
        let grants = List.replicate before (grant "ok" "t") @ [ grant "carto_dw" pattern ]

        problems (asking grants [ TokenApi.Maps ]) =
            [ ApiTokenProblem.Source(before + 1, SourceProblem.BroadWildcard pattern) ])

[<Property>]
let ``a control character is refused in a connection name, and in a source unless it breaks a query's lines`` () =
    let control = Gen.elements [ '\u0000'; '\u0007'; '\u001b'; '\u007f' ]

    Prop.forAll (Arb.fromGen control) (fun c ->
        problems (asking [ grant ("conn" + string c) "t" ] [ TokenApi.Sql ]) =
            [ ApiTokenProblem.ConnectionName(1, ConnectionNameProblem.ControlCharacter) ]
        && problems (asking [ grant "conn" ("SELECT 1" + string c) ] [ TokenApi.Sql ]) =
            [ ApiTokenProblem.Source(1, SourceProblem.ControlCharacter) ]
        && problems (asking [ grant "conn" ("table" + string c) ] [ TokenApi.Sql ]) =
            [ ApiTokenProblem.Source(1, SourceProblem.ControlCharacter) ])

[<Property>]
let ``a connection name is 1 to 128 characters`` (length: PositiveInt) =
    let length = length.Get % 300
    let said = problems (asking [ grant (String('c', length)) "t" ] [ TokenApi.Sql ])

    match length with
    | 0 -> said = [ ApiTokenProblem.ConnectionName(1, ConnectionNameProblem.Empty) ]
    | n when n <= 128 -> said = []
    | n -> said = [ ApiTokenProblem.ConnectionName(1, ConnectionNameProblem.TooLong n) ]

[<Property>]
let ``allowed APIs are a non-empty set, imports only alone`` (apis: TokenApi list) =
    let said = problems { valid with Apis = apis }

    match List.distinct apis with
    | [] -> said = [ ApiTokenProblem.NoApis ]
    | distinct when List.contains TokenApi.Imports distinct && distinct.Length > 1 ->
        said = [ ApiTokenProblem.ImportsNotAlone ]
    | _ -> said = []

[<Fact>]
let ``no grant at all is refused before anything else is looked at`` () =
    Assert.Equal<ApiTokenProblem list>([ ApiTokenProblem.NoGrants ], problems (asking [] [ TokenApi.Sql ]))

[<Theory>]
[<InlineData("https://app.example.com", "https://app.example.com")>]
[<InlineData("https://App.Example.com/", "https://app.example.com")>]
[<InlineData("https://app.example.com:8443", "https://app.example.com:8443")>]
[<InlineData("http://localhost:5173", "http://localhost:5173")>]
[<InlineData("http://127.0.0.1:8080/", "http://127.0.0.1:8080")>]
let ``a referer is an origin, normalized`` (text: string, origin: string) =
    Assert.Equal(Ok origin, ApiTokens.referer text)

[<Theory>]
[<InlineData("http://app.example.com")>]
[<InlineData("https://app.example.com/maps")>]
[<InlineData("https://app.example.com?x=1")>]
[<InlineData("https://app.example.com#x")>]
[<InlineData("https://ana:pw@app.example.com")>]
[<InlineData("app.example.com")>]
[<InlineData("ftp://app.example.com")>]
let ``a referer that is not an origin is refused, naming its position and what it holds`` (text: string) =
    match problems { valid with Referers = [ "https://ok.example.com"; text ] } with
    | [ ApiTokenProblem.Referer(2, shown, _) ] as said ->
        // Shown up to its path, query or user-info: a password in it is never repeated.
        Assert.StartsWith(shown.TrimEnd '…', text)
        Assert.DoesNotContain("pw", shown)
        Assert.StartsWith("referer 2 (" + shown + ") ", ValueMessages.apiTokenProblem said.Head)
    | other -> failwithf "%A" other

[<Fact>]
let ``an expiry must be in the future; every problem is said at once`` () =
    let input =
        { Grants = [ grant "" "project.*" ]
          Apis = []
          Referers = [ "http://example.com" ]
          ExpiresOn = Some now }

    Assert.Equal<ApiTokenProblem list>(
        [ ApiTokenProblem.ConnectionName(1, ConnectionNameProblem.Empty)
          ApiTokenProblem.Source(1, SourceProblem.BroadWildcard "project.*")
          ApiTokenProblem.NoApis
          ApiTokenProblem.Referer(1, "http://example.com", RefererProblem.HttpNotLoopback)
          ApiTokenProblem.ExpiryPast now ],
        problems input
    )

[<Fact>]
let ``the body carries the grants and APIs, and the referers and expiry only when given`` () =
    let request (input: ApiTokenInput) =
        match ApiTokens.request now input with
        | Ok r -> r
        | Error e -> failwithf "%A" e

    let plain = Encoding.UTF8.GetString(ApiTokens.body (request valid))

    Assert.Equal(
        """{"grants":[{"connection_name":"carto_dw","source":"project.dataset.table"}],"allowed_apis":["maps","sql"]}""",
        plain
    )

    let full =
        request
            { valid with
                Apis = [ TokenApi.Sql; TokenApi.Sql ]
                Referers = [ "https://App.example.com/"; "https://app.example.com" ]
                ExpiresOn = Some(now.AddHours 1.0) }

    Assert.Equal(
        """{"grants":[{"connection_name":"carto_dw","source":"project.dataset.table"}],"allowed_apis":["sql"],"referers":["https://app.example.com"],"expiration_date":"2026-12-07T13:00:00Z"}""",
        Encoding.UTF8.GetString(ApiTokens.body full)
    )

    // The canonical form is the same whatever order the lists were given in.
    let reordered =
        request
            { valid with
                Grants = [ grant "b" "t2"; grant "a" "t1" ]
                Apis = [ TokenApi.Sql; TokenApi.Maps ] }

    let ordered =
        request
            { valid with
                Grants = [ grant "a" "t1"; grant "b" "t2" ]
                Apis = [ TokenApi.Maps; TokenApi.Sql ] }

    Assert.Equal(ApiTokens.canonical ordered, ApiTokens.canonical reordered)
    Assert.NotEqual<string>(ApiTokens.canonical ordered, ApiTokens.canonical (request valid))

[<Fact>]
let ``a created token is what the request asked for; a reply without a token is an error`` () =
    let request =
        match ApiTokens.request now { valid with ExpiresOn = Some(now.AddHours 1.0) } with
        | Ok r -> r
        | Error e -> failwithf "%A" e

    let reply (text: string) = ReadOnlyMemory(Encoding.UTF8.GetBytes text)

    match ApiTokens.created request (reply """{"token": "eyJhbGciOi.new.token", "id": 7}""") with
    | Ok token ->
        Assert.Equal("eyJhbGciOi.new.token", token.Value)
        Assert.Equal<TokenApi list>([ TokenApi.Maps; TokenApi.Sql ], token.Apis)
        Assert.Equal(Some(now.AddHours 1.0), token.ExpiresOn)
        Assert.DoesNotContain("new.token", string token)
    | Error e -> failwithf "%A" e

    Assert.True(Result.isError (ApiTokens.created request (reply """{"id": 7}""")))
    Assert.True(Result.isError (ApiTokens.created request (reply "<html>")))

[<Fact>]
let ``a list is read as an array, or an object's data or results; never is a null expiry`` () =
    let one =
        """{"token": "tok-0001-aaaa", "grants": [{"connection_name": "c", "source": "t"}],
            "allowed_apis": ["sql", "unknown"], "referers": ["https://a.example"],
            "expiration_date": null, "created_at": "2026-01-01"}"""

    let two = """{"token": "tok-0002-bbbb", "expiration_date": "2026-12-31T23:00:00Z"}"""
    let reply (text: string) = ReadOnlyMemory(Encoding.UTF8.GetBytes text)

    for shape in
        [ "[" + one + "," + two + "]"
          """{"data": [""" + one + "," + two + "]}"
          """{"results": [""" + one + "," + two + """], "total": 2}""" ] do
        match ApiTokens.listed (reply shape) with
        | Ok [ first; second ] ->
            Assert.Equal("tok-0001-aaaa", first.Value)
            Assert.Equal<TokenGrant list>([ grant "c" "t" ], first.Grants)
            Assert.Equal<TokenApi list>([ TokenApi.Sql ], first.Apis)
            Assert.Equal(None, first.ExpiresOn)
            Assert.Equal(Some(DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero)), second.ExpiresOn)
        | other -> failwithf "%s: %A" shape other

    Assert.True(Result.isError (ApiTokens.listed (reply """{"tokens": 3}""")))

[<Fact>]
let ``an API Access Token is told from an OAuth token by its payload`` () =
    let jwt (payload: string) =
        let part (text: string) =
            Convert.ToBase64String(Encoding.UTF8.GetBytes text).TrimEnd('=').Replace('+', '-').Replace('/', '_')

        part """{"alg":"HS256"}""" + "." + part payload + ".c2lnbmF0dXJl"

    Assert.True(ApiTokens.isApiAccessToken (jwt """{"a":"ac_123","jti":"7e1b"}"""))
    Assert.True(ApiTokens.isApiAccessToken (jwt """{"a":"ac_123","jti":"7e1b","exp":1893456000}"""))
    Assert.False(ApiTokens.isApiAccessToken (jwt """{"sub":"auth0|x","aud":"carto","exp":1893456000}"""))
    Assert.False(ApiTokens.isApiAccessToken (jwt """{"a":"ac_123","jti":"7e1b","scope":"x"}"""))
    Assert.False(ApiTokens.isApiAccessToken "not-a-jwt")

[<Fact>]
let ``the command line's options are read, and a malformed one names itself`` () =
    Assert.Equal(Ok(grant "carto_dw" "SELECT a = 1 FROM t"), ApiTokens.grantOption "carto_dw=SELECT a = 1 FROM t")
    Assert.Equal(Ok(grant "bq" "p.d.*"), ApiTokens.grantOption " bq = p.d.* ")

    for bad in [ "no-equals"; "=source"; "" ] do
        match ApiTokens.grantOption bad with
        | Error(TokenOptionError.GrantSyntax _) -> ()
        | other -> failwithf "%s: %A" bad other

    Assert.Equal(Ok [ TokenApi.Sql; TokenApi.Maps ], ApiTokens.apisOption "sql, MAPS")
    Assert.Equal(Error(TokenOptionError.UnknownApi "tiles"), ApiTokens.apisOption "sql,tiles")
    Assert.Equal(Ok(now.AddMinutes 30.0), ApiTokens.expiresOption now "30m")
    Assert.Equal(Ok(now.AddHours 12.0), ApiTokens.expiresOption now "12h")
    Assert.Equal(Ok(now.AddDays 7.0), ApiTokens.expiresOption now "7d")

    Assert.Equal(
        Ok(DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero)),
        ApiTokens.expiresOption now "2026-12-31T23:00:00Z"
    )

    for bad in [ ""; "m"; "0h"; "-3d"; "3w"; "tomorrow"; "1.5h"; "\u001b[31m1d" ] do
        match ApiTokens.expiresOption now bad with
        | Error(TokenOptionError.ExpirySyntax shown) ->
            Assert.False(shown.Contains(char 27), shown)
            Assert.StartsWith("--expires ", ValueMessages.tokenOptionError (TokenOptionError.ExpirySyntax shown))
        | other -> failwithf "%s: %A" bad other
