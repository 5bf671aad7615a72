namespace CartoCreds.Core

/// The sources of credentials (SPEC §2), highest precedence first.
[<RequireQualifiedAccess>]
type Layer =
    | Explicit
    | Arguments
    | File
    | Environment
    | SavedSession

[<RequireQualifiedAccess>]
module Layer =

    /// Every layer, highest precedence first.
    let all = [ Layer.Explicit; Layer.Arguments; Layer.File; Layer.Environment; Layer.SavedSession ]

    /// The layer as people read it, in messages and origins: "Saved session".
    let name (layer: Layer) : string =
        match layer with
        | Layer.Explicit -> "Explicit"
        | Layer.Arguments -> "Arguments"
        | Layer.File -> "File"
        | Layer.Environment -> "Environment"
        | Layer.SavedSession -> "Saved session"

    /// The layer as programs read it: `cartocreds show --json` and the C# enum `CredentialsLayer`
    /// ("SavedSession"); a test holds the C# enum to these names, in this order.
    let id (layer: Layer) : string =
        match layer with
        | Layer.Explicit -> "Explicit"
        | Layer.Arguments -> "Arguments"
        | Layer.File -> "File"
        | Layer.Environment -> "Environment"
        | Layer.SavedSession -> "SavedSession"

/// Where resolved credentials came from: the layer and its location (argument names, a file
/// path, variable names); no location for an explicit value. `Profile` is the CARTO CLI file's
/// profile that gave them, kept apart from the path.
type Origin =
    { Layer: Layer
      Location: string option
      Profile: string option }

    /// The location as messages say it: `/home/ana/.carto_credentials.json, profile eu` (the
    /// profile, read from a file, terminal-safe); empty for an explicit value.
    member this.Where =
        match this.Location, this.Profile with
        | Some path, Some profile -> path + ", profile " + Refused.terminalSafe profile
        | Some where, None -> where
        | None, Some profile -> "profile " + Refused.terminalSafe profile
        | None, None -> ""

    /// An origin with no profile.
    static member At(layer: Layer, location: string option) = { Layer = layer; Location = location; Profile = None }

/// Something the caller should hear about credentials that resolved all the same.
[<RequireQualifiedAccess>]
type Warning =
    /// A named file that another user could have changed (the saved session is refused instead).
    | Exposed of Exposure

/// Credentials, their origin, and any warnings about where they came from.
type Resolved = { Credentials: Credentials; Origin: Origin; Warnings: Warning list }

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

/// What a caller asks resolution for (SPEC §2, layers 1–3): a value handed over whole, arguments,
/// a file named by path. The environment and the saved session come from the host.
type Request =
    { Explicit: Credentials option
      Arguments: Arguments
      CredFile: string option }

    /// Nothing asked for: resolution goes to the environment and the saved session.
    static member None = { Explicit = None; Arguments = Arguments.None; CredFile = None }

/// Where a caller gives credentials, so that a hint names the option that caller has.
[<RequireQualifiedAccess>]
type Surface =
    /// F#: the core's records (`Arguments.AllowNonSecure`).
    | FSharp
    /// The C# facade's parameters (`allowNonSecure:`).
    | CSharp
    /// `cartocreds` (`--allow-non-secure`).
    | CommandLine
    /// Hosting's `CartoOptions` (`AllowNonSecure`).
    | Options
