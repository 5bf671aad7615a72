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
    | NotAnObject of actual: string
    | BadField of path: string * expected: string * actual: string
    | Invalid of ValueError list

/// A decoder in the style of Thoth.Json: a plain function from a JSON value to a `Result`.
type Decoder<'T> = JsonElement -> Result<'T, DecodeError>

/// Decoders of JSON values. A decoder of one value reports an empty path; `field` prepends
/// `.name` as the error travels outward; `fromBytes` adds the root `$` once.
[<RequireQualifiedAccess>]
module Decode =

    let private kindName (kind: JsonValueKind) =
        match kind with
        | JsonValueKind.Object -> "an object"
        | JsonValueKind.Array -> "an array"
        | JsonValueKind.String -> "a string"
        | JsonValueKind.Number -> "a number"
        | JsonValueKind.True
        | JsonValueKind.False -> "a boolean"
        | JsonValueKind.Null -> "null"
        | _ -> "nothing"

    let private bad expected (element: JsonElement) =
        Error(DecodeError.BadField("", expected, kindName element.ValueKind))

    let private prependPath (segment: string) (error: DecodeError) =
        match error with
        | DecodeError.BadField(path, expected, actual) -> DecodeError.BadField(segment + path, expected, actual)
        | other -> other

    /// A JSON string.
    let string: Decoder<string> =
        fun element ->
            if element.ValueKind <> JsonValueKind.String then
                bad "a string" element
            else
                try
                    Ok(element.GetString())
                with :? InvalidOperationException ->
                    Error(DecodeError.BadField("", "a string of valid UTF-8", "invalid UTF-8"))

    /// A JSON `true` or `false`.
    let bool: Decoder<bool> =
        fun element ->
            match element.ValueKind with
            | JsonValueKind.True -> Ok true
            | JsonValueKind.False -> Ok false
            | _ -> bad "a boolean" element

    /// `null` as `None`, anything else through the decoder.
    let nullable (decoder: Decoder<'T>) : Decoder<'T option> =
        fun element ->
            if element.ValueKind = JsonValueKind.Null then
                Ok None
            else
                match decoder element with
                | Ok value -> Ok(Some value)
                | Error(DecodeError.BadField(path, expected, actual)) ->
                    Error(DecodeError.BadField(path, expected + " or null", actual))
                | Error other -> Error other

    /// An optional field of an object: `None` when absent.
    let optionalField (name: string) (decoder: Decoder<'T>) : Decoder<'T option> =
        fun element ->
            match element.TryGetProperty name with
            | true, value -> decoder value |> Result.map Some |> Result.mapError (prependPath ("." + name))
            | false, _ -> Ok None

    /// A JSON object, decoded by the given function of the object.
    let object (decoder: Decoder<'T>) : Decoder<'T> =
        fun element ->
            if element.ValueKind = JsonValueKind.Object then
                decoder element
            else
                Error(DecodeError.NotAnObject(kindName element.ValueKind))

    /// Parses UTF-8 bytes (a byte-order mark is skipped) and decodes the root value.
    let fromBytes (decoder: Decoder<'T>) (bytes: ReadOnlyMemory<byte>) : Result<'T, DecodeError> =
        let bytes =
            if bytes.Span.StartsWith(ReadOnlySpan [| 0xEFuy; 0xBBuy; 0xBFuy |]) then
                bytes.Slice 3
            else
                bytes

        if bytes.Span.Trim(ReadOnlySpan [| 0x20uy; 0x09uy; 0x0Auy; 0x0Duy |]).IsEmpty then
            Error DecodeError.Empty
        else
            try
                use document = JsonDocument.Parse bytes
                decoder document.RootElement |> Result.mapError (prependPath "$")
            with :? JsonException as e ->
                let line = Option.ofNullable e.LineNumber |> Option.defaultValue 0L
                let position = Option.ofNullable e.BytePositionInLine |> Option.defaultValue 0L
                Error(DecodeError.NotJson(line + 1L, position + 1L))

/// The credentials file of SPEC §4, shared with CARTOframes:
/// `{"username": …, "api_key": …, "base_url": …, "allow_non_secure": …}`.
[<RequireQualifiedAccess>]
module Codec =

    /// Files larger than this are refused before they are parsed.
    [<Literal>]
    let MaxFileSize = 65536

    /// The file's fields as written, before SPEC §1 validation. `key` is CARTOframes 0.x's name
    /// for `api_key`; `api_key` wins when both are present.
    let fileDecoder: Decoder<CredentialsInput> =
        Decode.object (fun element ->
            let field name decoder =
                Decode.optionalField name (Decode.nullable decoder) element |> Result.map Option.flatten

            match
                field "username" Decode.string,
                field "api_key" Decode.string,
                field "key" Decode.string,
                field "base_url" Decode.string,
                field "allow_non_secure" Decode.bool
            with
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

    /// Decodes and validates a credentials file's bytes. Never throws.
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
