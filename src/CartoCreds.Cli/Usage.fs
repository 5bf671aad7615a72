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
