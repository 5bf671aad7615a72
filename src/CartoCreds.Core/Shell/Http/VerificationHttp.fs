namespace CartoCreds.Core

open System
open System.Net.Http
open System.Threading
open System.Threading.Tasks

/// SPEC §8: verifies credentials by asking CARTO whose they are. One request (two for client
/// credentials whose token is refused: it is exchanged again once), bounded in time; the caller's
/// cancellation is honoured and raised as such, never taken for unreachability.
[<RequireQualifiedAccess>]
module VerificationHttp =

    /// Legacy credentials: `GET {base_url}/api/v3/me?api_key=KEY`.
    let legacy
        (client: HttpClient)
        (timeout: TimeSpan)
        (credentials: Credentials)
        (cancel: CancellationToken)
        : Task<Result<Identity, VerifyError>> =
        let shown = Verification.legacyUrl credentials
        let sent = Verification.legacyRequest credentials

        let asked =
            { Endpoint = Endpoint.LegacyAccount
              Method = HttpMethod.Get
              Shown = shown
              Prepare = fun request -> request.RequestUri <- sent
              Read = Verification.answer Endpoint.LegacyAccount }

        Telemetry.traced "cartocreds.verify" "api_key" shown Telemetry.verifyOutcome (fun () ->
            CartoCall.send (CartoCall.plain client) timeout asked cancel)

    /// <summary>
    /// CARTO 3 credentials: `GET {accounts_url}/users/me` with the bearer token (`authenticate`
    /// attaches it to the accounts service's origin).
    /// </summary>
    let cloud (request: BearerRequest) (accounts: ServiceUrl) =
        let endpoint = Endpoint.CloudAccount

        CartoCall.withBearer
            "cartocreds.verify"
            Telemetry.verifyOutcome
            (CartoCall.plainly endpoint (Verification.cloudUrl accounts) (Verification.answer endpoint))
            request

    /// <summary>
    /// SPEC §7.8: `GET {api_base_url}/v3/connections/carto-dw/token` with the bearer token
    /// (`authenticate` attaches it to the API base URL's origin) → the CARTO Data Warehouse's
    /// project and token. No redirect is followed.
    /// </summary>
    let dataWarehouse (request: BearerRequest) (api: ApiBaseUrl) =
        CartoCall.withBearer
            "cartocreds.carto_dw"
            Telemetry.verifyOutcome
            (CartoCall.plainly Endpoint.DataWarehouse (DataWarehouse.url api) DataWarehouse.answer)
            request
