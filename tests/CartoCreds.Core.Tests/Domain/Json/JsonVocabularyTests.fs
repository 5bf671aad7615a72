/// The one JSON vocabulary (issue 20): one value tree that keeps nested objects and arrays, one set
/// of Thoth-style decoders, one byte-order-mark rule and one epoch bound, for every file and reply.
module CartoCreds.Core.Tests.JsonVocabularyTests

open System
open System.Text
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core

/// Trees of every kind of value, nested, with distinct names in each object (a repeated name is
/// written once, so it would not read back as it was).
let rec private tree (depth: int) : Gen<Json> =
    let leaf =
        Gen.oneof
            [ Gen.elements [ "text"; ""; "é \u0001 \"q\""; "eyJ.x.y" ] |> Gen.map Json.String
              Gen.elements [ true; false ] |> Gen.map Json.Bool
              Gen.constant Json.Null
              Gen.elements [ "0"; "-1"; "1893456000"; "12345678901234567890"; "1.5e300"; "3.25" ] |> Gen.map Json.Number ]

    if depth = 0 then
        leaf
    else
        let child = tree (depth - 1)

        Gen.oneof
            [ leaf
              Gen.listOfLength 3 child |> Gen.map (Array.ofList >> Json.Array)
              Gen.subListOf [ "a"; "b"; "profiles"; "token" ]
              |> Gen.bind (fun names ->
                  Gen.listOfLength names.Length child
                  |> Gen.map (fun values ->
                      List.map2 (fun n v -> struct (n, v)) names values |> Array.ofList |> Json.Object)) ]

let private bytesOf (value: Json) = Encode.toBytes JsonStyle.Compact value

[<Property(MaxTest = 300)>]
let ``the tree keeps nested objects, arrays and numbers as written: parse (write v) = v`` () =
    Prop.forAll (Arb.fromGen (tree 3)) (fun value ->
        Json.parse (ReadOnlySpan(bytesOf value)) = Ok value |> Prop.label (Encoding.UTF8.GetString(bytesOf value)))

[<Property(MaxTest = 200)>]
let ``every style writes the same tree back: parse (toBytes style v) = v`` () =
    let style = Gen.elements [ JsonStyle.Compact; JsonStyle.Indented; JsonStyle.Relaxed ]

    Prop.forAll (Arb.fromGen (Gen.zip style (tree 3))) (fun (style, value) ->
        Json.parse (ReadOnlySpan(Encode.toBytes style value)) = Ok value)

[<Property>]
let ``what Encode writes, Decode reads: strings, flags, whole numbers, instants and nulls``
    (text: NonNull<string>, flag: bool, number: int64, seconds: PositiveInt, given: bool)
    =
    let at = DateTimeOffset.FromUnixTimeSeconds(int64 seconds.Get)
    let maybe = if given then Some text.Get else None

    let decoder =
        fun root ->
            match
                Decode.optionalField "t" Decode.string root,
                Decode.optionalField "f" Decode.bool root,
                Decode.optionalField "n" Decode.stringOrNumber root,
                Decode.optionalField "e" Decode.epochSeconds root,
                Decode.optionalNullableField "m" Decode.string root
            with
            | Ok(Some t), Ok(Some f), Ok(Some n), Ok(Some e), Ok m -> Ok(t, f, n, e, m)
            | _ -> Error(DecodeError.NotAnObject "a member")

    let value =
        Encode.object
            [ "t", Encode.string text.Get
              "f", Encode.bool flag
              "n", Encode.int64 number
              "e", Encode.epochSeconds at
              "m", Encode.nullable Encode.string maybe ]

    // Strings that are not valid UTF-16 (a lone surrogate) cannot be written by any JSON writer.
    let valid = not (text.Get |> Seq.exists Char.IsSurrogate)

    valid
    ==> lazy
        (Decode.fromBytes decoder (ReadOnlyMemory(Encode.toBytes JsonStyle.Compact value)) =
            Ok(text.Get, flag, string number, at, maybe))

[<Fact>]
let ``the styles: compact on one line; indented and relaxed end with a newline; only relaxed keeps non-ASCII`` () =
    let value =
        Encode.object
            [ "name", Encode.string "Zoë"
              "at", Encode.utcSecond (DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.FromHours 1.0)) ]

    Assert.Equal("{\"name\":\"Zo\\u00EB\",\"at\":\"2026-12-03T09:00:00Z\"}", Encode.toText JsonStyle.Compact value)
    let indented = Encoding.UTF8.GetString(Encode.toBytes JsonStyle.Indented value)
    Assert.EndsWith("}\n", indented)
    Assert.Contains("\\u00EB", indented)
    let relaxed = Encoding.UTF8.GetString(Encode.toBytes JsonStyle.Relaxed value)
    Assert.Contains("\"Zoë\"", relaxed)
    Assert.Equal(relaxed.TrimEnd '\n', Encode.toText JsonStyle.Relaxed value)

