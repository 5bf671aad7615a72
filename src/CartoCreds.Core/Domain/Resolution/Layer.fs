namespace CartoCreds.Core

open System

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

/// The two kinds of CARTO credentials: the legacy platform's (SPEC §1–§6) and CARTO 3's (§7).
[<RequireQualifiedAccess>]
type CredentialsKind =
    | Legacy
    | Cloud

/// Credentials of either kind, their origin, and any warnings about where they came from.
type Resolved<'Credentials> = { Credentials: 'Credentials; Origin: Origin; Warnings: Warning list }

[<RequireQualifiedAccess>]
module Resolved =

    /// Credentials handed over whole, in code (the Explicit layer): nothing else is consulted.
    let explicitly (credentials: 'Credentials) : Resolved<'Credentials> =
        { Credentials = credentials
          Origin = Origin.At(Layer.Explicit, None)
          Warnings = [] }

/// What went wrong with a layer that was present, for either kind of credentials.
[<RequireQualifiedAccess>]
type LayerProblem =
    | InvalidValues of ValueError list
    | InvalidCloudValues of CloudValueError list
    /// A legacy API key without a username or base URL.
    | ApiKeyAlone
    | ConflictingApiKeys
    | ConflictingArguments of names: string list
    /// CARTO 3: a token and a client id both.
    | TokenAndClientId
    /// CARTO 3: half a client pair.
    | HalfPair of missing: CloudField
    | ApiBaseUrlAlone
    | NoSuchProfile of name: string
    /// A profile was asked for, and there is no CARTO CLI file to hold it.
    | NoFileForProfile of path: string * name: string
    | NoProfile
    /// A saved profile with no token in the CARTO CLI file, and none in the keychain (the place
    /// asked), or the file store chosen, so no keychain asked (SPEC §11).
    | NoProfileToken of name: string * keychain: string option
    /// A service URL variable (`CARTO_AUTH_URL`, `CARTO_ACCOUNTS_URL`) that is not a URL of its kind:
    /// read with every CARTO 3 resolution, and reported as the Environment layer's problem.
    | ServiceUrl of ServiceUrlError
    | Unreadable of ReadError
    | Undecodable of DecodeError
    | Exposed of Exposure

/// Why a layer was not present, for either kind of credentials.
[<RequireQualifiedAccess>]
type Absence =
    | NoneGiven
    | NoUsernameOrBaseUrl
    | NoTokenOrClient
    /// None of the variables that make the layer is set; `names` are those a message lists.
    | VariablesNotSet of names: string list
    | NoSavedFiles of paths: string list
    /// The keychain chosen holds no saved session (SPEC §11).
    | NothingInKeychain of place: string
    /// The CARTO CLI file names no current profile, and none was asked for.
    | NoCurrentProfile of path: string
    | Expired of path: string * at: DateTimeOffset
    /// The saved session's directory is unknown (legacy: §4's configuration directory).
    | NoDefaultLocation of LocationError
    /// The secret store chosen (SPEC §11) could not be asked: the keychain's reason, or a bad choice.
    | StoreUnavailable of place: string * problem: StoreProblem
    /// The home directory is unknown (CARTO 3: the CARTO CLI file and carto-auth's caches).
    | NoHomeDirectory of LocationError

/// Why resolution failed (SPEC §2, §7.2): a present layer was invalid (lower layers were not
/// consulted), or no layer was present (each with its reason, highest first).
[<RequireQualifiedAccess>]
type ResolveError =
    | InvalidLayer of kind: CredentialsKind * layer: Layer * location: string * problem: LayerProblem
    | NotFound of kind: CredentialsKind * absent: (Layer * Absence) list

/// What a caller asks resolution for (SPEC §2 and §7.2, layers 1–3): a value handed over whole,
/// arguments, a file named by path. The environment and the saved session come from the host.
type Request<'Credentials, 'Arguments> =
    { Explicit: 'Credentials option
      Arguments: 'Arguments
      CredFile: string option }

[<RequireQualifiedAccess>]
module Request =

    /// Only arguments: resolution goes on to the environment and the saved session.
    let ofArguments (arguments: 'Arguments) : Request<'Credentials, 'Arguments> =
        { Explicit = None; Arguments = arguments; CredFile = None }

/// The layers handed to resolution. The Explicit and Arguments layers are plain values; the
/// others are functions the shell supplies, which read the disk or the environment when
/// called, and resolution calls each only when every layer above it is absent. This keeps the
/// decisions pure and lets tests both feed in-memory layers and observe which were reached.
/// `Now` judges the expiry of what the saved session holds (CARTO 3's token caches).
type Layers<'Credentials, 'Arguments, 'Saved> =
    {
        Explicit: 'Credentials option
        Arguments: 'Arguments
        /// Reads the file named by path, when one was named.
        File: (unit -> FileRead) option
        /// Reads an environment variable.
        Environment: string -> string option
        /// Finds the saved session at its default location.
        SavedSession: unit -> Result<'Saved, LocationError>
        Now: DateTimeOffset
    }

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
