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

/// The known word closest to a mistyped one, when it is close enough to be what was meant.
let suggestion (known: string seq) (typed: string) : string option =
    if typed.StartsWith '-' || typed.Length > 32 then
        None
    else
        known
        |> Seq.map (fun word -> word, distance (typed.ToLowerInvariant()) word)
        |> Seq.filter (fun (word, d) -> d <= max 1 (word.Length / 3) && d < word.Length)
        |> Seq.sortBy snd
        |> Seq.tryHead
        |> Option.map fst
