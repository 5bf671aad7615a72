namespace CartoCreds.Core

open System

/// SPEC §12: the Tokens API's URLs, and its answers read — a token created, the tokens listed, a
/// token deleted — or the failure, with CARTO's own words on a refused request (terminal-safe,
/// every token in them masked).
[<RequireQualifiedAccess>]
module TokensReply =

    /// `{api_base_url}/v3/tokens`.
    let url (api: ApiBaseUrl) : string = ApiBaseUrl.value api + "/v3/tokens"

    /// `DELETE`'s URL as sent: the token percent-encoded as one path segment.
    let tokenUrl (api: ApiBaseUrl) (token: string) : Uri = Uri(url api + "/" + Uri.EscapeDataString token)

    /// `DELETE`'s URL as shown: the token masked.
    let shownTokenUrl (api: ApiBaseUrl) (token: string) : string = url api + "/" + Secret.mask token

    /// What CARTO said of a refusal: its `error` and `description` (or `message`, `detail`),
    /// terminal-safe, every word shaped like a token masked.
    let said (body: ReadOnlyMemory<byte> option) : string option =
        match body |> Option.map (Decode.fromBytes Ok) with
        | Some(Ok(Json.Object _ as root)) ->
            match
                [ "error"; "description"; "message"; "detail" ]
                |> List.choose (fun n -> TokenExchange.stringField n root)
            with
            | [] -> None
            | parts -> Some(TokenExchange.masked (String.Join(": ", parts)))
        | _ -> None

    /// A failure answered with `status`: 400 and 422 are `InvalidRequest`, the rest as §8 says.
    let private failed (url: string) (status: int) (retry: TimeSpan option) (body: ReadOnlyMemory<byte> option) =
        let failure =
            match status with
            | 400
            | 422 -> VerifyFailure.InvalidRequest
            | _ -> Verification.failureOf status |> Option.defaultValue VerifyFailure.UnexpectedAnswer

        Verification.failedWith Endpoint.Tokens url status retry failure (said body)

    /// A success read by `decode`, or the failure.
    let private read
        (decode: ReadOnlyMemory<byte> -> Result<'T, DecodeError>)
        (url: string)
        (status: int)
        (retry: TimeSpan option)
        (body: ReadOnlyMemory<byte> option)
        : Result<'T, VerifyError> =
        // A success that is not the Tokens API's answer: the message says so (CallMessages).
        let unexpected () =
            Error(Verification.failedWith Endpoint.Tokens url status retry VerifyFailure.UnexpectedAnswer None)

        match Verification.failureOf status, body with
        | Some _, _ -> Error(failed url status retry body)
        | None, None -> unexpected ()
        | None, Some body ->
            match decode body with
            | Ok value -> Ok value
            | Error _ -> unexpected ()

    /// `POST /v3/tokens`' answer: the token created for `request`.
    let created (request: ApiTokenRequest) = read (ApiTokens.created request)

    /// `GET /v3/tokens`' answer: the caller's tokens.
    let listed = read ApiTokens.listed

    /// `DELETE /v3/tokens/{token}`'s answer: whether the token was there (404: it was not).
    let deleted (url: string) (status: int) (retry: TimeSpan option) (body: ReadOnlyMemory<byte> option) =
        match status with
        | 404 -> Ok false
        | _ -> read (fun _ -> Ok true) url status retry body
