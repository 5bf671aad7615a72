namespace CartoCreds.Core

open System

/// CARTO 3 credentials given as arguments (SPEC §7.2, layer 2): a source's values, as a file or
/// the environment gives them; `Profile` chooses the CARTO CLI profile of the File and Saved
/// session layers.
type CloudArguments =
    { Values: CloudInput
      Profile: string option }

    /// Nothing given.
    static member None = { Values = CloudInput.Empty; Profile = None }

    /// Values given as arguments, with no profile asked for.
    static member Of(values: CloudInput) = { Values = values; Profile = None }

/// The variables of SPEC §7.2's Environment layer.
[<RequireQualifiedAccess>]
module CloudVariables =
    [<Literal>]
    let Token = "CARTO_API_TOKEN"

    [<Literal>]
    let ClientId = "CARTO_CLIENT_ID"

    [<Literal>]
    let ClientSecret = "CARTO_CLIENT_SECRET"

    [<Literal>]
    let ApiBaseUrl = "CARTO_API_BASE_URL"

    [<Literal>]
    let Profile = "CARTO_PROFILE"

/// The saved session of CARTO 3 (SPEC §7.2, layer 5): the CARTO CLI file, then carto-auth's
/// token caches, each read only when the one before gave nothing.
type CloudSaved =
    {
        CliFile: unit -> FileRead
        OAuthCache: unit -> FileRead
        M2MCache: unit -> FileRead
        /// The token of a CARTO CLI profile that holds none, from the keychain (SPEC §11), its
        /// `Path` naming the keychain; `None` when the store chosen is the file, so that no
        /// keychain is asked. Called only for such a profile.
        KeychainToken: string -> FileRead option
    }

/// SPEC §7.2's request: a `CloudCredentials` value, arguments (with the profile), a file named by path.
type CloudRequest = Request<CloudCredentials, CloudArguments>

/// SPEC §7.2's layers: the saved session is the CARTO CLI file and carto-auth's caches.
type CloudLayers = Layers<CloudCredentials, CloudArguments, CloudSaved>

/// What the values of a CARTO 3 source (arguments, variables, a file, a profile) make.
[<RequireQualifiedAccess>]
module CloudSource =

    /// SPEC §7's one rule for an API base URL given as a URL or a tenant id: the URL wins over
    /// the tenant; `None` when neither is given. Every source, the login's options included.
    let urlOrTenant (url: string option) (tenant: string option) : Result<ApiBaseUrl, CloudValueError> option =
        match Input.givenOption url, Input.givenOption tenant with
        | Some url, _ -> Some(ApiBaseUrl.create url)
        | None, Some tenant -> Some(ApiBaseUrl.ofTenant tenant)
        | None, None -> None

    /// A source's API base URL, when it gives one: its URL wins over its tenant id.
    let private urlOf (input: CloudInput) = urlOrTenant input.ApiBaseUrl input.TenantId

    /// The API base URL of a source's values alone (a profile whose token is in the keychain):
    /// its URL, else its tenant's, else the default region.
    let apiBaseUrl (input: CloudInput) : Result<ApiBaseUrl, CloudValueError> =
        urlOf input |> Option.defaultValue (Ok ApiBaseUrl.defaultUrl)

    /// Values with no token and no part of a client pair (a profile whose token is in the keychain).
    let holdsNoSecret (input: CloudInput) =
        [ input.Token; input.ClientId; input.ClientSecret ]
        |> List.forall (fun value -> (Input.givenOption value).IsNone)

    /// Credentials from a source's values: a token, or a full client pair; an API base URL wins
    /// over a tenant id; nothing of either is the default region.
    let credentials (input: CloudInput) : Result<CloudCredentials, LayerProblem> =
        let url = urlOf input

        let withUrl (credentials: Result<CloudCredentials, CloudValueError list>) =
            match credentials, url with
            | Ok c, Some(Ok url) -> Ok(CloudCredentials.withApiBaseUrl url c)
            | Ok _, Some(Error e) -> Error(LayerProblem.InvalidCloudValues [ e ])
            | Ok c, None -> Ok c
            | Error errors, Some(Error e) -> Error(LayerProblem.InvalidCloudValues(errors @ [ e ]))
            | Error errors, _ -> Error(LayerProblem.InvalidCloudValues errors)

        match Input.givenOption input.Token, Input.givenOption input.ClientId, Input.givenOption input.ClientSecret with
        | Some _, Some _, _ -> Error LayerProblem.TokenAndClientId
        | Some token, None, _ -> withUrl (CloudCredentials.ofToken token None)
        | None, Some id, Some secret -> withUrl (CloudCredentials.ofClientCredentials id secret None)
        | None, Some _, None -> Error(LayerProblem.HalfPair CloudField.ClientSecret)
        | None, None, Some _ -> Error(LayerProblem.HalfPair CloudField.ClientId)
        | None, None, None -> Error LayerProblem.ApiBaseUrlAlone
