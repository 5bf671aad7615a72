/// SPEC §4's format: the credentials file shared with CARTOframes.
module CartoCreds.Core.Tests.CodecTests

open System
open System.Text
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

let private decodeText (text: string) = Codec.decode (ReadOnlyMemory(Encoding.UTF8.GetBytes text))

[<Spec>]
let ``decode (encode c) = Ok c`` (c: Credentials) =
    let bytes = Codec.encode c
    (Codec.decode (ReadOnlyMemory bytes) = Ok c) |@ Encoding.UTF8.GetString bytes

[<Spec>]
let ``encode writes exactly CARTOframes 1.x's four keys, in order`` (c: Credentials) =
    use document = JsonDocument.Parse(Codec.encode c)
    let keys = document.RootElement.EnumerateObject() |> Seq.map _.Name |> List.ofSeq
    keys = [ "username"; "api_key"; "base_url"; "allow_non_secure" ]

[<Property(MaxTest = 1000)>]
let ``decode never throws on arbitrary bytes`` (bytes: byte[]) =
    Codec.decode (ReadOnlyMemory bytes) |> ignore
    true

[<Property(MaxTest = 500)>]
let ``decode never throws on arbitrary text`` (text: NonNull<string>) =
    decodeText text.Get |> ignore
    decodeText ("{\"username\": \"" + text.Get + "\", \"base_url\": \"" + text.Get + "\"}") |> ignore
    true

[<Fact>]
let ``the file CARTOframes 1.x writes is read`` () =
    let c =
        decodeText
            """{"username": "johnsmith", "api_key": "abcdefghijklmnop", "base_url": "https://johnsmith.carto.com", "allow_non_secure": false}"""
        |> ok

    Assert.Equal(make (Some "johnsmith") (Some "abcdefghijklmnop") None, c)

[<Fact>]
let ``the CARTOframes 0.x key 'key' is read in place of 'api_key', which wins when both are present`` () =
    Assert.Equal(
        make (Some "ana") (Some "legacykey") None,
        decodeText """{"username": "ana", "key": "legacykey", "base_url": "https://ana.carto.com"}""" |> ok
    )

    Assert.Equal(
        make (Some "ana") (Some "newkey") None,
        decodeText """{"username": "ana", "key": "legacykey", "api_key": "newkey"}""" |> ok
    )

[<Fact>]
let ``unknown keys are ignored, allow_non_secure may be absent, username may be null`` () =
    let c =
        decodeText """{"username": null, "base_url": "https://carto.example.org/user/ana", "extra": [1, {"a": 2}]}"""
        |> ok

    Assert.False c.AllowNonSecure
    Assert.Equal(Some "ana", c.Username |> Option.map Username.value)

[<Fact>]
let ``a UTF-8 byte-order mark is tolerated`` () =
    let bytes = Array.append [| 0xEFuy; 0xBBuy; 0xBFuy |] (Encoding.UTF8.GetBytes """{"username": "ana"}""")
    Assert.Equal(Ok(make (Some "ana") None None), Codec.decode (ReadOnlyMemory bytes))

[<Fact>]
let ``allow_non_secure true permits an http base URL`` () =
    let c = decodeText """{"base_url": "http://carto.local/user/ana", "allow_non_secure": true}""" |> ok
    Assert.True c.AllowNonSecure
    Assert.Equal("http://carto.local/user/ana", BaseUrl.value c.BaseUrl)

[<Fact>]
let ``empty and whitespace-only files are refused`` () =
    Assert.Equal(Error DecodeError.Empty, decodeText "")
    Assert.Equal(Error DecodeError.Empty, decodeText " \n\t ")
    Assert.Equal(Error DecodeError.Empty, Codec.decode (ReadOnlyMemory [| 0xEFuy; 0xBBuy; 0xBFuy |]))
    // Too large is the reader's error, checked before a byte is read (SavedSessionTests).

