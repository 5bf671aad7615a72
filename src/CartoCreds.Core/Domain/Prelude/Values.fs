namespace CartoCreds.Core

open System

/// A field of a credentials value.
[<RequireQualifiedAccess>]
type Field =
    | Username
    | ApiKey
    | BaseUrl

/// The kind of a character that a key, token or secret may not hold (SPEC §1: printable ASCII).
[<RequireQualifiedAccess>]
type CharacterKind =
    | Whitespace
    | Control
    | Format
    | Surrogate
    | NonAscii

/// Why a value was refused (SPEC §1). No case carries a key, a token or a secret, nor any part of
/// a URL but its scheme and host; a refused text is carried only as `Refused.show` makes it
/// (bounded, escaped, never a token), so every error can be shown as it is.
[<RequireQualifiedAccess>]
type ValueError =
    | Empty of field: Field
    | UsernameTooLong of shown: string option * length: int
    | UsernameCharacter of shown: string option * character: char
    | UsernameHyphenAtEdge of shown: string option
    /// A character of the kind at the position (1-based); the character itself is not carried.
    | ApiKeyCharacter of kind: CharacterKind * position: int
    | BaseUrlNotAbsolute
    | BaseUrlScheme of scheme: string option
    /// `shown`: the URL's scheme and authority, as `Refused.show` makes them.
    | BaseUrlInsecure of shown: string option
    | BaseUrlUserInfo
    | BaseUrlNoHost
    | BaseUrlHost of shown: string option
    | BaseUrlPort of shown: string option
    | BaseUrlPath
    | BaseUrlQuery
    | BaseUrlFragment
    | UsernameOrBaseUrlMissing

[<RequireQualifiedAccess>]
module ValueError =

    /// The field a value error is about; `None` when it is about the combination of fields.
    let field (error: ValueError) : Field option =
        match error with
        | ValueError.Empty field -> Some field
        | ValueError.UsernameTooLong _
        | ValueError.UsernameCharacter _
        | ValueError.UsernameHyphenAtEdge _ -> Some Field.Username
        | ValueError.ApiKeyCharacter _ -> Some Field.ApiKey
        | ValueError.BaseUrlNotAbsolute
        | ValueError.BaseUrlScheme _
        | ValueError.BaseUrlInsecure _
        | ValueError.BaseUrlUserInfo
        | ValueError.BaseUrlNoHost
        | ValueError.BaseUrlHost _
        | ValueError.BaseUrlPort _
        | ValueError.BaseUrlPath
        | ValueError.BaseUrlQuery
        | ValueError.BaseUrlFragment -> Some Field.BaseUrl
        | ValueError.UsernameOrBaseUrlMissing -> None

/// Inputs are trimmed; an empty or whitespace-only input counts as not given (SPEC §1).
[<RequireQualifiedAccess>]
module Input =

    /// `Some` trimmed text, or `None` for null, empty or whitespace-only text.
    let given (text: string) : string option = if String.IsNullOrWhiteSpace text then None else Some(text.Trim())

    /// `given` over an optional input.
    let givenOption (text: string option) : string option = Option.bind given text

