/// SPEC §7: CARTO 3 values: tokens, client credentials, API base URLs, tenants, JWT expiry.
module CartoCreds.Core.Tests.CloudValuesTests

open System
open System.Text
open Xunit
open FsCheck.FSharp
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

/// A JWT with the given payload (header and signature are not checked here).
let private jwt (payload: string) =
    let encode (text: string) =
        Convert.ToBase64String(Encoding.UTF8.GetBytes text).TrimEnd('=').Replace('+', '-').Replace('/', '_')

    encode """{"alg":"RS256","typ":"JWT"}""" + "." + encode payload + ".c2lnbmF0dXJl"

let private ok' result =
    match result with
    | Ok value -> value
    | Error errors -> failwithf "%s" (errors |> List.map ValueMessages.cloudValueError |> String.concat "; ")

[<Spec>]
let ``a token of printable ASCII is accepted and masked like a key`` (SecretKey token) =
    let credentials = CloudCredentials.ofToken token None |> ok'

    (credentials.Text =
        "CloudCredentials(token=****"
        + token.Substring(token.Length - 4)
        + ", api_base_url=https://gcp-us-east1.api.carto.com)"
     && not ((sprintf "%A" credentials).Contains token))
    |@ credentials.Text

[<Spec>]
let ``a token, client id or secret with any other character is refused by kind and position, never shown``
    (InvalidApiKey bad)
    =
    let position = bad |> Seq.findIndex (fun c -> c < '!' || c > '~')

    let refused =
        [ CloudCredentials.ofToken bad None
          CloudCredentials.ofClientCredentials bad "secretsecretsecret" None
          CloudCredentials.ofClientCredentials "client" bad None ]

    refused
    |> List.forall (fun result ->
        match result with
        | Error [ CloudValueError.Character(_, _, at) as e ] ->
            at = position + 1 && not ((ValueMessages.cloudValueError e).Contains(bad.Trim()))
        | _ -> false)
    |@ $"%A{refused}"

[<Fact>]
let ``a JWT's exp is the token's expiry; any other token has none`` () =
    let token = jwt """{"sub":"auth0|ana","exp":1893456000,"iat":1700000000}"""
    let credentials = CloudCredentials.ofToken token None |> ok'

    match credentials.Grant with
    | Grant.AccessToken(_, expiry) -> Assert.Equal(Some(DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)), expiry)
    | other -> failwithf "%A" other

    Assert.Equal(None, Jwt.expiry "not-a-jwt-at-all")
    Assert.Equal(None, Jwt.expiry (jwt """{"sub":"x"}"""))
    Assert.Equal(None, Jwt.expiry (jwt """{"exp":"soon"}"""))
    Assert.Equal(None, Jwt.expiry (jwt "[1,2]"))
    Assert.Equal(None, Jwt.expiry "a.%%%.c")

[<Fact>]
let ``the API base URL follows the base URL rules; http only for loopback hosts`` () =
    let url text = ApiBaseUrl.create text |> Result.map ApiBaseUrl.value
    Assert.Equal(Ok "https://gcp-us-east1.api.carto.com", url "https://GCP-US-EAST1.api.carto.com/")
    Assert.Equal(Ok "https://carto.example.com/api", url "https://carto.example.com/api")
    Assert.Equal(Ok "http://localhost:8080", url "http://localhost:8080")
    Assert.Equal(Ok "http://127.0.0.1:5000/api", url "http://127.0.0.1:5000/api/")
    Assert.Equal(Ok "http://[::1]:5000", url "http://[::1]:5000")

    Assert.Equal(
        Error(CloudValueError.NotLoopback(Some "http://carto.example.com")),
        url "http://carto.example.com/api"
    )

    Assert.Equal(Error(CloudValueError.NotLoopback(Some "http://127.example.com")), url "http://127.example.com")
    Assert.Equal(Error(CloudValueError.ApiBaseUrl ValueError.BaseUrlQuery), url "https://a.api.carto.com?x=1")
    Assert.Equal(Error(CloudValueError.Empty CloudField.ApiBaseUrl), url "  ")

    Assert.Equal(
        "API base URL 'http://carto.example.com' is not secure (http); use https (http is accepted for localhost, 127.0.0.0/8 and [::1] only)",
        ValueMessages.cloudValueError (CloudValueError.NotLoopback(Some "http://carto.example.com"))
    )

[<Fact>]
let ``a tenant id gives its regional URL, and a URL of that form gives its tenant`` () =
    let url = ApiBaseUrl.ofTenant "gcp-europe-west1" |> Result.map ApiBaseUrl.value
    Assert.Equal(Ok "https://gcp-europe-west1.api.carto.com", url)

    Assert.Equal(
        Some "gcp-europe-west1",
        ApiBaseUrl.ofTenant "gcp-europe-west1" |> Result.toOption |> Option.bind ApiBaseUrl.tenant
    )

    Assert.Equal(
        None,
        ApiBaseUrl.create "https://carto.example.com/api" |> Result.toOption |> Option.bind ApiBaseUrl.tenant
    )

    Assert.Equal(Error(CloudValueError.TenantId(Some "GCP_EU")), ApiBaseUrl.ofTenant "GCP_EU")
    Assert.Equal(Error(CloudValueError.TenantId(Some(String('a', 40) + "…"))), ApiBaseUrl.ofTenant (String('a', 64)))

[<Fact>]
let ``client credentials show the client id, never the secret`` () =
    let credentials =
        CloudCredentials.ofClientCredentials
            "aBcD1234client"
            "s3cr3t-s3cr3t-s3cr3t"
            (Some "https://carto.example.com/api")
        |> ok'

    Assert.Equal(
        "CloudCredentials(client_id=aBcD1234client, client_secret=****cr3t, api_base_url=https://carto.example.com/api)",
        string credentials
    )

[<Fact>]
let ``every invalid field is reported at once`` () =
    match CloudCredentials.ofClientCredentials "" "a b" (Some "ftp://x") with
    | Error errors ->
        Assert.Equal<CloudValueError list>(
            [ CloudValueError.Empty CloudField.ClientId
              CloudValueError.Character(CloudField.ClientSecret, CharacterKind.Whitespace, 2)
              CloudValueError.ApiBaseUrl(ValueError.BaseUrlScheme(Some "ftp")) ],
            errors
        )
    | Ok c -> failwithf "%O" c