[<Fact>]
let ``malformed JSON is refused with its line and position`` () =
    Assert.Equal(Error(DecodeError.NotJson(2L, 15L)), decodeText "{\n  \"username\": ana}")

[<Fact>]
let ``a file that is not an object is refused`` () =
    Assert.Equal(Error(DecodeError.NotAnObject "an array"), decodeText """["ana"]""")
    Assert.Equal(Error(DecodeError.NotAnObject "a string"), decodeText "\"ana\"")

[<Fact>]
let ``a field of the wrong type is refused, naming the field`` () =
    Assert.Equal(
        Error(DecodeError.BadField("$.username", "a string or null", "a number")),
        decodeText """{"username": 42}"""
    )

    Assert.Equal(
        Error(DecodeError.BadField("$.api_key", "a string or null", "an object")),
        decodeText """{"username": "a", "api_key": {}}"""
    )

    Assert.Equal(
        Error(DecodeError.BadField("$.key", "a string or null", "a boolean")),
        decodeText """{"username": "a", "key": true}"""
    )

    Assert.Equal(
        Error(DecodeError.BadField("$.base_url", "a string or null", "an array")),
        decodeText """{"base_url": []}"""
    )

    Assert.Equal(
        Error(DecodeError.BadField("$.allow_non_secure", "a boolean or null", "a string")),
        decodeText """{"username": "a", "allow_non_secure": "yes"}"""
    )

[<Fact>]
let ``a file is validated by SPEC 1 like any other input`` () =
    Assert.Equal(
        Error(DecodeError.Invalid [ ValueError.BaseUrlInsecure(Some "http://ana.carto.com") ]),
        decodeText """{"username": "ana", "base_url": "http://ana.carto.com"}"""
    )

    Assert.Equal(
        Error(DecodeError.Invalid [ ValueError.UsernameOrBaseUrlMissing ]),
        decodeText """{"api_key": "abc"}"""
    )

[<Spec>]
let ``no decode error carries the file's key`` (SecretKey key) =
    let bad = decodeText ("{\"api_key\": \"" + key + " x\", \"username\": \"a\"}") |> error
    not ((sprintf "%A" bad).Contains key) |@ sprintf "%A" bad

[<Fact>]
let ``a decoder of one value reports an empty path, and field prepends its name`` () =
    let root = Json.parse (ReadOnlySpan(Encoding.UTF8.GetBytes "{\"a\": 1, \"b\": [1, {\"c\": 2}]}")) |> ok
    Assert.Equal(Error(DecodeError.BadField("", "a string", "a number")), Decode.string (Json.Number "1"))
    Assert.Equal(Error(DecodeError.BadField(".a", "a string", "a number")), Decode.optionalField "a" Decode.string root)
    Assert.Equal(Error(DecodeError.BadField(".b", "a string", "an array")), Decode.optionalField "b" Decode.string root)
    Assert.Equal(Ok None, Decode.optionalField "z" Decode.string root)

    Assert.Equal(
        Error(DecodeError.BadField("$.a", "a string", "a number")),
        Decode.fromBytes (Decode.optionalField "a" Decode.string) (ReadOnlyMemory(Encoding.UTF8.GetBytes "{\"a\": 1}"))
    )

[<Fact>]
let ``a repeated field counts once, the last one, as in Python's json`` () =
    Assert.Equal(Ok(make (Some "second") None None), decodeText """{"username": "first", "username": "second"}""")

[<Fact>]
let ``trailing content after the object is not JSON`` () =
    Assert.Equal(Error(DecodeError.NotJson(1L, 21L)), decodeText """{"username": "ana"} x""")

[<Fact>]
let ``a string that is not UTF-8 is refused`` () =
    let bytes =
        Array.concat [ Encoding.UTF8.GetBytes "{\"username\": \"a"; [| 0xC3uy; 0x28uy |]; Encoding.UTF8.GetBytes "\"}" ]

    match Codec.decode (ReadOnlyMemory bytes) with
    | Error(DecodeError.NotUtf8 | DecodeError.NotJson _) -> ()
    | other -> failwithf "%A" other

