namespace CartoCreds.Core

/// Every error a user can see, turned into text in this one place. No message contains an API
/// key: the error values carry none. Text is joined with `+`, not `$"…"`: F# interpolation goes
/// through printf, which Native AOT cannot compile without warnings.
[<RequireQualifiedAccess>]
module Messages =

    /// How a layer names a field: an argument, a variable, or a field of a JSON file.
    let private fieldName (layer: Layer) (field: Field) =
        match layer, field with
        | Layer.Environment, Field.Username -> "variable " + Variables.Username
        | Layer.Environment, Field.ApiKey -> "variable " + Variables.ApiKey
        | Layer.Environment, Field.BaseUrl -> "variable " + Variables.BaseUrl
        | (Layer.File | Layer.SavedSession), Field.Username -> "field \"username\""
        | (Layer.File | Layer.SavedSession), Field.ApiKey -> "field \"api_key\""
        | (Layer.File | Layer.SavedSession), Field.BaseUrl -> "field \"base_url\""
        | _, Field.Username -> "username"
        | _, Field.ApiKey -> "API key"
        | _, Field.BaseUrl -> "base URL"

    let private fieldLabel (field: Field) =
        match field with
        | Field.Username -> "username"
        | Field.ApiKey -> "API key"
        | Field.BaseUrl -> "base URL"

    /// What is wrong with a value, after the name of its field.
    let private problem (error: ValueError) =
        match error with
        | ValueError.Empty Field.ApiKey -> "is empty; give an API key"
        | ValueError.Empty field -> "is empty; give a " + (fieldLabel field)
        | ValueError.UsernameTooLong name ->
            "'" + name + "' is " + (string name.Length) + " characters long; a username has at most 63"
        | ValueError.UsernameCharacter(name, c) ->
            "'" + name + "' contains '" + (string c) + "'; a username uses only letters, digits, '_' and '-'"
        | ValueError.UsernameHyphenAtEdge name -> "'" + name + "' starts or ends with '-'"
        | ValueError.ApiKeyCharacter -> "contains whitespace or a control character"
        | ValueError.BaseUrlNotAbsolute url ->
            "'" + url + "' is not an absolute URL such as https://johnsmith.carto.com"
        | ValueError.BaseUrlScheme(url, scheme) -> "'" + url + "' uses the scheme '" + scheme + "'; use https"
        | ValueError.BaseUrlInsecure url ->
            "'" + url + "' is not secure (http); use https, or allow non-secure URLs (allow_non_secure)"
        | ValueError.BaseUrlNoHost url -> "'" + url + "' has no host"
        | ValueError.BaseUrlUserInfo -> "contains user information (user@host); remove it"
        | ValueError.BaseUrlQuery -> "has a query (?…); remove it"
        | ValueError.BaseUrlFragment -> "has a fragment (#…); remove it"
        | ValueError.UsernameOrBaseUrlMissing -> "neither a username nor a base URL is given"

    /// A value error on its own, as a setter reports it: "base URL 'x' is not an absolute URL…".
    let valueError (error: ValueError) : string =
        match ValueError.field error with
        | Some field -> fieldLabel field + " " + problem error
        | None -> problem error

    let private valueErrorIn layer (error: ValueError) =
        match ValueError.field error with
        | Some field -> fieldName layer field + " " + problem error
        | None -> problem error

    /// Several value errors, joined.
    let valueErrors (errors: ValueError list) : string = errors |> List.map valueError |> String.concat "; "

    /// Why a file could not be read, after the file's path.
    let readError (error: ReadError) : string =
        match error with
        | ReadError.NotFound -> "no such file"
        | ReadError.IsDirectory -> "it is a directory, not a file"
        | ReadError.TooLarge size ->
            "it is " + (string size) + " bytes; a credentials file is at most " + (string Codec.MaxFileSize) + " bytes"
        | ReadError.Unreadable reason -> "it could not be read: " + reason

    /// Why a file's bytes are not credentials, after the file's path.
    let decodeError (layer: Layer) (error: DecodeError) : string =
        match error with
        | DecodeError.Empty -> "the file is empty"
        | DecodeError.TooLarge size ->
            "it is " + (string size) + " bytes; a credentials file is at most " + (string Codec.MaxFileSize) + " bytes"
        | DecodeError.NotJson(line, position) ->
            "it is not valid JSON (line " + (string line) + ", position " + (string position) + ")"
        | DecodeError.NotUtf8 -> "it is not valid UTF-8 text"
        | DecodeError.NotAnObject actual -> "it holds " + actual + ", not a JSON object"
        | DecodeError.BadField(field, expected, actual) -> field + " should be " + expected + ", not " + actual
        | DecodeError.Invalid errors -> errors |> List.map (valueErrorIn layer) |> String.concat "; "

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

    let private layerProblem (layer: Layer) (problem: LayerProblem) =
        match problem with
        | LayerProblem.InvalidValues errors -> errors |> List.map (valueErrorIn layer) |> String.concat "; "
        | LayerProblem.ApiKeyAlone -> keyAlone layer
        | LayerProblem.ConflictingApiKeys ->
            "api_key and key differ; give only one (key is the CARTOframes 0.x name of api_key)"
        | LayerProblem.ConflictingArguments names -> "give only one of " + String.concat " or " names
        | LayerProblem.Unreadable error -> readError error
        | LayerProblem.Undecodable error -> decodeError layer error

    /// An origin: "Arguments (username, api_key)", "Saved session (/path/creds.json)".
    let origin (origin: Origin) : string =
        match origin.Location with
        | Some where -> (Layer.name origin.Layer) + " (" + where + ")"
        | None -> Layer.name origin.Layer

    let private absence (why: Absence) =
        match why with
        | Absence.NoneGiven -> "none given"
        | Absence.NoUsernameOrBaseUrl -> "no username or base URL given"
        | Absence.VariablesNotSet -> Variables.Username + " and " + Variables.BaseUrl + " not set"
        | Absence.NoSavedFile path -> "no file at " + path
        | Absence.NoLocation(LocationError.VariableNotSet name) -> "no default location (" + name + " is not set)"

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

    /// A resolution error: the invalid layer with its location and field, or every layer and why
    /// it was unavailable.
    let resolveError (error: ResolveError) : string =
        match error with
        | ResolveError.InvalidLayer(layer, where, problem) ->
            "Invalid credentials in " + (Layer.name layer) + " (" + where + "): " + (layerProblem layer problem) + "."
        | ResolveError.NotFound absent ->
            let lines = absent |> List.map (fun (layer, why) -> ("  " + (Layer.name layer) + ": " + (absence why)))

            String.concat
                "\n"
                ([ "No CARTO credentials found. Looked in, highest precedence first:" ] @ lines @ [ howToSave ])

    /// No credentials on an object, its scopes, or the default.
    let scopeError (error: ScopeError) : string =
        match error with
        | ScopeError.NoCredentials ->
            "No credentials: none are set on this object or its enclosing objects, and no default credentials are set. "
            + "Pass credentials to the object, or set default credentials."

    /// A failed save or delete.
    let storeError (error: StoreError) : string =
        match error with
        | StoreError.IsDirectory path -> path + " is a directory, not a credentials file; nothing was changed"
        | StoreError.SaveFailed(path, reason) ->
            "could not write " + path + ": " + reason + "; the previous file is unchanged"
        | StoreError.DeleteFailed(path, reason) -> "could not remove " + path + ": " + reason
        | StoreError.NoLocation(LocationError.VariableNotSet name) ->
            "the default location is unknown because " + name + " is not set; give a path"
