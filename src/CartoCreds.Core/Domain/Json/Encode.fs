namespace CartoCreds.Core

open System
open System.Buffers
open System.Globalization
open System.Text
open System.Text.Encodings.Web
open System.Text.Json

/// How JSON is laid out when written (each file keeps the style of the program that owns it).
[<RequireQualifiedAccess>]
type JsonStyle =
    /// On one line, as a cache record is kept.
    | Compact
    /// Indented, with a final newline, as the CARTO CLI and this library's own settings write.
    | Indented
    /// Indented, non-ASCII written as is, with a final newline: CARTOframes' `creds.json`.
    | Relaxed

/// The writing side of `Decode`: values built as `Json` trees (`Encode.object [ … ]`), then
/// written in one style by one writer. Pure; the core's files and the tool's `--json` use it.
[<RequireQualifiedAccess>]
module Encode =

    let string (text: string) : Json = Json.String text

    let bool (flag: bool) : Json = Json.Bool flag

    let int64 (number: int64) : Json = Json.Number(number.ToString(CultureInfo.InvariantCulture))

    /// An instant as seconds since 1970, as `Decode.epochSeconds` reads it.
    let epochSeconds (at: DateTimeOffset) : Json = int64 (at.ToUnixTimeSeconds())

    /// An instant in ISO 8601 UTC to the second: `2026-12-03T09:00:00Z`.
    let utcSecond (at: DateTimeOffset) : Json =
        Json.String(at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))

    /// `null` for `None`, else the value encoded.
    let nullable (encode: 'T -> Json) (value: 'T option) : Json =
        match value with
        | Some v -> encode v
        | None -> Json.Null

    /// An object with these members, in this order.
    let object (members: (string * Json) list) : Json =
        members |> List.map (fun (name, value) -> struct (name, value)) |> Array.ofList |> Json.Object

    let list (items: Json list) : Json = Json.Array(Array.ofList items)

    let private options (style: JsonStyle) =
        match style with
        | JsonStyle.Compact -> JsonWriterOptions()
        | JsonStyle.Indented -> JsonWriterOptions(Indented = true)
        | JsonStyle.Relaxed -> JsonWriterOptions(Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)

    /// The value's UTF-8 bytes in `style` (a final newline unless compact).
    let toBytes (style: JsonStyle) (value: Json) : byte[] =
        let buffer = ArrayBufferWriter<byte>(256)

        do
            use writer = new Utf8JsonWriter(buffer, options style)
            Json.write writer value

        match style with
        | JsonStyle.Compact -> buffer.WrittenSpan.ToArray()
        | JsonStyle.Indented
        | JsonStyle.Relaxed -> Array.append (buffer.WrittenSpan.ToArray()) [| byte '\n' |]

    /// The value as text in `style`, without the final newline: what a command prints as one line
    /// (`WriteLine` adds it).
    let toText (style: JsonStyle) (value: Json) : string =
        let bytes = toBytes style value
        Encoding.UTF8.GetString(bytes).TrimEnd '\n'
