/// FsCheck generators of valid and invalid inputs, shared by the property tests.
module CartoCreds.Core.Tests.Generators

open System
open FsCheck
open global.Xunit
open FsCheck.FSharp
open CartoCreds.Core

/// A label on a property, read where it fails. The core is compiled reflection-free (for Native
/// AOT), so its values print their type name only: labels format them with `%A` instead.
let (|@) (property: bool) (label: string) = Prop.label label property

let private letters = [ 'a' .. 'z' ] @ [ 'A' .. 'Z' ]
let private usernameChars = letters @ [ '0' .. '9' ] @ [ '_'; '-' ]
let private usernameInnerChars = letters @ [ '0' .. '9' ] @ [ '_' ]

let private stringOf (chars: Gen<char>) (length: int) = Gen.arrayOfLength length chars |> Gen.map String

/// Text that is valid as a username: 1–63 of `A–Z a–z 0–9 _ -`, no `-` at either end.
let usernameText: Gen<string> =
    gen {
        let! length = Gen.choose (1, 63)
        let! first = Gen.elements usernameInnerChars
        let! middle = stringOf (Gen.elements usernameChars) (max 0 (length - 2))
        let! last = Gen.elements usernameInnerChars
        return if length = 1 then string first else string first + middle + string last
    }

/// Text that is not a valid username, and never empty.
let invalidUsernameText: Gen<string> =
    Gen.oneof
        [ Gen.choose (64, 90) |> Gen.bind (stringOf (Gen.elements usernameInnerChars))
          gen {
              let! name = usernameText
              let! bad = Gen.elements [ '.'; '@'; '/'; '!'; 'é'; ' '; '+'; ':' ]
              let! at = Gen.choose (0, name.Length)
              let candidate = name.Insert(at, string bad)
              // A space at either end would be trimmed away: keep it inside.
              return if bad = ' ' then "a" + candidate + "a" else candidate
          }
          usernameText |> Gen.map (fun name -> "-" + name)
          usernameText |> Gen.map (fun name -> name + "-") ]

/// A secret key: long enough to be masked to its last 4 characters, and never `default_public`.
let secretKeyText: Gen<string> =
    gen {
        let! length = Gen.choose (16, 48)
        let! body = stringOf (Gen.elements ([ 'a' .. 'f' ] @ [ '0' .. '9' ])) length
        return "sk" + body
    }

/// Any valid key: the public one, a short one, or a secret one with punctuation.
let apiKeyText: Gen<string> =
    Gen.oneof
        [ Gen.constant ApiKey.DefaultPublicText
          Gen.choose (1, 11) |> Gen.bind (stringOf (Gen.elements (letters @ [ '0' .. '9' ])))
          secretKeyText
          secretKeyText |> Gen.map (fun k -> k + "_-.~+/=") ]

/// A key with whitespace or a control character inside.
let invalidApiKeyText: Gen<string> =
    gen {
        let! key = secretKeyText

        let! bad =
            Gen.elements [ " "; "\t"; "\n"; "\u0001"; "\u007f"; "\u00a0"; "\uFEFF"; "\u200B"; "\u00AD"; "\u202E"; "é" ]
            |> Gen.map2
                (fun surrogate other -> if surrogate then string (char 0xD800) else other)
                (Gen.elements [ false; false; false; true ])

        let! at = Gen.choose (1, key.Length - 1)
        return key.Insert(at, bad)
    }

let private hostLabel =
    Gen.choose (1, 12) |> Gen.bind (stringOf (Gen.elements ([ 'a' .. 'z' ] @ [ 'A' .. 'Z' ] @ [ '0' .. '9' ])))