[<Fact>]
let ``a repeated name is written once, the last value`` () =
    let value =
        Json.Object [| struct ("a", Json.Number "1"); struct ("b", Json.Null); struct ("a", Json.Number "2") |]

    Assert.Equal("{\"b\":null,\"a\":2}", Encoding.UTF8.GetString(bytesOf value))

[<Fact>]
let ``keyValuePairs reads each name once, the last, and never decodes an earlier value`` () =
    let value =
        Json.Object [| struct ("p", Json.Number "5"); struct ("q", Json.String "x"); struct ("p", Json.String "y") |]

    Assert.Equal(Ok [ "q", "x"; "p", "y" ], Decode.keyValuePairs Decode.string value)

    Assert.Equal(
        Error(DecodeError.BadField(".q", "a string", "a number")),
        Decode.keyValuePairs Decode.string (Json.Object [| struct ("q", Json.Number "1") |])
    )

[<Theory>]
[<InlineData("1893456000", true)>]
[<InlineData("1893456000.75", true)>]
[<InlineData("0", false)>]
[<InlineData("-5", false)>]
[<InlineData("253402300800", false)>]
[<InlineData("1e300", false)>]
let ``one epoch bound: seconds after 1970 and before the year 10000, whole or not`` (raw: string, accepted: bool) =
    match Decode.epochSeconds (Json.Number raw) with
    | Ok at -> Assert.True(accepted && at = DateTimeOffset.FromUnixTimeSeconds 1893456000L, string at)
    | Error e -> Assert.False(accepted, sprintf "%A" e)

let private jwtWith (exp: string) =
    "eyJhbGciOiJub25lIn0."
    + Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"exp\":" + exp + "}")).TrimEnd('=')
    + ".c2ln"

[<Fact>]
let ``the JWT, carto-auth's caches and the token cache share the bound`` () =
    Assert.Equal(Some(DateTimeOffset.FromUnixTimeSeconds 1893456000L), Jwt.expiry (jwtWith "1893456000"))
    Assert.Equal(None, Jwt.expiry (jwtWith "253402300800"))
    let cache (expiration: string) = "{\"access_token\": \"eyA\", \"expiration\": " + expiration + "}"

    match CloudFile.decode (ReadOnlyMemory(Encoding.UTF8.GetBytes(cache "1893456000.5"))) with
    | Ok(CloudFile.TokenCache input) ->
        Assert.Equal(Some(DateTimeOffset.FromUnixTimeSeconds 1893456000L), input.Expiration)
    | other -> failwithf "%A" other

    match CloudFile.decode (ReadOnlyMemory(Encoding.UTF8.GetBytes(cache "253402300800"))) with
    | Error(DecodeError.BadField("$.expiration", "seconds since 1970 or null", "a number out of range")) -> ()
    | other -> failwithf "%A" other

let private withBom (text: string) =
    ReadOnlyMemory(Array.append [| 0xEFuy; 0xBBuy; 0xBFuy |] (Encoding.UTF8.GetBytes text))

let private utf16 (text: string) =
    ReadOnlyMemory(Encoding.Unicode.GetPreamble() |> Array.append <| Encoding.Unicode.GetBytes text)

[<Fact>]
let ``one byte-order-mark rule: every file and reply is read with a UTF-8 mark and refused in UTF-16`` () =
    let secret =
        match CloudText.create CloudField.ClientSecret "s3cr3t-0001" with
        | Ok s -> s
        | Error e -> failwithf "%A" e

    let reply = "{\"access_token\": \"token-abcdefghijkl\", \"expires_in\": 3600}"
    let now = DateTimeOffset.UnixEpoch.AddYears 56
    Assert.True(Result.isOk (TokenExchange.reply (CloudText.value secret) now 200 None (withBom reply)))
    Assert.True(Result.isError (TokenExchange.reply (CloudText.value secret) now 200 None (utf16 reply)))
    let account = "{\"user_id\": \"u-1\", \"email\": \"a@example.com\"}"
    Assert.True((Verification.identity Endpoint.CloudAccount (withBom account)).IsSome)
    Assert.True((Verification.identity Endpoint.CloudAccount (utf16 account)).IsNone)
    let cli = "{\"current_profile\": \"p\", \"profiles\": {\"p\": {\"token\": \"eyA\"}}}"
    Assert.True(Result.isOk (CloudFile.decode (withBom cli)))
    Assert.Equal(Error DecodeError.Utf16, CloudFile.decode (utf16 cli))
    let legacy = "{\"username\": \"ana\", \"api_key\": \"default_public\"}"
    Assert.True(Result.isOk (Codec.decode (withBom legacy)))
    Assert.Equal(Error DecodeError.Utf16, Codec.decode (utf16 legacy) |> Result.mapError id |> Result.map ignore)
