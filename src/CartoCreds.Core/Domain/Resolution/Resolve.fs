namespace CartoCreds.Core

open System

/// The credentials given as arguments. `Key` is CARTOframes 0.x's name for `ApiKey`.
type Arguments =
    { Username: string option
      ApiKey: string option
      Key: string option
      BaseUrl: string option
      AllowNonSecure: bool }

    static member None =
        { Username = None
          ApiKey = None
          Key = None
          BaseUrl = None
          AllowNonSecure = false }

/// The variables of the Environment layer.
[<RequireQualifiedAccess>]
module Variables =
    [<Literal>]
    let Username = "CARTO_USERNAME"

    [<Literal>]
    let ApiKey = "CARTO_API_KEY"

    [<Literal>]
    let BaseUrl = "CARTO_BASE_URL"

    /// Set to `1`, a saved session that another user could change is read all the same.
    [<Literal>]
    let InsecurePermissions = "CARTOCREDS_INSECURE_PERMISSIONS"

/// SPEC §2's request: a `Credentials` value, arguments, a file named by path.
type LegacyRequest = Request<Credentials, Arguments>

/// SPEC §2's layers: the saved session is one file found at the default location.
type LegacyLayers = Layers<Credentials, Arguments, FileRead>

/// SPEC §2 precedence: pure decisions over the layers.
[<RequireQualifiedAccess>]
module Resolve =

    let private presentWith warnings layer location result : Outcome<Credentials> =
        match result with
        | Ok credentials ->
            Outcome.Present(
                Ok
                    { Credentials = credentials
                      Origin = Origin.At(layer, location)
                      Warnings = warnings }
            )
        | Error problem ->
            Outcome.Present(
                Error(ResolveError.InvalidLayer(CredentialsKind.Legacy, layer, defaultArg location "", problem))
            )

    let private present layer location result = presentWith [] layer location result

    /// "username, api_key": the names of the values that were given, in a fixed order.
    let private names
        (first: string)
        (a: string option)
        (second: string)
        (b: string option)
        (third: string)
        (c: string option)
        =
        let join (acc: string) (name: string) (value: string option) =
            match value with
            | None -> acc
            | Some _ when acc = "" -> name
            | Some _ -> acc + ", " + name

        join (join (join "" first a) second b) third c

    /// The layer of values given by username / key / base URL, with its own names for them.
    let private valuesLayer layer keyName usernameName baseUrlName (input: CredentialsInput) =
        let location = names usernameName input.Username keyName input.ApiKey baseUrlName input.BaseUrl

        match input.Username, input.BaseUrl, input.ApiKey with
        | None, None, None -> None
        | None, None, Some _ -> Some(present layer (Some location) (Error LayerProblem.ApiKeyAlone))
        | _ ->
            Credentials.create input
            |> Result.mapError LayerProblem.InvalidValues
            |> present layer (Some location)
            |> Some

    /// Layer 1: a credentials value handed over whole.
    let explicitLayer (credentials: Credentials option) : Outcome<Credentials> =
        match credentials with
        | Some c -> present Layer.Explicit None (Ok c)
        | None -> Outcome.Absent Absence.NoneGiven

    /// Layer 2: arguments. Present when a username or base URL is given; a key given alone, or
    /// `api_key` and `key` that differ, is an error.
    let argumentsLayer (arguments: Arguments) : Outcome<Credentials> =
        let apiKey = Input.givenOption arguments.ApiKey
        let key = Input.givenOption arguments.Key

        match apiKey, key with
        | Some a, Some k when a <> k ->
            present Layer.Arguments (Some "api_key, key") (Error LayerProblem.ConflictingApiKeys)
        | _ ->
            let keyName = if apiKey.IsNone && key.IsSome then "key" else "api_key"

            { Username = Input.givenOption arguments.Username
              ApiKey = Option.orElse key apiKey
              BaseUrl = Input.givenOption arguments.BaseUrl
              AllowNonSecure = arguments.AllowNonSecure }
            |> valuesLayer Layer.Arguments keyName "username" "base_url"
            |> Option.defaultValue (Outcome.Absent Absence.NoUsernameOrBaseUrl)

    /// Decodes a file that was asked for: a missing file is an error of `layer`. A file another
    /// user could have changed is refused when `strict`, and warned about otherwise.
    let private fileContent layer (strict: bool) (read: FileRead) : Outcome<Credentials> =
        match read.Content, read.Exposure with
        | Error e, _ -> present layer (Some read.Path) (Error(LayerProblem.Unreadable e))
        | Ok _, Some exposure when strict -> present layer (Some read.Path) (Error(LayerProblem.Exposed exposure))
        | Ok bytes, exposure ->
            let warnings = exposure |> Option.map Warning.Exposed |> Option.toList

            Codec.decode bytes
            |> Result.mapError LayerProblem.Undecodable
            |> presentWith warnings layer (Some read.Path)

    /// Layer 3: a file named by path, read only now. The user named it, so an exposed file is a warning.
    let fileLayer (file: (unit -> FileRead) option) : Outcome<Credentials> =
        match file with
        | None -> Outcome.Absent Absence.NoneGiven
        | Some read -> fileContent Layer.File false (read ())

    /// Whether a saved session that another user could change is refused: unless
    /// `CARTOCREDS_INSECURE_PERMISSIONS=1`, it is, as ssh refuses such a key.
    let strictPermissions (getVariable: string -> string option) : bool =
        getVariable Variables.InsecurePermissions |> Input.givenOption |> Option.contains "1" |> not

    /// Layer 4: `CARTO_USERNAME`, `CARTO_API_KEY`, `CARTO_BASE_URL`.
    let environmentLayer (getVariable: string -> string option) : Outcome<Credentials> =
        let read name = getVariable name |> Input.givenOption

        { Username = read Variables.Username
          ApiKey = read Variables.ApiKey
          BaseUrl = read Variables.BaseUrl
          AllowNonSecure = false }
        |> valuesLayer Layer.Environment Variables.ApiKey Variables.Username Variables.BaseUrl
        |> Option.defaultValue (Outcome.Absent(Absence.VariablesNotSet [ Variables.Username; Variables.BaseUrl ]))

    /// Layer 5: the saved session; a missing file means the layer is absent.
    let savedSessionLayer (strict: bool) (find: unit -> Result<FileRead, LocationError>) : Outcome<Credentials> =
        match find () with
        | Error e -> Outcome.Absent(Absence.NoDefaultLocation e)
        | Ok { Path = path; Content = Error ReadError.NotFound } -> Outcome.Absent(Absence.NoSavedFiles [ path ])
        | Ok { Path = place; Content = Error ReadError.NoItem } -> Outcome.Absent(Absence.NothingInKeychain place)
        | Ok { Path = place; Content = Error(ReadError.SecretStore problem) } ->
            Outcome.Absent(Absence.StoreUnavailable(place, problem))
        | Ok read -> fileContent Layer.SavedSession strict read

    /// The saved session when it was asked for by name (`FromFile()`): a missing file is an error.
    let requiredSavedSession (strict: bool) (find: unit -> Result<FileRead, LocationError>) : Outcome<Credentials> =
        match find () with
        | Error e -> Outcome.Absent(Absence.NoDefaultLocation e)
        | Ok read -> fileContent Layer.SavedSession strict read

    /// The first present layer decides; a layer is evaluated only when all above it are absent.
    let first (layers: (Layer * (unit -> Outcome<Credentials>)) list) : Result<Resolved<Credentials>, ResolveError> =
        Precedence.decide { Kind = CredentialsKind.Legacy; Steps = Array.ofList layers } ()

    /// The Arguments layer alone: credentials given as values, or why they are refused.
    let fromArguments (arguments: Arguments) : Result<Resolved<Credentials>, ResolveError> =
        first [ Layer.Arguments, (fun () -> argumentsLayer arguments) ]

    /// The precedence of SPEC §2, highest first: built once, read by every resolution.
    let table: Precedence.Table<Credentials, LegacyLayers> =
        { Kind = CredentialsKind.Legacy
          Steps =
            [| Layer.Explicit, (fun layers -> explicitLayer layers.Explicit)
               Layer.Arguments, (fun layers -> argumentsLayer layers.Arguments)
               Layer.File, (fun layers -> fileLayer layers.File)
               Layer.Environment, (fun layers -> environmentLayer layers.Environment)
               Layer.SavedSession,
               (fun layers -> savedSessionLayer (strictPermissions layers.Environment) layers.SavedSession) |] }

    /// <summary>
    /// SPEC §2: the credentials of the highest present layer, with their origin; or the error of
    /// the highest present layer, which stops resolution; or, when none is present, why each was not.
    /// </summary>
    /// <example>
    /// <code>
    /// let layers =
    ///     { Explicit = None
    ///       Arguments = Arguments.None
    ///       File = None
    ///       Environment = fun name -> if name = Variables.Username then Some "ana" else None
    ///       SavedSession = fun () -> Error(LocationError.VariableNotSet "HOME")
    ///       Now = DateTimeOffset.UnixEpoch }
    ///
    /// Resolve.resolve layers // Ok, with Origin = { Layer = Layer.Environment; Location = Some "CARTO_USERNAME" }
    /// </code>
    /// </example>
    let resolve (layers: LegacyLayers) : Result<Resolved<Credentials>, ResolveError> = Precedence.decide table layers

    /// `resolve`, with the layers passed over before the answer (absent, with why, highest first).
    let trace (layers: LegacyLayers) : struct (Result<Resolved<Credentials>, ResolveError> * (Layer * Absence) list) =
        Precedence.trace table layers

    /// Every layer, highest first, with what it gave (SPEC §6's `show --all`): all are read.
    let survey (layers: LegacyLayers) : (Layer * Standing<Credentials>) list = Precedence.survey table layers
