namespace CartoCreds.Core

open System

/// The layers handed to `resolve`. The Explicit and Arguments layers are plain values; the
/// others are functions the shell supplies, which read the disk or the environment when
/// called, and `resolve` calls each only when every layer above it is absent. This keeps the
/// decisions here pure and lets tests both feed in-memory layers and observe which were reached.
type Layers =
    {
        Explicit: Credentials option
        Arguments: Arguments
        /// Reads the file named by path, when one was named.
        File: (unit -> FileRead) option
        /// Reads an environment variable.
        Environment: string -> string option
        /// Finds and reads the saved session at the default location.
        SavedSession: unit -> Result<FileRead, LocationError>
    }

/// What went wrong with a layer that was present.
[<RequireQualifiedAccess>]
type LayerProblem =
    | InvalidValues of ValueError list
    | ApiKeyAlone
    | ConflictingApiKeys
    | ConflictingArguments of names: string list
    | Unreadable of ReadError
    | Undecodable of DecodeError
    | Exposed of Exposure

/// Why a layer was not present.
[<RequireQualifiedAccess>]
type Absence =
    | NoneGiven
    | NoUsernameOrBaseUrl
    | VariablesNotSet
    | NoSavedFile of path: string
    | NoLocation of LocationError

/// Why resolution failed: a present layer was invalid (lower layers were not consulted), or no
/// layer was present (each with its reason, highest first).
[<RequireQualifiedAccess>]
type ResolveError =
    | InvalidLayer of layer: Layer * location: string * problem: LayerProblem
    | NotFound of absent: (Layer * Absence) list

/// What one layer of SPEC §2 gave.
type LayerOutcome = Outcome<Resolved, ResolveError, Absence>

/// SPEC §2 precedence: pure decisions over the layers.
[<RequireQualifiedAccess>]
module Resolve =

    let private presentWith warnings layer location result =
        match result with
        | Ok credentials ->
            Outcome.Present(
                Ok
                    { Credentials = credentials
                      Origin = Origin.At(layer, location)
                      Warnings = warnings }
            )
        | Error problem -> Outcome.Present(Error(ResolveError.InvalidLayer(layer, defaultArg location "", problem)))

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
    let explicitLayer (credentials: Credentials option) : LayerOutcome =
        match credentials with
        | Some c -> present Layer.Explicit None (Ok c)
        | None -> Outcome.Absent Absence.NoneGiven

    /// Layer 2: arguments. Present when a username or base URL is given; a key given alone, or
    /// `api_key` and `key` that differ, is an error.
    let argumentsLayer (arguments: Arguments) : LayerOutcome =
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
    let private fileContent layer (strict: bool) (read: FileRead) : LayerOutcome =
        match read.Content, read.Exposure with
        | Error e, _ -> present layer (Some read.Path) (Error(LayerProblem.Unreadable e))
        | Ok _, Some exposure when strict -> present layer (Some read.Path) (Error(LayerProblem.Exposed exposure))
        | Ok bytes, exposure ->
            let warnings = exposure |> Option.map Warning.Exposed |> Option.toList

            Codec.decode bytes
            |> Result.mapError LayerProblem.Undecodable
            |> presentWith warnings layer (Some read.Path)

    /// Layer 3: a file named by path, read only now. The user named it, so an exposed file is a warning.
    let fileLayer (file: (unit -> FileRead) option) : LayerOutcome =
        match file with
        | None -> Outcome.Absent Absence.NoneGiven
        | Some read -> fileContent Layer.File false (read ())

    /// Whether a saved session that another user could change is refused: unless
    /// `CARTOCREDS_INSECURE_PERMISSIONS=1`, it is, as ssh refuses such a key.
    let strictPermissions (getVariable: string -> string option) : bool =
        getVariable Variables.InsecurePermissions |> Input.givenOption |> Option.contains "1" |> not

    /// Layer 4: `CARTO_USERNAME`, `CARTO_API_KEY`, `CARTO_BASE_URL`.
    let environmentLayer (getVariable: string -> string option) : LayerOutcome =
        let read name = getVariable name |> Input.givenOption

        { Username = read Variables.Username
          ApiKey = read Variables.ApiKey
          BaseUrl = read Variables.BaseUrl
          AllowNonSecure = false }
        |> valuesLayer Layer.Environment Variables.ApiKey Variables.Username Variables.BaseUrl
        |> Option.defaultValue (Outcome.Absent Absence.VariablesNotSet)

    /// Layer 5: the saved session; a missing file means the layer is absent.
    let savedSessionLayer (strict: bool) (find: unit -> Result<FileRead, LocationError>) : LayerOutcome =
        match find () with
        | Error e -> Outcome.Absent(Absence.NoLocation e)
        | Ok { Path = path; Content = Error ReadError.NotFound } -> Outcome.Absent(Absence.NoSavedFile path)
        | Ok read -> fileContent Layer.SavedSession strict read

    /// The saved session when it was asked for by name (`FromFile()`): a missing file is an error.
    let requiredSavedSession (strict: bool) (find: unit -> Result<FileRead, LocationError>) : LayerOutcome =
        match find () with
        | Error e -> Outcome.Absent(Absence.NoLocation e)
        | Ok read -> fileContent Layer.SavedSession strict read

    let private decide run steps = Precedence.decide ResolveError.NotFound run steps

    /// The first present layer decides; a layer is evaluated only when all above it are absent.
    let first (layers: (Layer * (unit -> LayerOutcome)) list) : Result<Resolved, ResolveError> =
        decide (fun (_, outcome) -> outcome ()) (Array.ofList layers)

    /// The Arguments layer alone: credentials given as values, or why they are refused.
    let fromArguments (arguments: Arguments) : Result<Resolved, ResolveError> =
        first [ Layer.Arguments, (fun () -> argumentsLayer arguments) ]

    /// The precedence of SPEC §2, highest first: built once, read by every resolution.
    let private precedence: (Layer * (Layers -> LayerOutcome))[] =
        [| Layer.Explicit, (fun layers -> explicitLayer layers.Explicit)
           Layer.Arguments, (fun layers -> argumentsLayer layers.Arguments)
           Layer.File, (fun layers -> fileLayer layers.File)
           Layer.Environment, (fun layers -> environmentLayer layers.Environment)
           Layer.SavedSession,
           (fun layers -> savedSessionLayer (strictPermissions layers.Environment) layers.SavedSession) |]

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
    ///       SavedSession = fun () -> Error(LocationError.VariableNotSet "HOME") }
    ///
    /// Resolve.resolve layers // Ok, with Origin = { Layer = Layer.Environment; Location = Some "CARTO_USERNAME" }
    /// </code>
    /// </example>
    let resolve (layers: Layers) : Result<Resolved, ResolveError> = decide (fun (_, step) -> step layers) precedence

    /// `resolve`, with the layers passed over before the answer (absent, with why, highest first).
    let trace (layers: Layers) : struct (Result<Resolved, ResolveError> * (Layer * Absence) list) =
        Precedence.trace ResolveError.NotFound (fun (_, step) -> step layers) precedence

    /// Every layer, highest first, with what it gave (SPEC §6's `show --all`): all are read.
    let survey (layers: Layers) : (Layer * Standing<Resolved, ResolveError, Absence>) list =
        Precedence.survey (fun (_, step) -> step layers) precedence
