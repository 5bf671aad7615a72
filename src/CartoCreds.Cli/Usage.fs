/// Usage errors as the parser words them, made safe to print.
module CartoCreds.Cli.Usage

open System
open System.Collections.Generic

/// Whether an unexpected argument may be echoed: an option name, or a word that could be a
/// mistyped command. Anything else (`cartocreds save --apikey sk_…` leaves the key unmatched)
/// may be a secret, and is not shown.
let private showable (token: string) =
    token.Length <= 32 && (token.StartsWith '-' && not (token.Contains '=') || Seq.forall Char.IsAsciiLetterLower token)

/// The parser's message with every unmatched argument that could be a secret replaced.
let withoutSecrets (unmatched: IReadOnlyList<string>) (message: string) : string =
    unmatched
    |> Seq.filter (showable >> not)
    |> Seq.fold (fun (text: string) token -> text.Replace("'" + token + "'", "(an argument, not shown)")) message

/// The edit distance between two words: insertions, deletions, substitutions and swaps of two
/// neighbours (`shwo` is one edit from `show`).
let private distance (a: string) (b: string) =
    // Rows of a jagged array: Array2D needs reflection that Native AOT warns about.
    let d =
        Array.init (a.Length + 1) (fun i ->
            Array.init (b.Length + 1) (fun j ->
                if i = 0 then j
                elif j = 0 then i
                else 0))

    for i in 1 .. a.Length do
        for j in 1 .. b.Length do
            let cost = if a[i - 1] = b[j - 1] then 0 else 1
            d[i][j] <- min (min (d[i][j - 1] + 1) (d[i - 1][j] + 1)) (d[i - 1][j - 1] + cost)

            if i > 1 && j > 1 && a[i - 1] = b[j - 2] && a[i - 2] = b[j - 1] then
                d[i][j] <- min (d[i][j]) (d[i - 2][j - 2] + 1)

    d[a.Length][b.Length]

/// The known word closest to a mistyped one, when it is close enough to be what was meant: a
/// command, or an option compared without its dashes (`--reveel` is one edit from `--reveal`).
let suggestion (known: string seq) (typed: string) : string option =
    let bare (word: string) = word.TrimStart('-').ToLowerInvariant()

    if typed.Length > 32 || typed.Contains '=' then
        None
    else
        known
        |> Seq.map (fun word -> word, distance (bare typed) (bare word))
        |> Seq.filter (fun (word, d) -> d <= max 1 ((bare word).Length / 3) && d < (bare word).Length)
        |> Seq.sortBy snd
        |> Seq.tryHead
        |> Option.map fst

/// The one line a usage error is said in (SPEC §6): an unknown option or command named (when it
/// may be shown) with the nearest known one; a group of commands given none, with its commands;
/// else the first of the parser's or the validators' messages. `commandPath` is the command the
/// parser reached (`cloud` for `cartocreds cloud shwo`).
let line
    (commandPath: string)
    (subcommands: string list)
    (options: string list)
    (unmatched: IReadOnlyList<string>)
    (errors: string list)
    : string =
    let shown (token: string) = if showable token then "'" + token + "'" else "(an argument, not shown)"

    let meant known token =
        match suggestion known token with
        | Some word -> " Did you mean '" + word + "'?"
        | None -> ""

    match Seq.tryHead unmatched with
    | Some token when token.StartsWith '-' ->
        "Unknown option " + shown token + " for '" + commandPath + "'." + meant options token
    | Some token when not subcommands.IsEmpty ->
        "Unknown command " + shown token + " for '" + commandPath + "'." + meant subcommands token
    | Some token -> "Unexpected argument " + shown token + " for '" + commandPath + "'."
    | None when not subcommands.IsEmpty && errors |> List.exists (fun e -> e.StartsWith "Required command") ->
        "'" + commandPath + "' needs a command: " + String.concat ", " subcommands + "."
    | None ->
        match errors with
        | first :: _ -> withoutSecrets unmatched first
        | [] -> "the command line is not valid."
