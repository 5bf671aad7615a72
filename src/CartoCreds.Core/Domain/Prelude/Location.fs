namespace CartoCreds.Core

/// The operating systems whose default locations differ.
[<RequireQualifiedAccess>]
type Platform =
    | Linux
    | MacOS
    | Windows

/// SPEC §4: where CARTOframes keeps the saved session, computed from the given environment so
/// that Python and .NET share one file. Pure: the shell passes the variables in.
[<RequireQualifiedAccess>]
module Location =

    [<Literal>]
    let FileName = "creds.json"

    /// CARTOframes 0.x's file name, read when `creds.json` is missing.
    [<Literal>]
    let LegacyFileName = "cartocreds.json"

    let private separator platform =
        match platform with
        | Platform.Windows -> "\\"
        | Platform.Linux
        | Platform.MacOS -> "/"

    let private join platform (root: string) (parts: string list) =
        let sep = separator platform
        String.concat sep (root.TrimEnd('/', '\\') :: parts)

    let private require (getVariable: string -> string option) name =
        match getVariable name |> Input.givenOption with
        | Some value -> Ok value
        | None -> Error(LocationError.VariableNotSet name)

    /// The configuration directory: `$XDG_CONFIG_HOME/cartoframes` (or `~/.config/cartoframes`)
    /// on Linux and others, `~/Library/Application Support/cartoframes` on macOS,
    /// `%LOCALAPPDATA%\cartoframes\cartoframes` on Windows.
    let directory (platform: Platform) (getVariable: string -> string option) : Result<string, LocationError> =
        match platform with
        | Platform.Windows ->
            require getVariable "LOCALAPPDATA"
            |> Result.map (fun local -> join platform local [ "cartoframes"; "cartoframes" ])
        | Platform.MacOS ->
            require getVariable "HOME"
            |> Result.map (fun home -> join platform home [ "Library"; "Application Support"; "cartoframes" ])
        | Platform.Linux ->
            match require getVariable "XDG_CONFIG_HOME" with
            | Ok config -> Ok(join platform config [ "cartoframes" ])
            | Error _ ->
                require getVariable "HOME" |> Result.map (fun home -> join platform home [ ".config"; "cartoframes" ])

    /// The saved session's file: `creds.json` in the configuration directory.
    let defaultPath (platform: Platform) (getVariable: string -> string option) : Result<string, LocationError> =
        directory platform getVariable |> Result.map (fun dir -> join platform dir [ FileName ])

    /// `cartocreds.json` beside a `creds.json` path.
    let legacyPath (platform: Platform) (path: string) : string =
        let sep = separator platform
        let cut = path.LastIndexOf sep
        if cut < 0 then LegacyFileName else path.Substring(0, cut + 1) + LegacyFileName

    /// The CARTO CLI's credentials file: `~/.carto_credentials.json` (`%USERPROFILE%` on Windows).
    [<Literal>]
    let CliFileName = ".carto_credentials.json"

    /// The user's home directory, as the CARTO CLI and carto-auth find it.
    let home (platform: Platform) (getVariable: string -> string option) : Result<string, LocationError> =
        match platform with
        | Platform.Windows -> require getVariable "USERPROFILE"
        | Platform.Linux
        | Platform.MacOS -> require getVariable "HOME"

    /// SPEC §7.2's saved session: the CARTO CLI file, then carto-auth's OAuth and M2M token caches.
    let cloudPaths
        (platform: Platform)
        (getVariable: string -> string option)
        : Result<string * string * string, LocationError> =
        home platform getVariable
        |> Result.map (fun home ->
            join platform home [ CliFileName ],
            join platform home [ ".carto-auth"; "token_oauth.json" ],
            join platform home [ ".carto-auth"; "token_m2m.json" ])

    /// `{config}/cartocreds`, `{config}` being §4's directory without `cartoframes`
    /// (`$XDG_CONFIG_HOME` or `~/.config`, `~/Library/Application Support`, `%LOCALAPPDATA%`).
    let private ownDirectory
        (platform: Platform)
        (getVariable: string -> string option)
        : Result<string, LocationError> =
        let config =
            match platform with
            | Platform.Windows -> require getVariable "LOCALAPPDATA"
            | Platform.MacOS ->
                require getVariable "HOME"
                |> Result.map (fun home -> join platform home [ "Library"; "Application Support" ])
            | Platform.Linux ->
                match require getVariable "XDG_CONFIG_HOME" with
                | Ok config -> Ok config
                | Error _ -> require getVariable "HOME" |> Result.map (fun home -> join platform home [ ".config" ])

        config |> Result.map (fun root -> join platform root [ "cartocreds" ])

    /// SPEC §11's setting: `{config}/cartocreds/config.json`.
    let storeConfigPath (platform: Platform) (getVariable: string -> string option) : Result<string, LocationError> =
        ownDirectory platform getVariable |> Result.map (fun dir -> join platform dir [ "config.json" ])

    /// SPEC §7.4's token cache: `{config}/cartocreds/tokens`.
    let tokenCacheDirectory
        (platform: Platform)
        (getVariable: string -> string option)
        : Result<string, LocationError> =
        ownDirectory platform getVariable |> Result.map (fun dir -> join platform dir [ "tokens" ])
