namespace CartoCreds.Core

open System
open System.Buffers
open System.Text.Encodings.Web
open System.Text.Json

/// The credentials file of SPEC §4, shared with CARTOframes:
/// `{"username": …, "api_key": …, "base_url": …, "allow_non_secure": …}`.
[<RequireQualifiedAccess>]
module Codec =

    /// Files larger than this are refused before they are read (SPEC §4).
    [<Literal>]
    let MaxFileSize = 65536

    /// A field that may be absent or null, both meaning "not given".
    let private optional (name: string) (decoder: Decoder<'T>) : Decoder<'T option> =
        Decode.optionalNullableField name decoder

    /// The members `fileDecoder` reads; a file's other members are checked, never kept.
    let private names = Json.names [ "username"; "api_key"; "key"; "base_url"; "allow_non_secure" ]

    let private username = optional "username" Decode.string
    let private apiKey = optional "api_key" Decode.string
    let private legacyKey = optional "key" Decode.string
    let private baseUrl = optional "base_url" Decode.string
    let private allowNonSecure = optional "allow_non_secure" Decode.bool

    /// The file's fields as written, not yet validated by SPEC §1: `key` is CARTOframes 0.x's name
    /// for `api_key`, and `api_key` wins when both are present.
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

    /// <summary>
    /// Decodes and validates a credentials file's bytes. Never throws. The caller bounds the input:
    /// the store reads at most <c>MaxFileSize</c> bytes.
    /// </summary>
    /// <example>
    /// <code>
    /// match Codec.decode (ReadOnlyMemory(File.ReadAllBytes path)) with
    /// | Ok credentials -> printfn "%O" credentials
    /// | Error e -> eprintfn "%s: %s" path (ValueMessages.decodeError Layer.File e)
    /// </code>
    /// </example>
    let decode (bytes: ReadOnlyMemory<byte>) : Result<Credentials, DecodeError> =
        Decode.fromBytesReading names fileDecoder bytes
        |> Result.bind (Credentials.create >> Result.mapError DecodeError.Invalid)

    /// The file's style: indented, non-ASCII written as is. Built on first use: reading, the
    /// common case, never needs the encoder.
    let private writerOptions =
        lazy (JsonWriterOptions(Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping))

    /// <summary>
    /// Writes the format's four fields, in CARTOframes 1.x's order, into an open object; the key as
    /// given (whole when saving, masked for display).
    /// </summary>
    let writeFields (writer: Utf8JsonWriter) (apiKey: string) (credentials: Credentials) : unit =
        match credentials.Username with
        | Some username -> writer.WriteString("username", Username.value username)
        | None -> writer.WriteNull "username"

        writer.WriteString("api_key", apiKey)
        writer.WriteString("base_url", BaseUrl.value credentials.BaseUrl)
        writer.WriteBoolean("allow_non_secure", credentials.AllowNonSecure)

    /// UTF-8 JSON written by `write` in the file's style, with a final newline.
    let writeText (write: Utf8JsonWriter -> unit) : byte[] =
        let buffer = ArrayBufferWriter<byte>(256)

        do
            use writer = new Utf8JsonWriter(buffer, writerOptions.Value)
            write writer

        Array.append (buffer.WrittenSpan.ToArray()) [| byte '\n' |]

    /// The file's bytes, with exactly CARTOframes 1.x's keys in its order.
    let encode (credentials: Credentials) : byte[] =
        writeText (fun writer ->
            writer.WriteStartObject()
            writeFields writer (ApiKey.value credentials.ApiKey) credentials
            writer.WriteEndObject())
