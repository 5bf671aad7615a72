namespace CartoCreds.Core

open System
open System.Buffers
open System.Text.Encodings.Web
open System.Text.Json

/// Why some bytes are not a credentials file (SPEC §4). A bad field carries its JSON path
/// (`$.api_key`); no case carries a value read from the file, so no case can leak a key.
[<RequireQualifiedAccess>]
type DecodeError =
    | Empty
    | TooLarge of size: int
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

/// A decoder in the style of Thoth.Json: a plain function from a JSON value to a `Result`.
type Decoder<'T> = Json -> Result<'T, DecodeError>

/// Decoders of JSON values. A decoder of one value reports an empty path; `field` prepends
/// `.name` as the error travels outward; `fromBytes` adds the root `$` once.
[<RequireQualifiedAccess>]
module Decode =

    let private bad expected (value: Json) = Error(DecodeError.BadField("", expected, Json.kind value))

    let private prependPath (segment: string) (error: DecodeError) =
        match error with
        | DecodeError.BadField(path, expected, actual) -> DecodeError.BadField(segment + path, expected, actual)
        | other -> other

    /// A JSON string.
    let string: Decoder<string> =
        fun value ->
            match value with
            | Json.String text -> Ok text
            | other -> bad "a string" other

    /// A JSON `true` or `false`.
    let bool: Decoder<bool> =
        fun value ->
            match value with
            | Json.Bool flag -> Ok flag
            | other -> bad "a boolean" other

    /// `null` as `None`, anything else through the decoder.
    let nullable (decoder: Decoder<'T>) : Decoder<'T option> =
        fun value ->
            match value with
            | Json.Null -> Ok None
            | _ ->
                match decoder value with
                | Ok decoded -> Ok(Some decoded)
                | Error(DecodeError.BadField(path, expected, actual)) ->
                    Error(DecodeError.BadField(path, expected + " or null", actual))
                | Error other -> Error other

    /// An optional field of an object: `None` when absent; the last one when repeated.
    let optionalField (name: string) (decoder: Decoder<'T>) : Decoder<'T option> =
        fun value ->
            match value with
            | Json.Object fields ->
                let mutable i = fields.Length - 1

                while i >= 0 && (let struct (n, _) = fields[i] in not (String.Equals(n, name))) do
                    i <- i - 1

                if i < 0 then
                    Ok None
                else
                    let struct (_, field) = fields[i]

                    match decoder field with
                    | Ok decoded -> Ok(Some decoded)
                    | Error e -> Error(prependPath ("." + name) e)
            | _ -> Ok None

    /// A JSON object, decoded by the given function of the object.
    let object (decoder: Decoder<'T>) : Decoder<'T> =
        fun value ->
            match value with
            | Json.Object _ -> decoder value
            | other -> Error(DecodeError.NotAnObject(Json.kind other))

    let private byteOrderMark = [| 0xEFuy; 0xBBuy; 0xBFuy |]
    let private whitespace = [| 0x20uy; 0x09uy; 0x0Auy; 0x0Duy |]

    /// A UTF-16 byte-order mark, or a NUL byte among the first two (JSON text starts with ASCII).
    let private isUtf16 (span: ReadOnlySpan<byte>) =
        span.Length >= 2
        && ((span[0] = 0xFFuy && span[1] = 0xFEuy)
            || (span[0] = 0xFEuy && span[1] = 0xFFuy)
            || span[0] = 0uy
            || span[1] = 0uy)

    /// Parses UTF-8 bytes (a byte-order mark is skipped) and decodes the root value.
    let fromBytes (decoder: Decoder<'T>) (bytes: ReadOnlyMemory<byte>) : Result<'T, DecodeError> =
        let span = bytes.Span
        let span = if span.StartsWith(ReadOnlySpan byteOrderMark) then span.Slice 3 else span

        if isUtf16 span then
            Error DecodeError.Utf16
        elif span.Trim(ReadOnlySpan whitespace).IsEmpty then
            Error DecodeError.Empty
        else
            match Json.parse span with
            | Ok root -> decoder root |> Result.mapError (prependPath "$")
            | Error e -> Error e

/// The credentials file of SPEC §4, shared with CARTOframes:
/// `{"username": …, "api_key": …, "base_url": …, "allow_non_secure": …}`.
[<RequireQualifiedAccess>]
module Codec =

    /// Files larger than this are refused before they are parsed.
    [<Literal>]
    let MaxFileSize = 65536

    /// The file's fields as written, before SPEC §1 validation. `key` is CARTOframes 0.x's name
    /// for `api_key`; `api_key` wins when both are present.
    /// A field that may be absent or null, both meaning "not given".
    let private optional (name: string) (decoder: Decoder<'T>) : Decoder<'T option> =
        let field = Decode.optionalField name (Decode.nullable decoder)
        fun value -> field value |> Result.map Option.flatten

    let private username = optional "username" Decode.string
    let private apiKey = optional "api_key" Decode.string
    let private legacyKey = optional "key" Decode.string
    let private baseUrl = optional "base_url" Decode.string
    let private allowNonSecure = optional "allow_non_secure" Decode.bool

    let fileDecoder: Decoder<CredentialsInput> =
        Decode.object (fun file ->
            match username file, apiKey file, legacyKey file, baseUrl file, allowNonSecure file with
            | Ok username, Ok apiKey, Ok key, Ok baseUrl, Ok allowNonSecure ->
                Ok
                    { Username = username
                      ApiKey = Option.orElse key apiKey
                      BaseUrl = baseUrl
                      AllowNonSecure = Option.defaultValue false allowNonSecure }
            | (Error e, _, _, _, _)
            | (_, Error e, _, _, _)
            | (_, _, Error e, _, _)
            | (_, _, _, Error e, _)
            | (_, _, _, _, Error e) -> Error e)

    /// <summary>Decodes and validates a credentials file's bytes. Never throws.</summary>
    /// <example>
    /// <code>
    /// match Codec.decode (ReadOnlyMemory(File.ReadAllBytes path)) with
    /// | Ok credentials -> printfn "%O" credentials
    /// | Error e -> eprintfn "%s: %s" path (Messages.decodeError Layer.File e)
    /// </code>
    /// </example>
    let decode (bytes: ReadOnlyMemory<byte>) : Result<Credentials, DecodeError> =
        if bytes.Length > MaxFileSize then
            Error(DecodeError.TooLarge bytes.Length)
        else
            Decode.fromBytes fileDecoder bytes
            |> Result.bind (Credentials.create >> Result.mapError DecodeError.Invalid)

    let private writerOptions =
        JsonWriterOptions(Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)

    /// The file's bytes, with exactly CARTOframes 1.x's keys in its order.
    let encode (credentials: Credentials) : byte[] =
        let buffer = ArrayBufferWriter<byte>(256)

        do
            use writer = new Utf8JsonWriter(buffer, writerOptions)
            writer.WriteStartObject()

            match credentials.Username with
            | Some username -> writer.WriteString("username", Username.value username)
            | None -> writer.WriteNull "username"

            writer.WriteString("api_key", ApiKey.value credentials.ApiKey)
            writer.WriteString("base_url", BaseUrl.value credentials.BaseUrl)
            writer.WriteBoolean("allow_non_secure", credentials.AllowNonSecure)
            writer.WriteEndObject()

        Array.append (buffer.WrittenSpan.ToArray()) [| byte '\n' |]