/// A valid base URL as a user might type it: any case of host, optional port and path,
/// trailing slashes, surrounding whitespace. `secure` restricts it to https.
let baseUrlText (secure: bool) : Gen<string> =
    gen {
        let! scheme =
            if secure then
                Gen.elements [ "https"; "HTTPS" ]
            else
                Gen.elements [ "https"; "http"; "Http" ]

        let! host =
            Gen.oneof
                [ usernameText
                  |> Gen.filter (fun n -> not (n.Contains '_') && not (n.Contains '-'))
                  |> Gen.map (fun n -> n + ".carto.com")
                  Gen.map2 (fun a b -> a + "." + b + ".example") hostLabel hostLabel
                  Gen.constant "LOCALHOST" ]

        let! port = Gen.elements [ ""; ""; ":8443"; ":443" ]

        let! path =
            Gen.oneof
                [ Gen.constant ""
                  usernameText |> Gen.map (fun n -> "/u/" + n)
                  usernameText |> Gen.map (fun n -> "/user/" + n)
                  hostLabel |> Gen.map (fun n -> "/api/" + n) ]

        let! slashes = Gen.elements [ ""; "/"; "//" ]
        let! padding = Gen.elements [ ""; " "; "\t" ]
        return padding + scheme + "://" + host + port + path + slashes + padding
    }

/// A base URL that SPEC §1 refuses, made by breaking one part of a valid one, with the error
/// that part must give.
type InvalidBaseUrl =
    | InvalidBaseUrl of text: string * expected: string * is: (ValueError -> bool)

    override this.ToString() =
        let (InvalidBaseUrl(text, expected, _)) = this
        text + " (" + expected + ")"

let invalidBaseUrl: Gen<InvalidBaseUrl> =
    gen {
        let! valid = baseUrlText true
        let url = valid.Trim()
        let rest = url.Substring(url.IndexOf "://" + 3)

        let authority, path =
            match rest.IndexOf '/' with
            | -1 -> rest, ""
            | i -> rest.Substring(0, i), rest.Substring i

        let host =
            match authority.LastIndexOf ':' with
            | -1 -> authority
            | i -> authority.Substring(0, i)

        let! at = Gen.choose (1, max 1 (host.Length - 1))
        let! scheme = Gen.elements [ "ftp"; "file"; "javascript"; "git+ssh" ]
        let! port = Gen.elements [ "0"; "65536"; "99999"; "x"; "-1" ]

        let is (name: string) (check: ValueError -> bool) (text: string) = InvalidBaseUrl(text, name, check)

        return!
            Gen.elements
                [ is "not absolute" ((=) ValueError.BaseUrlNotAbsolute) rest
                  is "scheme" ((=) (ValueError.BaseUrlScheme(Some scheme))) (scheme + "://" + rest)
                  is "user-info" ((=) ValueError.BaseUrlUserInfo) ("https://user:pass@" + rest)
                  is "query" ((=) ValueError.BaseUrlQuery) (url + "?api_key=x")
                  is "fragment" ((=) ValueError.BaseUrlFragment) (url + "#map")
                  is "no host" ((=) ValueError.BaseUrlNoHost) ("https://" + path)
                  is
                      "host"
                      (function
                      | ValueError.BaseUrlHost _ -> true
                      | _ -> false)
                      ("https://" + host.Insert(at, " ") + path)
                  is
                      "host"
                      (function
                      | ValueError.BaseUrlHost _ -> true
                      | _ -> false)
                      ("https://" + host.Insert(at, "%41") + path)
                  is "port" ((=) (ValueError.BaseUrlPort(Some port))) ("https://" + host + ":" + port + path)
                  is "path" ((=) ValueError.BaseUrlPath) ("https://" + authority + "/a b" + path) ]
    }

/// Valid raw input for a credentials value.
let credentialsInput (secure: bool) : Gen<CredentialsInput> =
    gen {
        let! username = Gen.optionOf usernameText
        let! apiKey = Gen.optionOf apiKeyText

        let! baseUrl =
            match username with
            | None -> baseUrlText secure |> Gen.map Some
            | Some _ -> Gen.optionOf (baseUrlText secure)

        let! allowNonSecure = if secure then Gen.constant false else Gen.elements [ false; true ]

        return
            { Username = username
              ApiKey = apiKey
              BaseUrl = baseUrl
              AllowNonSecure =
                allowNonSecure
                || baseUrl |> Option.exists (fun u -> u.Trim().StartsWith("http:", StringComparison.OrdinalIgnoreCase)) }
    }

let private created input =
    match Credentials.create input with
    | Ok c -> c
    | Error e -> failwithf "generator made invalid input: %A" e

/// A valid credentials value (`secure`: https only, as the Environment layer needs).
let credentials (secure: bool) : Gen<Credentials> = credentialsInput secure |> Gen.map created

