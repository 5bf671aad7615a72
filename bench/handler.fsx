// SPEC §8: the cost of CartoAuthenticationHandler over a loopback GET, against the same GET with
// the credentials set by hand, as a ratio timed in one run. Loopback GETs on a small machine vary
// by tens of percent from one second to the next, so the two are interleaved: ROUNDS rounds
// (default 40), each sending REQUESTS GETs (default 400) by hand and then through the handler,
// in alternating order; the result is the median of the per-round ratios.
// Run by `dotnet fsi build.fsx bench`, after the Release build.
#r "../src/CartoCreds.Core/bin/Release/net10.0/Microsoft.Extensions.Logging.Abstractions.dll"
#r "../src/CartoCreds.Core/bin/Release/net10.0/CartoCreds.Core.dll"
#r "../src/CartoCreds/bin/Release/net10.0/CartoCreds.dll"
#r "../tests/CartoCreds.Testing/bin/Release/net10.0/CartoCreds.Testing.dll"
#load "Ratio.fsx"

open System
open System.Net
open System.Net.Http
open CartoCreds
open CartoCreds.Testing
open Ratio

let rounds = setting "ROUNDS" 40
let requests = setting "REQUESTS" 400

let server = new CartoServer(KeepAlive = true)
let token = "bench-access-token-0001"
server.Account.AcceptToken token
let cloud = CloudCredentials.FromToken(token, server.Url)
let legacy = Credentials(baseUrl = server.Url, apiKey = server.Account.ApiKey, allowNonSecure = true)
let plain = new HttpClient(new SocketsHttpHandler())

let viaHandler (credentials: ICartoAuthenticator) =
    new HttpClient(new CartoAuthenticationHandler(credentials, new SocketsHttpHandler()))

let cloudClient = viaHandler cloud
let legacyClient = viaHandler legacy
let sql = server.Url + "/v3/sql/carto_dw/query?q=select%201"
let legacySql = server.Url + "/api/v2/sql?q=select%201"

let send (client: HttpClient) (request: HttpRequestMessage) =
    use request = request
    use response = client.Send request

    if response.StatusCode <> HttpStatusCode.OK then
        failwithf "the stand-in answered %d" (int response.StatusCode)

let bearerByHand () =
    let request = new HttpRequestMessage(HttpMethod.Get, sql)
    request.Headers.Authorization <- Headers.AuthenticationHeaderValue("Bearer", token)
    send plain request

let bearerByHandler () = send cloudClient (new HttpRequestMessage(HttpMethod.Get, sql))

let keyByHand () =
    send
        plain
        (new HttpRequestMessage(HttpMethod.Get, legacySql + "&api_key=" + Uri.EscapeDataString server.Account.ApiKey))

let keyByHandler () = send legacyClient (new HttpRequestMessage(HttpMethod.Get, legacySql))

printfn "a loopback GET, by hand and through CartoAuthenticationHandler (%d rounds of %d GETs):" rounds requests
compare "bearer" rounds requests bearerByHand bearerByHandler |> ignore
compare "api_key" rounds requests keyByHand keyByHandler |> ignore

for client in [ plain; cloudClient; legacyClient ] do
    client.Dispose()

(server :> IDisposable).Dispose()
