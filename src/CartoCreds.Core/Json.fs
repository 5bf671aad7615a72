namespace CartoCreds.Core

open System
open System.Text.Json

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

/// A JSON value as far as a credentials file needs it: the root object's fields with their
/// scalar values; nested objects and arrays are kept only as their kind.
[<RequireQualifiedAccess>]
type Json =
    | String of string
    | Bool of bool
    | Null
    | Number
    | Array
    | Object of fields: struct (string * Json)[]

[<RequireQualifiedAccess>]
module Json =

    /// "a string", "an object"…: how messages name a value's kind.
    let kind (value: Json) : string =
        match value with
        | Json.String _ -> "a string"
        | Json.Bool _ -> "a boolean"
        | Json.Null -> "null"
        | Json.Number -> "a number"
        | Json.Array -> "an array"
        | Json.Object _ -> "an object"

    /// The names the file format knows, matched without allocating a string for each.
    let private knownNames =
        [| "username"; "api_key"; "key"; "base_url"; "allow_non_secure" |]
        |> Array.map (fun name -> name, Text.Encoding.UTF8.GetBytes name)

    let private propertyName (reader: byref<Utf8JsonReader>) =
        let mutable name = null
        let mutable i = 0

        while isNull name && i < knownNames.Length do
            let text, utf8 = knownNames[i]

            if reader.ValueTextEquals(ReadOnlySpan utf8) then
                name <- text

            i <- i + 1

        if isNull name then reader.GetString() else name

    let private jsonTrue = Json.Bool true
    let private jsonFalse = Json.Bool false

    /// A value at the reader; containers are skipped, nested objects too (depth > 0).
    let private scalar (reader: byref<Utf8JsonReader>) =
        match reader.TokenType with
        | JsonTokenType.String -> Json.String(reader.GetString())
        | JsonTokenType.True -> jsonTrue
        | JsonTokenType.False -> jsonFalse
        | JsonTokenType.Null -> Json.Null
        | JsonTokenType.Number -> Json.Number
        | JsonTokenType.StartArray ->
            reader.Skip()
            Json.Array
        | _ ->
            reader.Skip()
            Json.Object [||]

    let private readRoot (reader: byref<Utf8JsonReader>) =
        reader.Read() |> ignore

        let root =
            if reader.TokenType = JsonTokenType.StartObject then
                // Sized for the four fields of the format; grown by doubling, trimmed only if needed.
                let mutable fields = Array.zeroCreate<struct (string * Json)> 4
                let mutable count = 0

                while reader.Read() && reader.TokenType = JsonTokenType.PropertyName do
                    let name = propertyName &reader
                    reader.Read() |> ignore

                    if count = fields.Length then
                        Array.Resize(&fields, count * 2)

                    fields[count] <- struct (name, scalar &reader)
                    count <- count + 1

                Json.Object(if count = fields.Length then fields else Array.sub fields 0 count)
            else
                scalar &reader

        // Anything after the root value is an error the reader reports.
        while reader.Read() do
            ()

        root

    /// Parses UTF-8 JSON (no byte-order mark) with Utf8JsonReader: no document is built.
    let parse (bytes: ReadOnlySpan<byte>) : Result<Json, DecodeError> =
        let mutable reader = Utf8JsonReader(bytes, JsonReaderOptions(MaxDepth = 64))

        try
            Ok(readRoot &reader)
        with
        | :? JsonException as e ->
            let line = Option.ofNullable e.LineNumber |> Option.defaultValue 0L
            let position = Option.ofNullable e.BytePositionInLine |> Option.defaultValue 0L
            Error(DecodeError.NotJson(line + 1L, position + 1L))
        | :? InvalidOperationException -> Error DecodeError.NotUtf8 // a string that cannot be transcoded
