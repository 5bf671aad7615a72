namespace CartoCreds.Core

/// The shells and files that `cartocreds env` and `cartocreds cloud env` write assignments for
/// (SPEC §6).
[<RequireQualifiedAccess>]
type ShellKind =
    /// POSIX shells (sh, bash, zsh, dash): `export NAME='value'`.
    | Sh
    /// fish: `set -gx NAME 'value'`.
    | Fish
    /// PowerShell: `$env:NAME = 'value'`.
    | Pwsh
    /// A `.env` file (docker compose, python-dotenv, node's dotenv): `NAME='value'`.
    | Dotenv

/// SPEC §6's export: credentials as variable assignments for a shell, each value quoted so that
/// any value survives (quotes, `$`, spaces, backslashes). Pure: the tool prints what this makes.
[<RequireQualifiedAccess>]
module Export =

    /// The names `--shell` takes, in the order the help lists them.
    let shells =
        [ "sh", ShellKind.Sh; "fish", ShellKind.Fish; "pwsh", ShellKind.Pwsh; "dotenv", ShellKind.Dotenv ]

    /// The shell a `--shell` value names.
    let shellOf (name: string) : ShellKind option = shells |> List.tryFind (fun (n, _) -> n = name) |> Option.map snd

    /// A value quoted for the shell: single quotes, in which no character is special but the quote
    /// itself (and, for fish, the backslash), each written as that shell writes it. A `.env` value
    /// with a single quote or a backslash (which some loaders read as an escape even in single
    /// quotes) is double-quoted with `\`, `"` and `$` escaped instead, as bash reads it.
    let quote (shell: ShellKind) (value: string) : string =
        match shell with
        | ShellKind.Sh -> "'" + value.Replace("'", "'\\''") + "'"
        | ShellKind.Fish -> "'" + value.Replace("\\", "\\\\").Replace("'", "\\'") + "'"
        | ShellKind.Pwsh -> "'" + value.Replace("'", "''") + "'"
        | ShellKind.Dotenv when not (value.Contains '\'' || value.Contains '\\') -> "'" + value + "'"
        | ShellKind.Dotenv -> "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "\\$") + "\""

    /// One assignment: `export NAME='value'` and the like.
    let assignment (shell: ShellKind) (name: string, value: string) : string =
        match shell with
        | ShellKind.Sh -> "export " + name + "=" + quote shell value
        | ShellKind.Fish -> "set -gx " + name + " " + quote shell value
        | ShellKind.Pwsh -> "$env:" + name + " = " + quote shell value
        | ShellKind.Dotenv -> name + "=" + quote shell value

    /// Legacy credentials as SPEC §2's variables: `CARTO_USERNAME` (when there is one),
    /// `CARTO_API_KEY`, `CARTO_BASE_URL`. The key is whole: the user asked for it.
    let legacy (credentials: Credentials) : (string * string) list =
        [ match credentials.Username with
          | Some name -> Variables.Username, Username.value name
          | None -> ()
          Variables.ApiKey, ApiKey.value credentials.ApiKey
          Variables.BaseUrl, BaseUrl.value credentials.BaseUrl ]

    /// A CARTO 3 token and its API base URL as SPEC §7.2's variables: `CARTO_API_TOKEN`,
    /// `CARTO_API_BASE_URL`. The token is whole: the user asked for it.
    let cloud (token: string) (apiBaseUrl: ApiBaseUrl) : (string * string) list =
        [ CloudVariables.Token, token; CloudVariables.ApiBaseUrl, ApiBaseUrl.value apiBaseUrl ]

    /// The lines a shell reads: one assignment a line.
    let lines (shell: ShellKind) (variables: (string * string) list) : string =
        variables |> List.map (assignment shell) |> String.concat "\n"