/// Members the format does not know: any name (escaped, non-ASCII, repeating a known one's
/// prefix) with any value (long, escaped, an invalid surrogate escape, nested containers).
let private unknownMember: Gen<string> =
    let names =
        Gen.elements
            [ "\"extra\""
              "\"usernam\""
              "\"api_key_2\""
              "\"caf\\u00e9\""
              "\"é\""
              "\"\\ud800\""
              "\"\""
              "\"base_url \"" ]

    let values =
        Gen.oneof
            [ Gen.elements [ "1"; "-2.5e3"; "true"; "null"; "[]"; "{}"; "[1, {\"a\": [\"b\"]}]"; "{\"username\": 1}" ]
              Gen.elements [ "\"plain\""; "\"caf\\u00e9\""; "\"\\ud800\""; "\"\\\"quoted\\\"\""; "\"€ and ✓\"" ]
              Gen.choose (0, 3000) |> Gen.map (fun n -> "\"" + String('x', n) + "\"") ]

    Gen.map2 (fun name value -> name + ": " + value) names values

/// A credentials file with unknown members among its own, and sometimes a broken byte inside one.
let private fileWithUnknownMembers: Gen<byte[]> =
    gen {
        let! known =
            Gen.subListOf
                [ "\"username\": \"ana\""
                  "\"api_key\": \"0123456789abcdef\""
                  "\"key\": \"0123456789abcdef\""
                  "\"base_url\": \"https://ana.carto.com\""
                  "\"allow_non_secure\": false"
                  "\"username\": 7" ]

        let! unknown = Gen.listOf unknownMember
        let! members = Gen.shuffle (Array.ofList (known @ unknown))
        let bytes = Encoding.UTF8.GetBytes("{" + String.Join(", ", members) + "}")
        let! broken = Gen.elements [ None; Some 0xFFuy; Some 0xC3uy ]
        let! at = Gen.choose (0, max 0 (bytes.Length - 1))

        match broken with
        | Some b when bytes.Length > 2 -> return Array.updateAt (max 1 (min at (bytes.Length - 2))) b bytes
        | _ -> return bytes
    }

[<Property(MaxTest = 500)>]
let ``reading only the format's members decides exactly as reading them all`` () =
    Prop.forAll (Arb.fromGen fileWithUnknownMembers) (fun bytes ->
        let all = Decode.fromBytes Codec.fileDecoder (ReadOnlyMemory bytes)

        let keeping =
            Decode.fromBytesReading
                (Json.names [ "username"; "api_key"; "key"; "base_url"; "allow_non_secure" ])
                Codec.fileDecoder
                (ReadOnlyMemory bytes)

        (all = keeping) |@ sprintf "%s\nall: %A\nkeeping: %A" (Encoding.UTF8.GetString bytes) all keeping)

/// Objects of a few repeated names and every kind of value.
let private jsonObject: Gen<Json> =
    let value =
        Gen.elements
            [ Json.String "text"
              Json.String ""
              Json.Bool true
              Json.Bool false
              Json.Null
              Json.Number "1"
              Json.Array [||]
              Json.Object [||] ]

    Gen.listOf (Gen.map2 (fun name v -> struct (name, v)) (Gen.elements [ "a"; "b"; "username" ]) value)
    |> Gen.map (Array.ofList >> Json.Object)

[<Property(MaxTest = 500)>]
let ``an optional nullable field answers as optionalField of nullable, flattened`` () =
    Prop.forAll (Arb.fromGen jsonObject) (fun json ->
        let composed (decoder: Decoder<'T>) name =
            Decode.optionalField name (Decode.nullable decoder) json |> Result.map Option.flatten

        [ "a"; "b"; "username"; "absent" ]
        |> List.forall (fun name ->
            composed Decode.string name = Decode.optionalNullableField name Decode.string json
            && composed Decode.bool name = Decode.optionalNullableField name Decode.bool json))
