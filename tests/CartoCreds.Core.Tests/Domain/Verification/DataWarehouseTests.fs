/// SPEC §7.8 without I/O: what an answer of `/v3/connections/carto-dw/token` means.
module CartoCreds.Core.Tests.DataWarehouseTests

open System
open System.Text
open Xunit
open CartoCreds.Core

let private url = "https://gcp-us-east1.api.carto.com/v3/connections/carto-dw/token"

let private answer status (body: string) =
    DataWarehouse.answer url status (Some(TimeSpan.FromSeconds 7.0)) (Some(ReadOnlyMemory(Encoding.UTF8.GetBytes body)))

let private failed (result: Result<DwCredentials, VerifyError>) =
    match result with
    | Error e -> e
    | Ok dw -> failwithf "read: %A" dw

[<Fact>]
let ``the URL is the API base URL's carto-dw token`` () =
    match ApiBaseUrl.create "https://gcp-us-east1.api.carto.com/" with
    | Ok api -> Assert.Equal(url, DataWarehouse.url api)
    | Error e -> failwithf "%A" e

[<Fact>]
let ``projectId and token are read; a JWT's exp is the expiry, an opaque token has none`` () =
    match answer 200 """{"projectId": "carto-dw-ac-1", "token": "ya29.opaque-dw-token"}""" with
    | Ok dw ->
        Assert.Equal("carto-dw-ac-1", dw.ProjectId)
        Assert.Equal("ya29.opaque-dw-token", dw.Token)
        Assert.Equal(None, dw.ExpiresOn)
        Assert.DoesNotContain("opaque-dw", string dw)
    | Error e -> failwithf "%A" e

    let exp = DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero)

    let payload =
        Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"exp\":" + string (exp.ToUnixTimeSeconds()) + "}")).TrimEnd '='

    let jwt = "eyJhbGciOiJub25lIn0." + payload + ".c2ln"

    match answer 200 ("{\"projectId\": \"p\", \"token\": \"" + jwt + "\"}") with
    | Ok dw -> Assert.Equal(Some exp, dw.ExpiresOn)
    | Error e -> failwithf "%A" e

[<Theory>]
[<InlineData("""{"token": "ya29.secret-dw-token"}""", "an answer without projectId")>]
[<InlineData("""{"projectId": "p", "token": ""}""", "an answer without token")>]
[<InlineData("""{"projectId": "p"}""", "an answer without token")>]
[<InlineData("""{}""", "an answer without projectId and token")>]
[<InlineData("""["ya29.secret-dw-token"]""", "an answer that is not a JSON object")>]
[<InlineData("""<html>ya29.secret-dw-token</html>""", "an answer that is not a JSON object")>]
[<InlineData("""{"projectId": "p", "token": "ya29.secret-dw\u001b[2J-token"}""",
             "an answer whose token is not printable ASCII")>]
[<InlineData("""{"projectId": "p", "token": "ya29.secret-dw\ninjected-token"}""",
             "an answer whose token is not printable ASCII")>]
[<InlineData("""{"projectId": "p", "token": "ya29.secret-dw\u0000-token"}""",
             "an answer whose token is not printable ASCII")>]
[<InlineData("""{"projectId": "p", "token": "ya29.secret-dw token"}""", "an answer whose token is not printable ASCII")>]
let ``a reply without both fields is an unexpected answer naming what it lacks, never its text``
    (body: string, detail: string)
    =
    let e = failed (answer 200 body)
    Assert.Equal(VerifyFailure.UnexpectedAnswer, e.Failure)
    Assert.Equal(Endpoint.DataWarehouse, e.Endpoint)
    Assert.Equal(Some detail, e.Detail)
    let message = CallMessages.verifyError e
    Assert.Contains(detail, message)
    Assert.Contains(url, message)
    Assert.DoesNotContain("secret-dw", message)

[<Theory>]
[<InlineData(401, "Rejected")>]
[<InlineData(403, "Rejected")>]
[<InlineData(404, "NotFound")>]
[<InlineData(429, "RateLimited")>]
[<InlineData(500, "UnexpectedAnswer")>]
let ``a status is §8's kind; a 404 says no CARTO Data Warehouse was found`` (status: int, kind: string) =
    let e = failed (answer status """{"projectId": "p", "token": "t"}""")
    Assert.Equal(kind, sprintf "%A" e.Failure)
    Assert.Equal(Some status, e.Status)
    Assert.Equal((if status = 429 then Some(TimeSpan.FromSeconds 7.0) else None), e.RetryAfter)

    if status = 404 then
        Assert.StartsWith("CARTO found no CARTO Data Warehouse (HTTP 404) at " + url, CallMessages.verifyError e)

[<Fact>]
let ``an answer too large is refused`` () =
    let e = failed (DataWarehouse.answer url 200 None None)
    Assert.Equal(Some "an answer too large to be credentials", e.Detail)
