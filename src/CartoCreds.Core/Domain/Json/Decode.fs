namespace CartoCreds.Core

open System

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

    /// An error of a value found under `segment` (`.profiles`): its path prefixed.
    let under (segment: string) (error: DecodeError) : DecodeError = prependPath segment error

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

    /// Where the last field of that name is, or -1.
    let private lastIndexOf (name: string) (fields: struct (string * Json)[]) =
        let mutable i = fields.Length - 1

        while i >= 0 && (let struct (n, _) = fields[i] in not (String.Equals(n, name))) do
            i <- i - 1

        i

    /// The last member of that name of an object; none in anything else.
    let private lastMember (name: string) (value: Json) : Json voption =
        match value with
        | Json.Object fields ->
            let i = lastIndexOf name fields

            if i < 0 then
                ValueNone
            else
                let struct (_, field) = fields[i]
                ValueSome field
        | _ -> ValueNone

    /// An optional field of an object: `None` when absent; the last one when repeated.
    let optionalField (name: string) (decoder: Decoder<'T>) : Decoder<'T option> =
        fun value ->
            match lastMember name value with
            | ValueNone -> Ok None
            | ValueSome field ->
                match decoder field with
                | Ok decoded -> Ok(Some decoded)
                | Error e -> Error(prependPath ("." + name) e)

    /// An optional field that may also be `null`: `None` for either, else the decoded value (the
    /// last one when repeated). The same answers as `optionalField name (nullable decoder)`
    /// flattened, in one step.
    let optionalNullableField (name: string) (decoder: Decoder<'T>) : Decoder<'T option> =
        let path = "." + name

        fun value ->
            match lastMember name value with
            | ValueNone
            | ValueSome Json.Null -> Ok None
            | ValueSome field ->
                match decoder field with
                | Ok decoded -> Ok(Some decoded)
                | Error(DecodeError.BadField(inner, expected, actual)) ->
                    Error(DecodeError.BadField(path + inner, expected + " or null", actual))
                | Error other -> Error other

    /// A JSON object, decoded by the given function of the object.
    let object (decoder: Decoder<'T>) : Decoder<'T> =
        fun value ->
            match value with
            | Json.Object _ -> decoder value
            | other -> Error(DecodeError.NotAnObject(Json.kind other))

    let private numberOf (raw: string) =
        match Double.TryParse(raw, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, x when Double.IsFinite x -> Some x
        | _ -> None

    /// The latest instant any file or token may name: the end of the year 9999.
    [<Literal>]
    let private EpochLimit = 253402300800.0

    /// <summary>
    /// Seconds since 1970 (a JWT's `exp`, a cache's `expiration` or `expires_on`), whole or not,
    /// after 1970 and before the year 10000: the one epoch bound of every file and token.
    /// </summary>
    let epochSeconds: Decoder<DateTimeOffset> =
        fun value ->
            match value with
            | Json.Number raw ->
                match numberOf raw with
                | Some x when x > 0.0 && x < EpochLimit -> Ok(DateTimeOffset.FromUnixTimeSeconds(int64 x))
                | _ -> Error(DecodeError.BadField("", "seconds since 1970", "a number out of range"))
            | other -> bad "a number" other

    /// A positive number of seconds under ten million days' worth (a token reply's `expires_in`).
    let positiveSeconds: Decoder<int64> =
        fun value ->
            match value with
            | Json.Number raw ->
                match numberOf raw with
                | Some x when x >= 1.0 && x < 100_000_000.0 -> Ok(int64 x)
                | _ -> Error(DecodeError.BadField("", "a positive number of seconds", "a number out of range"))
            | other -> bad "a number" other

    /// A string, or a number as the text it was written in (an account id may be either).
    let stringOrNumber: Decoder<string> =
        fun value ->
            match value with
            | Json.String text -> Ok text
            | Json.Number raw -> Ok raw
            | other -> bad "a string or a number" other

    /// Whether an object has a member of that name (of any value).
    let has (name: string) (value: Json) : bool =
        match value with
        | Json.Object fields -> lastIndexOf name fields >= 0
        | _ -> false

    /// An instant written in ISO 8601 (`2026-12-31T23:00:00Z`; one without an offset is UTC), or
    /// `None` for text that is not one.
    let isoInstant (text: string) : DateTimeOffset option =
        match
            DateTimeOffset.TryParse(
                text,
                Globalization.CultureInfo.InvariantCulture,
                Globalization.DateTimeStyles.AssumeUniversal
            )
        with
        | true, at -> Some at
        | _ -> None

    /// An optional field's value as it is, not decoded (`Json.Null` when absent): for a nested
    /// object to be decoded by decoders of its own.
    let child (name: string) (value: Json) : Json = lastMember name value |> ValueOption.defaultValue Json.Null

    /// <summary>
    /// Every member of an object, decoded, in order: a repeated name counts once, the last one, at
    /// its last place, and its earlier values are not decoded at all. A bad member's error names
    /// its path.
    /// </summary>
    let keyValuePairs (decoder: Decoder<'T>) : Decoder<(string * 'T) list> =
        fun value ->
            match value with
            | Json.Object fields ->
                let last =
                    [ for i in 0 .. fields.Length - 1 do
                          let struct (name, _) = fields[i]

                          if lastIndexOf name fields = i then
                              yield fields[i] ]

                let rec decodeAll (pending: struct (string * Json) list) acc =
                    match pending with
                    | [] -> Ok(List.rev acc)
                    | struct (name, field) :: rest ->
                        match decoder field with
                        | Ok decoded -> decodeAll rest ((name, decoded) :: acc)
                        | Error e -> Error(prependPath ("." + name) e)

                decodeAll last []
            | other -> bad "an object" other

    let private byteOrderMark = [| 0xEFuy; 0xBBuy; 0xBFuy |]
    let private whitespace = [| 0x20uy; 0x09uy; 0x0Auy; 0x0Duy |]

    /// A UTF-16 byte-order mark, or a NUL byte among the first two (JSON text starts with ASCII).
    let private isUtf16 (span: ReadOnlySpan<byte>) =
        span.Length >= 2
        && ((span[0] = 0xFFuy && span[1] = 0xFEuy)
            || (span[0] = 0xFEuy && span[1] = 0xFFuy)
            || span[0] = 0uy
            || span[1] = 0uy)

    let private decodeWith (keep: Json.Names option) (decoder: Decoder<'T>) (bytes: ReadOnlyMemory<byte>) =
        let span = bytes.Span
        let span = if span.StartsWith(ReadOnlySpan byteOrderMark) then span.Slice 3 else span

        if isUtf16 span then
            Error DecodeError.Utf16
        elif span.Trim(ReadOnlySpan whitespace).IsEmpty then
            Error DecodeError.Empty
        else
            let parsed =
                match keep with
                | Some names -> Json.parseKeeping names span
                | None -> Json.parse span

            match parsed with
            | Ok root -> decoder root |> Result.mapError (prependPath "$")
            | Error e -> Error e

    /// Parses UTF-8 bytes (a byte-order mark is skipped) and decodes the root value.
    let fromBytes (decoder: Decoder<'T>) (bytes: ReadOnlyMemory<byte>) : Result<'T, DecodeError> =
        decodeWith None decoder bytes

    /// As `fromBytes`, for a decoder of an object that reads only the members named: the others are
    /// checked but never materialized.
    let fromBytesReading
        (names: Json.Names)
        (decoder: Decoder<'T>)
        (bytes: ReadOnlyMemory<byte>)
        : Result<'T, DecodeError> =
        decodeWith (Some names) decoder bytes
