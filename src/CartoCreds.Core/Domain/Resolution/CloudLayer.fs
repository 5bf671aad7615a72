namespace CartoCreds.Core

open System

/// CARTO 3 credentials given as arguments (SPEC §7.2, layer 2); `Profile` chooses the CARTO CLI
/// profile of the File and Saved session layers.
type CloudArguments =
    { Token: string option
      ClientId: string option
      ClientSecret: string option
      ApiBaseUrl: string option
      Profile: string option }

    static member None =
        { Token = None
          ClientId = None
          ClientSecret = None
          ApiBaseUrl = None
          Profile = None }

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
    { CliFile: unit -> FileRead
      OAuthCache: unit -> FileRead
      M2MCache: unit -> FileRead }

/// The layers of SPEC §7.2, as `Layers` are for §2; `Now` judges the expiry of caches.
type CloudLayers =
    { Explicit: CloudCredentials option
      Arguments: CloudArguments
      File: (unit -> FileRead) option
      Environment: string -> string option
      SavedSession: unit -> Result<CloudSaved, LocationError>
      Now: DateTimeOffset }

/// CARTO 3 credentials and their origin.
type CloudResolved = { Credentials: CloudCredentials; Origin: Origin; Warnings: Warning list }

/// What went wrong with a CARTO 3 layer that was present.
[<RequireQualifiedAccess>]
type CloudProblem =
    | InvalidValues of CloudValueError list
    | TokenAndClientId
    | HalfPair of missing: CloudField
    | ApiBaseUrlAlone
    | NoSuchProfile of name: string
    /// A profile was asked for, and there is no CARTO CLI file to hold it.
    | NoFileForProfile of path: string * name: string
    | NoProfile
    | Unreadable of ReadError
    | Undecodable of DecodeError
    | Exposed of Exposure

/// Why a CARTO 3 layer was not present.
[<RequireQualifiedAccess>]
type CloudAbsence =
    | NoneGiven
    | NoTokenOrClient
    | VariablesNotSet
    | NoSavedFiles of paths: string list
    /// The CARTO CLI file names no current profile, and none was asked for.
    | NoCurrentProfile of path: string
    | Expired of path: string * at: DateTimeOffset
    | NoLocation of LocationError

/// Why CARTO 3 resolution failed (SPEC §7.2, with §2's rules).
[<RequireQualifiedAccess>]
type CloudResolveError =
    | InvalidLayer of layer: Layer * location: string * problem: CloudProblem
    | NotFound of absent: (Layer * CloudAbsence) list

/// What a caller asks CARTO 3 resolution for (layers 1–3 of SPEC §7.2, and the profile).
type CloudRequest =
    { Explicit: CloudCredentials option
      Arguments: CloudArguments
      CredFile: string option }

    /// Nothing asked for: the environment and the saved session.
    static member None = { Explicit = None; Arguments = CloudArguments.None; CredFile = None }

/// What the values of a CARTO 3 source (arguments, variables, a file, a profile) make.
[<RequireQualifiedAccess>]
module CloudSource =

    /// Credentials from a source's values: a token, or a full client pair; an API base URL wins
    /// over a tenant id; nothing of either is the default region.
    let credentials (input: CloudInput) : Result<CloudCredentials, CloudProblem> =
        let url =
            match Input.givenOption input.ApiBaseUrl, Input.givenOption input.TenantId with
            | Some url, _ -> Some(ApiBaseUrl.create url)
            | None, Some tenant -> Some(ApiBaseUrl.ofTenant tenant)
            | None, None -> None

        let withUrl (credentials: Result<CloudCredentials, CloudValueError list>) =
            match credentials, url with
            | Ok c, Some(Ok url) -> Ok(CloudCredentials.withApiBaseUrl url c)
            | Ok _, Some(Error e) -> Error(CloudProblem.InvalidValues [ e ])
            | Ok c, None -> Ok c
            | Error errors, Some(Error e) -> Error(CloudProblem.InvalidValues(errors @ [ e ]))
            | Error errors, _ -> Error(CloudProblem.InvalidValues errors)

        match Input.givenOption input.Token, Input.givenOption input.ClientId, Input.givenOption input.ClientSecret with
        | Some _, Some _, _ -> Error CloudProblem.TokenAndClientId
        | Some token, None, _ -> withUrl (CloudCredentials.ofToken token None)
        | None, Some id, Some secret -> withUrl (CloudCredentials.ofClientCredentials id secret None)
        | None, Some _, None -> Error(CloudProblem.HalfPair CloudField.ClientSecret)
        | None, None, Some _ -> Error(CloudProblem.HalfPair CloudField.ClientId)
        | None, None, None -> Error CloudProblem.ApiBaseUrlAlone
