namespace CartoCreds.Core

open System.Net.Http
open System.Net.Http.Headers
open System.Threading

/// SPEC §12: CARTO's Tokens API over HTTP, with the bearer token of client credentials or a login:
/// `POST /v3/tokens`, `GET /v3/tokens`, `DELETE /v3/tokens/{token}`. Each call is bounded in
/// time, follows no redirect, is traced and counted, and a refused token from client credentials
/// is exchanged again once (the same body sent again).
[<RequireQualifiedAccess>]
module ApiTokensHttp =

    /// Counts a call by its operation and outcome.
    let private counted (operation: string) (work: System.Threading.Tasks.Task<Result<'T, VerifyError>>) =
        task {
            let! result = work
            Telemetry.apiTokenCall operation (Telemetry.tokensOutcome result)
            return result
        }

    /// `POST {api_base_url}/v3/tokens` with the request's body → the token created.
    let create (request: BearerRequest) (api: ApiBaseUrl) (asked: ApiTokenRequest) (cancel: CancellationToken) =
        let body = ApiTokens.body asked

        let call =
            { Endpoint = Endpoint.Tokens
              Method = HttpMethod.Post
              Shown = TokensReply.url api
              Prepare =
                fun message ->
                    let content = new ByteArrayContent(body)
                    content.Headers.ContentType <- MediaTypeHeaderValue("application/json")
                    message.Content <- content
              Read = TokensReply.created asked }

        counted
            "create"
            (CartoCall.withBearer "cartocreds.api_token.create" Telemetry.tokensOutcome call request cancel)

    /// `GET {api_base_url}/v3/tokens` → the caller's tokens.
    let list (request: BearerRequest) (api: ApiBaseUrl) (cancel: CancellationToken) =
        let call = CartoCall.plainly Endpoint.Tokens (TokensReply.url api) TokensReply.listed
        counted "list" (CartoCall.withBearer "cartocreds.api_token.list" Telemetry.tokensOutcome call request cancel)

    /// `DELETE {api_base_url}/v3/tokens/{token}` (the token one percent-encoded path segment, shown
    /// masked) → whether it was there.
    let delete (request: BearerRequest) (api: ApiBaseUrl) (token: string) (cancel: CancellationToken) =
        let call =
            { Endpoint = Endpoint.Tokens
              Method = HttpMethod.Delete
              Shown = TokensReply.shownTokenUrl api token
              Prepare = fun message -> message.RequestUri <- TokensReply.tokenUrl api token
              Read = TokensReply.deleted }

        counted
            "delete"
            (CartoCall.withBearer "cartocreds.api_token.delete" Telemetry.tokensOutcome call request cancel)
