namespace CartoCreds.Core

open System

/// What the shell reads from the process: environment variables and the operating system, and
/// the store a caller chose for one action over the host's setting (`--store`, SPEC §11). Tests
/// pass their own, so they never read the real environment or home directory.
type Host =
    {
        GetVariable: string -> string option
        Platform: Platform
        /// The store of this one action, over `CARTOCREDS_STORE` and the configuration file.
        Store: SecretStore option
    }

[<RequireQualifiedAccess>]
module Host =

    /// The operating system this process runs on.
    let currentPlatform =
        if OperatingSystem.IsWindows() then Platform.Windows
        elif OperatingSystem.IsMacOS() then Platform.MacOS
        else Platform.Linux

    /// Reads a variable of this process, at each call. `HOME` falls back on the user's profile
    /// directory, as Python's `expanduser` falls back on the password database.
    let private processVariable (name: string) : string option =
        match Environment.GetEnvironmentVariable name |> Input.given, name with
        | None, "HOME" -> Environment.GetFolderPath Environment.SpecialFolder.UserProfile |> Input.given
        | value, _ -> value

    /// This process's environment and operating system.
    let current: Host = { GetVariable = processVariable; Platform = currentPlatform; Store = None }

    /// A host with the given variables and this process's operating system.
    let ofVariables (variables: (string * string) seq) : Host =
        let map = Map.ofSeq variables

        { GetVariable = fun name -> Map.tryFind name map
          Platform = currentPlatform
          Store = None }

    /// `host` with `store` chosen for one action (`--store`), over what the host's setting chooses.
    let withStore (store: SecretStore) (host: Host) : Host = { host with Store = Some store }
