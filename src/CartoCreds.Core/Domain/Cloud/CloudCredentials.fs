namespace CartoCreds.Core

open System

/// How CARTO 3 credentials authenticate (SPEC §7): a bearer token, or a machine-to-machine client
/// id and secret exchanged for tokens.
[<RequireQualifiedAccess>]
type Grant =
    /// A token, and its own expiry when it is a JWT with an `exp`.
    | AccessToken of token: CloudText * expiresOn: DateTimeOffset option
    | ClientCredentials of clientId: CloudText * secret: CloudText

/// CARTO 3 credentials: a grant and the regional API base URL; valid by construction. The text
/// form masks the token and the secret.
[<StructuredFormatDisplay("{Text}")>]
type CloudCredentials =
    private
        { grant: Grant
          apiBaseUrl: ApiBaseUrl }

    member this.Grant = this.grant
    member this.ApiBaseUrl = this.apiBaseUrl

    /// `CloudCredentials(token=****abcd, api_base_url=…)` or
    /// `CloudCredentials(client_id=…, client_secret=****wxyz, api_base_url=…)`.
    member this.Text =
        let grant =
            match this.grant with
            | Grant.AccessToken(token, _) -> "token=" + CloudText.mask token
            | Grant.ClientCredentials(id, secret) ->
                "client_id=" + CloudText.value id + ", client_secret=" + CloudText.mask secret

        "CloudCredentials(" + grant + ", api_base_url=" + ApiBaseUrl.value this.apiBaseUrl + ")"

    override this.ToString() = this.Text

[<RequireQualifiedAccess>]
module CloudCredentials =

    let private apiBaseUrl (url: string option) =
        match Input.givenOption url with
        | None -> Ok ApiBaseUrl.defaultUrl
        | Some text -> ApiBaseUrl.create text

    let private errors (result: Result<_, CloudValueError>) =
        match result with
        | Ok _ -> []
        | Error e -> [ e ]

    /// An access token and its API base URL (the default region when none is given); the expiry
    /// is the token's own, when it is a JWT with an `exp`.
    let ofToken (token: string) (url: string option) : Result<CloudCredentials, CloudValueError list> =
        match CloudText.create CloudField.Token token, apiBaseUrl url with
        | Ok token, Ok url ->
            Ok
                { grant = Grant.AccessToken(token, Jwt.expiry (CloudText.value token))
                  apiBaseUrl = url }
        | token, url -> Error(errors token @ errors url)

    /// A client id and secret and their API base URL (the default region when none is given).
    let ofClientCredentials
        (clientId: string)
        (secret: string)
        (url: string option)
        : Result<CloudCredentials, CloudValueError list> =
        match
            CloudText.create CloudField.ClientId clientId,
            CloudText.create CloudField.ClientSecret secret,
            apiBaseUrl url
        with
        | Ok id, Ok secret, Ok url -> Ok { grant = Grant.ClientCredentials(id, secret); apiBaseUrl = url }
        | id, secret, url -> Error(errors id @ errors secret @ errors url)

    /// The same grant with a given API base URL (a tenant's, a profile's).
    let withApiBaseUrl (url: ApiBaseUrl) (credentials: CloudCredentials) : CloudCredentials =
        { credentials with apiBaseUrl = url }