/// A valid credentials value whose key is secret (masked when shown).
let secretCredentials: Gen<Credentials> =
    Gen.map2 (fun input key -> created { input with ApiKey = Some key }) (credentialsInput true) secretKeyText

/// Wrappers that select a generator in `[<Property>]` arguments.
type ValidUsername = ValidUsername of string
type InvalidUsername = InvalidUsername of string
type ValidApiKey = ValidApiKey of string
type SecretKey = SecretKey of string
type InvalidApiKey = InvalidApiKey of string
type ValidBaseUrl = ValidBaseUrl of string

/// Shorter texts that still pass `keep`: FsCheck's own string shrinking, held to the generator's kind.
let private shrinkText (keep: string -> bool) (text: string) : string seq =
    ArbMap.defaults |> ArbMap.arbitrary<string> |> Arb.toShrink <| text
    |> Seq.filter (fun t -> not (isNull t) && keep t)

let private isValidUsername (text: string) = text.Trim() = text && Result.isOk (Username.create text)

let private isInvalidUsername (text: string) =
    not (String.IsNullOrWhiteSpace text) && Result.isError (Username.create text)

/// Simpler credentials that are still valid: the public key, then no username beside a base URL.
let private shrinkCredentials (c: Credentials) : Credentials seq =
    seq {
        if c.ApiKey <> ApiKey.defaultPublic then
            yield! Credentials.withApiKey ApiKey.DefaultPublicText c |> Result.toList

        match c.Username, Credentials.toInput c with
        | Some _, input ->
            yield! Credentials.create { input with Username = None } |> Result.toList |> List.filter ((<>) c)
        | None, _ -> ()
    }

type Arbitraries =
    static member Credentials() = Arb.fromGenShrink (credentials false, shrinkCredentials)

    static member ValidUsername() =
        Arb.fromGenShrink (usernameText, shrinkText isValidUsername)
        |> Arb.convert ValidUsername (fun (ValidUsername n) -> n)

    static member InvalidUsername() =
        Arb.fromGenShrink (invalidUsernameText, shrinkText isInvalidUsername)
        |> Arb.convert InvalidUsername (fun (InvalidUsername n) -> n)

    static member ValidApiKey() = Arb.fromGen (apiKeyText |> Gen.map ValidApiKey)
    static member SecretKey() = Arb.fromGen (secretKeyText |> Gen.map SecretKey)

    static member InvalidApiKey() =
        Arb.fromGenShrink (
            invalidApiKeyText,
            shrinkText (fun k -> Result.isError (ApiKey.create k) && k.Trim().Length > 0)
        )
        |> Arb.convert InvalidApiKey (fun (InvalidApiKey k) -> k)

    static member ValidBaseUrl() = Arb.fromGen (baseUrlText false |> Gen.map ValidBaseUrl)
    static member InvalidBaseUrl() = Arb.fromGen invalidBaseUrl

/// `[<Spec>]`: a property over this file's generators.
type SpecAttribute() =
    inherit FsCheck.Xunit.PropertyAttribute(Arbitrary = [| typeof<Arbitraries> |], MaxTest = 200)

/// Unwraps an `Ok`, failing the test with the error otherwise.
let ok (result: Result<'T, 'E>) : 'T =
    match result with
    | Ok value -> value
    | Error e -> failwithf "expected Ok, got Error %A" e

/// Unwraps an `Error`, failing the test with the value otherwise.
let error (result: Result<'T, 'E>) : 'E =
    match result with
    | Error e -> e
    | Ok value -> failwithf "expected Error, got Ok %A" value

/// Layers with none present: the saved session is missing at `savedPath`.
let noLayers (savedPath: string) : LegacyLayers =
    { Explicit = None
      Arguments = Arguments.None
      File = None
      Environment = fun _ -> None
      SavedSession = fun () -> Ok { Path = savedPath; Content = Error ReadError.NotFound; Exposure = None }
      Now = DateTimeOffset.UnixEpoch }

/// Valid credentials built from plain input, for example tests.
let make (username: string option) (apiKey: string option) (baseUrl: string option) : Credentials =
    Credentials.create
        { Username = username
          ApiKey = apiKey
          BaseUrl = baseUrl
          AllowNonSecure = false }
    |> ok
