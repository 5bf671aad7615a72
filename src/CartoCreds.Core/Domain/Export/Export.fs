namespace CartoCreds.Core

open System

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
    /// A `.env` file (bash's `set -a; .`, python-dotenv, docker compose's `env_file`): `NAME='value'`.
    | Dotenv
    /// Windows' cmd.exe: `set "NAME=value"`.
    | Cmd

/// What in a value no `.env` reader of SPEC §6 reads back alike, so it is refused, not written wrong.
[<RequireQualifiedAccess>]
type Unquotable =
    /// A single quote or a backslash: python-dotenv and docker compose read `\'` and `\\` as escapes
    /// even inside single quotes, bash does not.
    | QuoteOrBackslash
    /// `${`: python-dotenv expands it even inside single quotes.
    | Interpolation
    /// A line break or another control character.
    | Control
    /// `%` or `!`, which cmd expands even inside quotes (`!` with delayed expansion on).
    | CmdExpansion
    /// `"`, which ends cmd's quoted assignment.
    | DoubleQuote

/// Why assignments could not be written: the variable whose value no form carries (never the value).
type ExportError = { Name: string; Shell: ShellKind; Reason: Unquotable }

/// SPEC §6's export: credentials as variable assignments for a shell, each value quoted so that
/// any value survives (quotes, `$`, spaces, backslashes). Pure: the tool prints what this makes.
[<RequireQualifiedAccess>]
module Export =

    /// The names `--shell` takes, in the order the help lists them.
    let shells =
        [ "sh", ShellKind.Sh
          "fish", ShellKind.Fish
          "pwsh", ShellKind.Pwsh
          "dotenv", ShellKind.Dotenv
          "cmd", ShellKind.Cmd ]

    /// The shell a `--shell` value names.
    let shellOf (name: string) : ShellKind option = shells |> List.tryFind (fun (n, _) -> n = name) |> Option.map snd

    /// PowerShell reads each of these as a single quote, and a doubled one as one of it.
    let private pwshQuotes = [| '\''; '\u2018'; '\u2019'; '\u201A'; '\u201B' |]

    /// What keeps `value` out of a `.env` file, if anything: single quotes are the one form that
    /// bash, python-dotenv and docker compose all read literally, but for the quote itself, the
    /// backslash, python-dotenv's `${` and line breaks, on which they disagree.
    let unquotable (shell: ShellKind) (value: string) : Unquotable option =
        match shell with
        | ShellKind.Dotenv when value |> Seq.exists Char.IsControl -> Some Unquotable.Control
        | ShellKind.Dotenv when value.IndexOfAny [| '\''; '\\' |] >= 0 -> Some Unquotable.QuoteOrBackslash
        | ShellKind.Dotenv when value.Contains "${" -> Some Unquotable.Interpolation
        | ShellKind.Cmd when value |> Seq.exists Char.IsControl -> Some Unquotable.Control
        | ShellKind.Cmd when value.IndexOfAny [| '%'; '!' |] >= 0 -> Some Unquotable.CmdExpansion
        | ShellKind.Cmd when value.Contains '"' -> Some Unquotable.DoubleQuote
        | _ -> None

    /// A value quoted for the shell: single quotes, in which no character is special but the quote
    /// itself (and, for fish, the backslash), each written as that shell writes it. PowerShell's
    /// typographic single quotes are doubled as its own is. A `.env` value is single-quoted as it
    /// is: `unquotable` says which values it cannot carry.
    let quote (shell: ShellKind) (value: string) : string =
        match shell with
        | ShellKind.Sh -> "'" + value.Replace("'", "'\\''") + "'"
        | ShellKind.Fish -> "'" + value.Replace("\\", "\\\\").Replace("'", "\\'") + "'"
        | ShellKind.Pwsh ->
            let doubled = Text.StringBuilder(value.Length + 2).Append '\''

            for c in value do
                (if Array.contains c pwshQuotes then
                     doubled.Append(c).Append(c)
                 else
                     doubled.Append c)
                |> ignore

            doubled.Append('\'').ToString()
        | ShellKind.Dotenv -> "'" + value + "'"
        | ShellKind.Cmd -> value

    /// One assignment: `export NAME='value'` and the like.
    let assignment (shell: ShellKind) (name: string, value: string) : string =
        match shell with
        | ShellKind.Sh -> "export " + name + "=" + quote shell value
        | ShellKind.Fish -> "set -gx " + name + " " + quote shell value
        | ShellKind.Pwsh -> "$env:" + name + " = " + quote shell value
        | ShellKind.Dotenv -> name + "=" + quote shell value
        | ShellKind.Cmd -> "set \"" + name + "=" + quote shell value + "\""

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

    /// The lines a shell reads, one assignment a line; or the first variable whose value the
    /// shell's form cannot carry (nothing is written then, rather than a line read back wrong).
    let lines (shell: ShellKind) (variables: (string * string) list) : Result<string, ExportError> =
        match
            variables |> List.tryPick (fun (name, value) -> unquotable shell value |> Option.map (fun r -> name, r))
        with
        | Some(name, reason) -> Error { Name = name; Shell = shell; Reason = reason }
        | None -> Ok(variables |> List.map (assignment shell) |> String.concat "\n")
