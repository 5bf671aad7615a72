namespace CartoCreds.Core

open System

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

    /// The members after the username: the key as given, the base URL and the flag.
    let access (apiKey: string) (credentials: Credentials) : (string * Json) list =
        [ "api_key", Encode.string apiKey
          "base_url", Encode.string (BaseUrl.value credentials.BaseUrl)
          "allow_non_secure", Encode.bool credentials.AllowNonSecure ]

    /// <summary>
    /// The format's four members, in CARTOframes 1.x's order; the key as given (whole when
    /// saving, masked for display).
    /// </summary>
    let fields (apiKey: string) (credentials: Credentials) : (string * Json) list =
        ("username", Encode.nullable (Username.value >> Encode.string) credentials.Username)
        :: access apiKey credentials

    /// The file's bytes, with exactly CARTOframes 1.x's keys in its order, in its style (indented,
    /// non-ASCII written as is, a final newline).
    let encode (credentials: Credentials) : byte[] =
        Encode.object (fields (ApiKey.value credentials.ApiKey) credentials) |> Encode.toBytes JsonStyle.Relaxed
