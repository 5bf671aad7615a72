namespace CartoCreds.Core

open System

/// The CARTO services that CARTO 3 credentials use besides the regional API (SPEC §7.4, §8): the
/// auth server, where client credentials are exchanged for tokens, and the accounts API, where an
/// account is verified and a person's tenant found.
type CloudServices = { Auth: ServiceUrl; Accounts: ServiceUrl }

/// One of the services, as a value (its variable is `CloudServices.variable`).
[<RequireQualifiedAccess>]
type CloudService =
    | Auth
    | Accounts

/// A service's variable that is set to an invalid value: which service, and why.
type ServiceUrlError = { Service: CloudService; Problem: CloudValueError }

/// Where the services are: `CARTO_AUTH_URL` and `CARTO_ACCOUNTS_URL` when set (the API base URL's
/// rules), else CARTO's own. Pure: the variables are passed in.
[<RequireQualifiedAccess>]
module CloudServices =

    [<Literal>]
    let AuthUrlVariable = "CARTO_AUTH_URL"

    /// The auth server, unless `CARTO_AUTH_URL` names another.
    [<Literal>]
    let DefaultAuthUrl = "https://auth.carto.com"

    [<Literal>]
    let AccountsUrlVariable = "CARTO_ACCOUNTS_URL"

    /// The accounts API, unless `CARTO_ACCOUNTS_URL` names another.
    [<Literal>]
    let DefaultAccountsUrl = "https://accounts.app.carto.com"

    /// The variable that names a service.
    let variable (service: CloudService) : string =
        match service with
        | CloudService.Auth -> AuthUrlVariable
        | CloudService.Accounts -> AccountsUrlVariable

    let private read (getVariable: string -> string option) (variable: string) (fallback: string) =
        getVariable variable |> Input.givenOption |> Option.defaultValue fallback |> ServiceUrl.create

    /// The auth server. A value ending in `/oauth/token` (the endpoint, not the server) is refused
    /// with that hint: the library adds `/oauth/token` itself.
    let authUrl (getVariable: string -> string option) : Result<ServiceUrl, CloudValueError> =
        read getVariable AuthUrlVariable DefaultAuthUrl
        |> Result.bind (fun url ->
            if (ServiceUrl.value url).EndsWith("/oauth/token", StringComparison.OrdinalIgnoreCase) then
                Error CloudValueError.TokenEndpoint
            else
                Ok url)

    /// The accounts API.
    let accountsUrl (getVariable: string -> string option) : Result<ServiceUrl, CloudValueError> =
        read getVariable AccountsUrlVariable DefaultAccountsUrl

    /// Both services, read once for everything that uses them (resolution, the session, the
    /// login, verification); when a variable is invalid, which and why (the auth server's first).
    let ofVariables (getVariable: string -> string option) : Result<CloudServices, ServiceUrlError> =
        match authUrl getVariable, accountsUrl getVariable with
        | Ok auth, Ok accounts -> Ok { Auth = auth; Accounts = accounts }
        | Error e, _ -> Error { Service = CloudService.Auth; Problem = e }
        | _, Error e -> Error { Service = CloudService.Accounts; Problem = e }