/// How a refused value may be shown (SPEC §1): at most 40 characters, control, format and
/// non-ASCII space characters escaped as `\uXXXX`, nothing from where a URL's path, user-info,
/// query or fragment could start, and nothing at all of a value shaped like a token.
[<RequireQualifiedAccess>]
module Refused =

    /// How many characters of a refused value are shown at most.
    [<Literal>]
    let MaxShown = 40

    let private isBase64Url (c: char) =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c = '-' || c = '_' || c = '='

    /// A JSON Web Token: three base64url parts joined by dots, the first a JSON object (`eyJ`).
    let looksLikeToken (text: string) : bool =
        let parts = text.Split '.'

        parts.Length = 3
        && text.StartsWith("eyJ", StringComparison.Ordinal)
        && parts |> Array.forall (fun part -> part.Length > 0 && part |> Seq.forall isBase64Url)

    let private needsEscape (c: char) =
        Char.IsControl c
        || Char.IsSurrogate c
        || Char.GetUnicodeCategory c = Globalization.UnicodeCategory.Format
        || (c > '~' && Char.IsWhiteSpace c)

    /// Control and invisible characters as `\uXXXX`, so that text from a file or a server cannot
    /// move the cursor, change colours or reorder a terminal's line.
    let escape (text: string) =
        let builder = Text.StringBuilder(text.Length)

        for c in text do
            if needsEscape c then
                builder.Append("\\u").Append((int c).ToString "X4") |> ignore
            else
                builder.Append c |> ignore

        builder.ToString()

    /// SPEC §6: text from a file or a server, terminal-safe and bounded: escaped, at most 200
    /// characters, the rest counted (`…(+N)`).
    let terminalSafe (text: string) : string =
        let escaped = escape text

        if escaped.Length > 200 then
            escaped.Substring(0, 200) + "…(+" + string (escaped.Length - 200) + ")"
        else
            escaped

    /// Where a URL's path, user-info, query or fragment could start (after any `scheme://`):
    /// nothing from there on is shown.
    let private secretStart (text: string) =
        let from =
            match text.IndexOf("://", StringComparison.Ordinal) with
            | -1 -> 0
            | n -> n + 3

        let marker = text.IndexOfAny([| '/'; '?'; '#'; '@' |], from)

        match text.IndexOf('@', from), text.IndexOf(':', from) with
        | -1, _
        | _, -1 -> marker
        | _, colon when marker = -1 -> colon
        | _, colon -> min colon marker

    /// The text to show of a refused value, or `None` when it must not be shown at all.
    let show (text: string) : string option =
        if looksLikeToken text then
            None
        else
            let cut =
                match secretStart text with
                | -1 -> min text.Length MaxShown
                | n -> min n MaxShown

            if cut < text.Length then
                Some(escape (text.Substring(0, cut)) + "…")
            else
                Some(escape text)

/// A CARTO username: 1–63 characters of `A–Z a–z 0–9 _ -`, not starting or ending with `-`.
type Username = private Username of string

[<RequireQualifiedAccess>]
module Username =

    let private maxLength = 63

    let private allowed =
        Buffers.SearchValues.Create "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

    /// Validates a username (trimmed first).
    let create (text: string) : Result<Username, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.Username)
        | Some name ->
            result {
                do!
                    require (name.Length <= maxLength) (fun () ->
                        ValueError.UsernameTooLong(Refused.show name, name.Length))

                match name.AsSpan().IndexOfAnyExcept allowed with
                | -1 ->
                    do!
                        require (name[0] <> '-' && name[name.Length - 1] <> '-') (fun () ->
                            ValueError.UsernameHyphenAtEdge(Refused.show name))

                    return Username name
                | i -> return! Error(ValueError.UsernameCharacter(Refused.show name, name[i]))
            }

    let value (Username name) = name

/// What CARTO issues as keys, tokens, client ids and secrets: printable ASCII without spaces
/// (SPEC §1). Anything else (a byte-order mark, a zero-width space, a soft hyphen) is refused,
/// naming the kind of character and where it is, never the text.
[<RequireQualifiedAccess>]
module Secret =

    let private kind (c: char) =
        if Char.IsWhiteSpace c then
            CharacterKind.Whitespace
        elif Char.IsControl c then
            CharacterKind.Control
        elif Char.IsSurrogate c then
            CharacterKind.Surrogate
        elif Char.GetUnicodeCategory c = Globalization.UnicodeCategory.Format then
            CharacterKind.Format
        else
            CharacterKind.NonAscii

    /// The first character that is not printable ASCII, as its kind and 1-based position.
    let firstRefused (text: string) : (CharacterKind * int) option =
        let mutable i = 0

        while i < text.Length && text[i] >= '!' && text[i] <= '~' do
            i <- i + 1

        if i < text.Length then Some(kind text[i], i + 1) else None

    /// SPEC §1 and §7's rule for a key, a token, a client id or a secret: trimmed, given, and
    /// printable ASCII; else the error `empty` or `refused` makes (the kind and 1-based position
    /// of the first refused character; never the character itself).
    let validate (empty: 'E) (refused: CharacterKind -> int -> 'E) (text: string) : Result<string, 'E> =
        match Input.given text with
        | None -> Error empty
        | Some value ->
            match firstRefused value with
            | Some(kind, position) -> Error(refused kind position)
            | None -> Ok value

    /// SPEC §1 and §7: `****` and the last 4 characters of a secret of 12 or more; `****` otherwise.
    let mask (text: string) : string = if text.Length >= 12 then "****" + text.Substring(text.Length - 4) else "****"
