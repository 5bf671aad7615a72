namespace CartoCreds.Core

open System

/// A field of CARTO 3 credentials (SPEC §7).
[<RequireQualifiedAccess>]
type CloudField =
    | Token
    | ClientId
    | ClientSecret
    | ApiBaseUrl
    | TenantId

/// Why a CARTO 3 value was refused (SPEC §7). As with `ValueError`, no case carries a token, a
/// client id or a secret, and a refused URL or tenant only as `Refused.show` makes it.
[<RequireQualifiedAccess>]
type CloudValueError =
    | Empty of field: CloudField
    | Character of field: CloudField * kind: CharacterKind * position: int
    /// The API base URL breaks SPEC §1's URL rules.
    | ApiBaseUrl of ValueError
    /// `http` for a host that is not loopback (`localhost`, `127.0.0.0/8`, `[::1]`).
    | NotLoopback of shown: string option
    | TenantId of shown: string option
    /// `CARTO_AUTH_URL` set to the token endpoint itself, which the library adds to it.
    | TokenEndpoint

/// A token, a client id or a client secret: printable ASCII, as CARTO issues them (SPEC §1, §7).
/// Tokens and secrets are never shown whole; a client id is not a secret.
type CloudText = private CloudText of string

[<RequireQualifiedAccess>]
module CloudText =

    /// Validates a token, client id or secret (trimmed first).
    let create (field: CloudField) (text: string) : Result<CloudText, CloudValueError> =
        Secret.validate
            (CloudValueError.Empty field)
            (fun kind position -> CloudValueError.Character(field, kind, position))
            text
        |> Result.map CloudText

    let value (CloudText text) = text

    /// `****` and the last 4 characters (12 or more), else `****`.
    let mask (CloudText text) = Secret.mask text

/// The regional API base URL of CARTO 3 (SPEC §7): §1's URL rules, with `http` accepted for
/// loopback hosts only.
type ApiBaseUrl = private ApiBaseUrl of string

[<RequireQualifiedAccess>]
module ApiBaseUrl =

    /// Where nothing names a region.
    [<Literal>]
    let DefaultText = "https://gcp-us-east1.api.carto.com"

    let defaultUrl = ApiBaseUrl DefaultText

    /// The host of a normalized URL, without its port.
    let private hostOf (url: string) =
        let start = url.IndexOf("://", StringComparison.Ordinal) + 3

        let authority =
            match url.IndexOf('/', start) with
            | -1 -> url.Substring start
            | finish -> url.Substring(start, finish - start)

        if authority.StartsWith '[' then
            authority.Substring(0, authority.IndexOf ']' + 1)
        else
            match authority.IndexOf ':' with
            | -1 -> authority
            | colon -> authority.Substring(0, colon)

    /// `localhost`, an address of `127.0.0.0/8`, or `[::1]`.
    let isLoopback (host: string) =
        host = "localhost" || host = "[::1]" || (host.StartsWith "127." && host.Split('.').Length = 4)

    /// Validates and normalizes an API base URL (trimmed first).
    let create (text: string) : Result<ApiBaseUrl, CloudValueError> =
        match BaseUrl.create true text with
        | Error(ValueError.Empty _) -> Error(CloudValueError.Empty CloudField.ApiBaseUrl)
        | Error e -> Error(CloudValueError.ApiBaseUrl e)
        | Ok url ->
            let value = BaseUrl.value url

            if value.StartsWith("http://", StringComparison.Ordinal) && not (isLoopback (hostOf value)) then
                Error(CloudValueError.NotLoopback(Refused.show ("http://" + hostOf value)))
            else
                Ok(ApiBaseUrl value)

    /// `https://{tenant_id}.api.carto.com`, for a tenant id of 1–63 of `a–z 0–9 -`.
    let ofTenant (tenant: string) : Result<ApiBaseUrl, CloudValueError> =
        match Input.given tenant with
        | None -> Error(CloudValueError.Empty CloudField.TenantId)
        | Some id when
            id.Length <= 63 && id |> Seq.forall (fun c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c = '-')
            ->
            Ok(ApiBaseUrl("https://" + id + ".api.carto.com"))
        | Some id -> Error(CloudValueError.TenantId(Refused.show id))

    /// The tenant id, when the URL is of the `https://{tenant_id}.api.carto.com` form.
    let tenant (ApiBaseUrl url) : string option =
        let prefix = "https://"
        let suffix = ".api.carto.com"

        if url.StartsWith prefix && url.EndsWith suffix && url.Length > prefix.Length + suffix.Length then
            let id = url.Substring(prefix.Length, url.Length - prefix.Length - suffix.Length)
            if id.Contains '.' || id.Contains ':' then None else Some id
        else
            None

    let value (ApiBaseUrl url) = url

/// The base URL of a CARTO service other than the regional API (SPEC §7.4, §8): the auth server
/// (`CARTO_AUTH_URL`) or the accounts API (`CARTO_ACCOUNTS_URL`). The API base URL's rules, and a
/// type of its own, so that neither is ever taken for the other.
type ServiceUrl = private ServiceUrl of string

[<RequireQualifiedAccess>]
module ServiceUrl =

    /// Validates and normalizes a service URL (trimmed first), by the API base URL's rules.
    let create (text: string) : Result<ServiceUrl, CloudValueError> =
        ApiBaseUrl.create text |> Result.map (ApiBaseUrl.value >> ServiceUrl)

    let value (ServiceUrl url) = url

/// JSON Web Tokens, as far as an expiry needs them.
[<RequireQualifiedAccess>]
module Jwt =

    let private base64Url (part: string) =
        let padded = part.Replace('-', '+').Replace('_', '/')
        let padded = padded + String('=', (4 - padded.Length % 4) % 4)
        let buffer = Array.zeroCreate<byte>(padded.Length * 3 / 4)

        match Convert.TryFromBase64String(padded, Span buffer) with
        | true, written -> Some(ReadOnlyMemory(buffer, 0, written))
        | _ -> None

    /// The payload of a JWT, decoded from base64url; `None` for a token that is not a JWT.
    let private payload (token: string) : ReadOnlyMemory<byte> option =
        match token.Split '.' with
        | [| _; body; _ |] -> base64Url body
        | _ -> None

    /// The member names of a JWT's payload; `None` for a token that is not a JWT.
    let payloadNames (token: string) : string list option =
        payload token
        |> Option.bind (fun bytes ->
            match Decode.fromBytes Ok bytes with
            | Ok(Json.Object fields) -> Some [ for struct (name, _) in fields -> name ]
            | _ -> None)

    /// The numeric `exp` of a JWT's payload, as an instant; `None` for a token that is not a JWT
    /// or has no such field.
    let expiry (token: string) : DateTimeOffset option =
        payload token
        |> Option.bind (fun bytes ->
            match Decode.fromBytes (Decode.optionalField "exp" Decode.epochSeconds) bytes with
            | Ok expiry -> expiry
            | Error _ -> None)
