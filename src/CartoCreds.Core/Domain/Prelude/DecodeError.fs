namespace CartoCreds.Core

/// Why some bytes are not a credentials file (SPEC §4). A bad field carries its JSON path
/// (`$.api_key`); no case carries a value read from the file, so no case can leak a key.
[<RequireQualifiedAccess>]
type DecodeError =
    | Empty
    | NotJson of line: int64 * position: int64
    | NotUtf8
    /// UTF-16 text (a byte-order mark or NUL bytes among the first two): save it as UTF-8.
    | Utf16
    | NotAnObject of actual: string
    | BadField of path: string * expected: string * actual: string
    | Invalid of ValueError list
    /// A CARTO 3 file was asked for, and this one holds CARTOframes' legacy credentials.
    | LegacyCredentials
