namespace CartoCreds.Core

open System

/// Resolution's errors as text: a present layer's problem, an absent layer's reason, the error of
/// either kind of credentials, and how to get some. With `ValueMessages` (values, files) and
/// `CallMessages` (calls to CARTO), this folder is the one place where errors become text. No
/// message contains a key, token or secret: the error values carry none. Text is joined with `+`,
/// not `$"…"`: F# interpolation goes through printf, which Native AOT cannot compile without warnings.
[<RequireQualifiedAccess>]
module Messages =

    let private keyAlone (layer: Layer) =
        match layer with
        | Layer.Environment ->
            Variables.ApiKey
            + " is set but neither "
            + Variables.Username
            + " nor "
            + Variables.BaseUrl
            + " is; set one of them too"
        | _ -> "an API key was given without a username or base URL; give a username or a base URL too"

    /// Half a client pair: in the environment, named by its variables.
    let private halfPair (layer: Layer) (missing: CloudField) =
        match layer, missing with
        | Layer.Environment, CloudField.ClientSecret ->
            CloudVariables.ClientId + " is set but " + CloudVariables.ClientSecret + " is not; set both, or neither"
        | Layer.Environment, _ ->
            CloudVariables.ClientSecret + " is set but " + CloudVariables.ClientId + " is not; set both, or neither"
        | _, CloudField.ClientSecret -> "a client id is given without its client secret"
        | _ -> "a client secret is given without its client id"

    let private profileName (name: string) = "'" + (Refused.show name |> Option.defaultValue "…") + "'"

    /// What is wrong with a present layer of either kind, with hints in the words of `surface`.
    let layerProblem (surface: Surface) (layer: Layer) (problem: LayerProblem) : string =
        match problem with
        | LayerProblem.InvalidValues errors ->
            errors |> List.map (ValueMessages.valueErrorAt surface layer) |> String.concat "; "
        | LayerProblem.InvalidCloudValues errors ->
            errors |> List.map ValueMessages.cloudValueError |> String.concat "; "
        | LayerProblem.ApiKeyAlone -> keyAlone layer
        | LayerProblem.ConflictingApiKeys ->
            "api_key and key differ; give only one (key is the CARTOframes 0.x name of api_key)"
        | LayerProblem.ConflictingArguments names -> "give only one of " + String.concat " or " names
        | LayerProblem.TokenAndClientId -> "both a token and a client id are given; give one of them"
        | LayerProblem.HalfPair missing -> halfPair layer missing
        | LayerProblem.ApiBaseUrlAlone -> "an API base URL is given without a token or client credentials"
        | LayerProblem.NoSuchProfile name -> "there is no profile " + profileName name
        | LayerProblem.NoFileForProfile(path, name) ->
            "there is no file at " + path + ", so no profile " + profileName name
        | LayerProblem.NoProfile -> "no profile is named and the file has no current_profile"
        | LayerProblem.NoProfileToken(name, Some place) ->
            "profile "
            + profileName name
            + " has no token in the file and none in "
            + place
            + "; log in again: cartocreds cloud login --profile "
            + (Refused.show name |> Option.defaultValue "NAME")
        | LayerProblem.NoProfileToken(name, None) ->
            "profile "
            + profileName name
            + " has no token; if it was saved to the keychain, choose that store (cartocreds config store keychain), "
            + "else log in again: cartocreds cloud login --profile "
            + (Refused.show name |> Option.defaultValue "NAME")
        | LayerProblem.ServiceUrl error -> ValueMessages.cloudValueError error.Problem
        | LayerProblem.Unreadable error -> ValueMessages.readError error
        | LayerProblem.Undecodable error -> ValueMessages.decodeError layer error
        | LayerProblem.Exposed what -> ValueMessages.exposed what

    /// An origin: "Arguments (username, api_key)", "Saved session (/path/creds.json)".
    let origin (origin: Origin) : string =
        match origin.Where with
        | "" -> Layer.name origin.Layer
        | where -> (Layer.name origin.Layer) + " (" + where + ")"

    /// "A and B", "A, B and C".
    let private listed (names: string list) =
        match List.rev names with
        | [] -> ""
        | [ one ] -> one
        | last :: rest -> String.concat ", " (List.rev rest) + " and " + last

    /// Why a layer of either kind was absent.
    let internal absence (why: Absence) =
        match why with
        | Absence.NoneGiven -> "none given"
        | Absence.NoUsernameOrBaseUrl -> "no username or base URL given"
        | Absence.NoTokenOrClient -> "no token or client credentials given"
        | Absence.VariablesNotSet names -> listed names + " not set"
        | Absence.NothingInKeychain place -> "nothing saved in " + place
        | Absence.NoSavedFiles paths -> "no file at " + String.concat ", " paths
        | Absence.NoCurrentProfile path ->
            "no current profile in "
            + path
            + " (make one current: cartocreds cloud use NAME; or log in: cartocreds cloud login)"
        | Absence.Expired(path, at) ->
            path + " expired at " + at.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Globalization.CultureInfo.InvariantCulture)
        | Absence.StoreUnavailable(_, problem) -> ValueMessages.storeProblem problem
        | Absence.NoDefaultLocation(LocationError.VariableNotSet name) ->
            "no default location (" + name + " is not set)"
        | Absence.NoHomeDirectory(LocationError.VariableNotSet name) -> "no home directory (" + name + " is not set)"

    /// How to save credentials, said wherever none were found.
    let howToSave =
        "To save credentials: cartocreds save --username NAME --api-key-stdin, or Save() on a Credentials value; "
        + "or set "
        + Variables.Username
        + " (or "
        + Variables.BaseUrl
        + ") and "
        + Variables.ApiKey
        + "."

    /// The same, for a person at a shell.
    let howToSaveAtCommandLine =
        "To save credentials: cartocreds save --username NAME (it asks for the API key), or set "
        + Variables.Username
        + " (or "
        + Variables.BaseUrl
        + ") and "
        + Variables.ApiKey
        + ", or name a file with --file PATH."

    /// How to get CARTO 3 credentials, said wherever none were found.
    let howToLogIn =
        "To get CARTO 3 credentials: log in with cartocreds cloud login (or the CARTO CLI: carto auth login), or set "
        + CloudVariables.Token
        + " (or "
        + CloudVariables.ClientId
        + " and "
        + CloudVariables.ClientSecret
        + "), with "
        + CloudVariables.ApiBaseUrl
        + " for a region other than the default."

    /// "CARTO credentials", "CARTO 3 credentials".
    let private credentialsOf (kind: CredentialsKind) =
        match kind with
        | CredentialsKind.Legacy -> "CARTO credentials"
        | CredentialsKind.Cloud -> "CARTO 3 credentials"

    let private notFound (kind: CredentialsKind) (lines: string list) (howTo: string) =
        String.concat
            "\n"
            ([ "No " + credentialsOf kind + " found. Looked in, highest precedence first:" ] @ lines @ [ howTo ])

    let private layerLine (layer, why) = "  " + (Layer.name layer) + ": " + (absence why)

    /// A resolution error of either kind: the invalid layer with its location and field, or every
    /// layer and why it was unavailable; hints in the words of `surface`.
    let resolveErrorOn (surface: Surface) (error: ResolveError) : string =
        match error with
        | ResolveError.InvalidLayer(kind, layer, where, problem) ->
            let credentials =
                match kind with
                | CredentialsKind.Legacy -> "credentials"
                | CredentialsKind.Cloud -> "CARTO 3 credentials"

            "Invalid "
            + credentials
            + " in "
            + (Layer.name layer)
            + " ("
            + where
            + "): "
            + (layerProblem surface layer problem)
            + "."
        | ResolveError.NotFound(CredentialsKind.Legacy as kind, absent) ->
            notFound kind (List.map layerLine absent) howToSave
        | ResolveError.NotFound(CredentialsKind.Cloud as kind, absent) ->
            notFound kind (List.map layerLine absent) howToLogIn

    /// A resolution error, with hints in F#'s words.
    let resolveError (error: ResolveError) : string = resolveErrorOn Surface.FSharp error

    /// A resolution error as `cartocreds` says it: for legacy credentials, the layers a shell user
    /// can fill, named as the tool names them, and what to type.
    let resolveErrorAtCommandLine (error: ResolveError) : string =
        match error with
        | ResolveError.NotFound(CredentialsKind.Legacy as kind, absent) ->
            let line (layer, why) =
                match layer with
                | Layer.Explicit
                | Layer.Arguments -> None
                | Layer.File -> Some("  " + (Layer.name layer) + " (--file): " + (absence why))
                | Layer.Environment
                | Layer.SavedSession -> Some(layerLine (layer, why))

            notFound kind (List.choose line absent) howToSaveAtCommandLine
        | _ -> resolveErrorOn Surface.CommandLine error

    /// No credentials on an object, its scopes, or the default.
    let scopeError (error: ScopeError) : string =
        match error with
        | ScopeError.NoCredentials ->
            "No credentials: none are set on this object or its enclosing objects, and no default credentials are set. "
            + "Pass credentials to the object, or set default credentials."

    /// An access token whose expiry cannot be read (not a JWT, and none said beside it): allowed,
    /// and said, with how to check it.
    let unknownExpiry =
        "note: the token's expiry is unknown (it is not a JWT); cartocreds cloud status checks whether CARTO accepts it"

    /// A warning about credentials that resolved.
    let warning (warning: Warning) : string =
        match warning with
        | Warning.Exposed what -> "warning: " + ValueMessages.exposure what
