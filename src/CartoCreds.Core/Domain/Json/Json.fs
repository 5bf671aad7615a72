namespace CartoCreds.Core

open System
open System.Text.Json

/// A JSON value: the one tree every file and reply of the library is read into (SPEC §4, §7).
/// A number keeps the text it was written in, so that a file written back keeps it exactly; an
/// object keeps its members in order, a repeated name as often as it came (decoders take the last).
[<RequireQualifiedAccess>]
type Json =
    | String of string
    | Bool of bool
    | Null
    | Number of raw: string
    | Array of items: Json[]
    | Object of fields: struct (string * Json)[]

[<RequireQualifiedAccess>]
module Json =

    /// "a string", "an object"…: how messages name a value's kind.
    let kind (value: Json) : string =
        match value with
        | Json.String _ -> "a string"
        | Json.Bool _ -> "a boolean"
        | Json.Null -> "null"
        | Json.Number _ -> "a number"
        | Json.Array _ -> "an array"
        | Json.Object _ -> "an object"

    /// The member names a decoder reads, as UTF-8, to be matched without making a string of each.
    type Names = private Names of (string * byte[])[]

    /// The names to keep; every other member of the root object is checked and passed over.
    let names (wanted: string list) : Names =
        wanted |> List.map (fun name -> name, Text.Encoding.UTF8.GetBytes name) |> Array.ofList |> Names

    /// The wanted name at the reader, or null for another. An unescaped name of another length
    /// is passed over without comparing it to each.
    let private wantedName (Names wanted) (reader: byref<Utf8JsonReader>) =
        let mutable name = null
        let mutable i = 0
        let length = reader.ValueSpan.Length
        let escaped = reader.ValueIsEscaped

        while isNull name && i < wanted.Length do
            let text, utf8 = wanted[i]

            if (escaped || utf8.Length = length) && reader.ValueTextEquals(ReadOnlySpan utf8) then
                name <- text

            i <- i + 1

        name

    /// Checks the string token at the reader as `GetString` would (valid UTF-8, and valid escapes),
    /// without making a string of it: an unknown member costs no allocation, whatever its size.
    /// `utf8` says the whole input is valid UTF-8 (checked once), so unescaped text needs no check.
    let private checkString (utf8: bool) (reader: byref<Utf8JsonReader>) =
        if not reader.ValueIsEscaped then
            if not utf8 && not (Text.Unicode.Utf8.IsValid reader.ValueSpan) then
                raise (InvalidOperationException "invalid UTF-8")
        else
            // Unescaped text is never longer than its escaped form.
            let buffer = Buffers.ArrayPool<byte>.Shared.Rent reader.ValueSpan.Length

            try
                let written = reader.CopyString(Span buffer)

                if not (Text.Unicode.Utf8.IsValid(ReadOnlySpan(buffer, 0, written))) then
                    raise (InvalidOperationException "invalid UTF-8")
            finally
                Buffers.ArrayPool<byte>.Shared.Return buffer

    /// Passes over an unknown member's value: checked, never kept. Inside a container each string
    /// is checked too (unless the input is valid UTF-8), as reading every member would.
    let private skipValue (utf8: bool) (reader: byref<Utf8JsonReader>) =
        match reader.TokenType with
        | JsonTokenType.String -> checkString utf8 &reader
        | JsonTokenType.StartArray
        | JsonTokenType.StartObject when utf8 -> reader.Skip()
        | JsonTokenType.StartArray
        | JsonTokenType.StartObject ->
            let depth = reader.CurrentDepth

            while reader.Read() && reader.CurrentDepth > depth do
                match reader.TokenType with
                | JsonTokenType.String
                | JsonTokenType.PropertyName -> checkString utf8 &reader
                | _ -> ()
        | _ -> ()

    let private jsonTrue = Json.Bool true
    let private jsonFalse = Json.Bool false

    /// A pooled buffer with room for one more item after `count`: the same, or a larger one.
    let private room (buffer: 'T[]) (count: int) : 'T[] =
        if count < buffer.Length then
            buffer
        else
            let larger = Buffers.ArrayPool<'T>.Shared.Rent(buffer.Length * 2)
            Array.blit buffer 0 larger 0 count
            Buffers.ArrayPool<'T>.Shared.Return(buffer, true)
            larger

    /// The first `count` items of a pooled buffer as an array of their own; the buffer goes back.
    let private exact (buffer: 'T[]) (count: int) : 'T[] =
        let items = Array.sub buffer 0 count
        Buffers.ArrayPool<'T>.Shared.Return(buffer, true)
        items

    /// The value at the reader, whole: objects and arrays with everything in them.
    let rec private value (reader: byref<Utf8JsonReader>) : Json =
        match reader.TokenType with
        | JsonTokenType.String -> Json.String(reader.GetString())
        | JsonTokenType.True -> jsonTrue
        | JsonTokenType.False -> jsonFalse
        | JsonTokenType.Null -> Json.Null
        | JsonTokenType.Number -> Json.Number(Text.Encoding.UTF8.GetString reader.ValueSpan)
        | JsonTokenType.StartArray ->
            let mutable buffer = Buffers.ArrayPool<Json>.Shared.Rent 8
            let mutable count = 0

            while reader.Read() && reader.TokenType <> JsonTokenType.EndArray do
                buffer <- room buffer count
                buffer[count] <- value &reader
                count <- count + 1

            Json.Array(exact buffer count)
        | _ ->
            let mutable buffer = Buffers.ArrayPool<struct (string * Json)>.Shared.Rent 8
            let mutable count = 0

            while reader.Read() && reader.TokenType = JsonTokenType.PropertyName do
                let name = reader.GetString()
                reader.Read() |> ignore
                buffer <- room buffer count
                buffer[count] <- struct (name, value &reader)
                count <- count + 1

            Json.Object(exact buffer count)

    let private readRoot (keep: Names option) (utf8: bool) (reader: byref<Utf8JsonReader>) =
        reader.Read() |> ignore

        let root =
            if reader.TokenType = JsonTokenType.StartObject then
                // Sized for the four fields of the format; grown by doubling, trimmed only if needed.
                let mutable fields = Array.zeroCreate<struct (string * Json)> 4
                let mutable count = 0

                while reader.Read() && reader.TokenType = JsonTokenType.PropertyName do
                    let name =
                        match keep with
                        | Some wanted -> wantedName wanted &reader
                        | None -> reader.GetString()

                    if isNull name then
                        checkString utf8 &reader
                        reader.Read() |> ignore
                        skipValue utf8 &reader
                    else
                        reader.Read() |> ignore

                        if count = fields.Length then
                            Array.Resize(&fields, count * 2)

                        fields[count] <- struct (name, value &reader)
                        count <- count + 1

                Json.Object(if count = fields.Length then fields else Array.sub fields 0 count)
            else
                value &reader

        // Anything after the root value is an error the reader reports.
        while reader.Read() do
            ()

        root

    let private read (keep: Names option) (bytes: ReadOnlySpan<byte>) : Result<Json, DecodeError> =
        let mutable reader = Utf8JsonReader(bytes, JsonReaderOptions(MaxDepth = 64))

        try
            // One vectorized pass: with valid UTF-8 throughout, skipped strings need no check of
            // their own (what is not, is checked string by string, to report as before).
            let utf8 = keep.IsSome && Text.Unicode.Utf8.IsValid bytes
            Ok(readRoot keep utf8 &reader)
        with
        | :? JsonException as e ->
            let line = Option.ofNullable e.LineNumber |> Option.defaultValue 0L
            let position = Option.ofNullable e.BytePositionInLine |> Option.defaultValue 0L
            Error(DecodeError.NotJson(line + 1L, position + 1L))
        | :? InvalidOperationException -> Error DecodeError.NotUtf8 // a string that cannot be transcoded

    /// Parses UTF-8 JSON (no byte-order mark) with Utf8JsonReader: no document is built; every
    /// member of the root object is kept.
    let parse (bytes: ReadOnlySpan<byte>) : Result<Json, DecodeError> = read None bytes

    /// Parses as `parse` does, keeping only the root members named: the others are checked as
    /// `parse` checks them (valid JSON, valid UTF-8) but never materialized, so the allocations are
    /// those of the wanted members, whatever the size of the rest.
    let parseKeeping (wanted: Names) (bytes: ReadOnlySpan<byte>) : Result<Json, DecodeError> = read (Some wanted) bytes

    /// <summary>
    /// Writes a value as JSON: numbers as they were read, each member of an object once (a
    /// repeated name counts once, the last one, at its last place).
    /// </summary>
    let rec write (writer: Utf8JsonWriter) (value: Json) : unit =
        match value with
        | Json.String text -> writer.WriteStringValue text
        | Json.Bool flag -> writer.WriteBooleanValue flag
        | Json.Null -> writer.WriteNullValue()
        | Json.Number raw -> writer.WriteRawValue(raw, true)
        | Json.Array items ->
            writer.WriteStartArray()

            for item in items do
                write writer item

            writer.WriteEndArray()
        | Json.Object fields ->
            writer.WriteStartObject()

            for i in 0 .. fields.Length - 1 do
                let struct (name, field) = fields[i]
                let mutable later = false

                for j in i + 1 .. fields.Length - 1 do
                    let struct (other, _) = fields[j]
                    later <- later || String.Equals(other, name)

                if not later then
                    writer.WritePropertyName name
                    write writer field

            writer.WriteEndObject()
