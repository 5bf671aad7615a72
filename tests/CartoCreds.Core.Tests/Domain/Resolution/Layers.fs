/// Generated layers for the precedence properties: each layer valid, absent in each way it can
/// be, or invalid in each way it can be, with what its refusal must name.
module CartoCreds.Core.Tests.Layers

open System
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

/// What one generated layer holds.
type Kind =
    | Absent
    | Valid
    | Invalid

/// What an invalid layer must be refused with: where (the location), and a check of the problem
/// (the field, or the kind of failure), named for the label.
type Expected = { Location: string; Problem: string; Is: LayerProblem -> bool }

let private values (fields: Field list) =
    { Location = ""
      Problem = "invalid " + (fields |> List.map string |> String.concat ", ")
      Is =
        function
        | LayerProblem.InvalidValues errors -> List.map ValueError.field errors = List.map Some fields
        | _ -> false }

let private expect location problem (is: LayerProblem -> bool) = { Location = location; Problem = problem; Is = is }

let at location (expected: Expected) = { expected with Location = location }

let filePath = "/data/team/creds.json"
let savedPath = "/home/ana/.config/cartoframes/creds.json"

let argumentsOf (c: Credentials) =
    let input = Credentials.toInput c

    { Arguments.None with
        Username = input.Username
        ApiKey = input.ApiKey
        BaseUrl = input.BaseUrl
        AllowNonSecure = input.AllowNonSecure }

let variablesOf (c: Credentials) =
    let input = Credentials.toInput c

    [ Variables.Username, input.Username
      Variables.ApiKey, input.ApiKey
      Variables.BaseUrl, input.BaseUrl ]
    |> List.choose (fun (name, value) -> value |> Option.map (fun v -> name, v))

let private keyAlone location = expect location "API key alone" (fun p -> p = LayerProblem.ApiKeyAlone)

let invalidArguments key =
    Gen.elements
        [ { Arguments.None with ApiKey = Some key }, keyAlone "api_key"
          { Arguments.None with Key = Some key }, keyAlone "key"
          { Arguments.None with
              Username = Some "ana"
              ApiKey = Some key
              Key = Some(key + "0") },
          expect "api_key, key" "api_key and key differ" (fun p -> p = LayerProblem.ConflictingApiKeys)
          { Arguments.None with Username = Some "ana.smith"; ApiKey = Some key },
          values [ Field.Username ] |> at "username, api_key"
          { Arguments.None with BaseUrl = Some "http://ana.carto.com"; ApiKey = Some key },
          values [ Field.BaseUrl ] |> at "api_key, base_url"
          { Arguments.None with
              Username = Some "ana"
              BaseUrl = Some "ftp://ana.carto.com"
              ApiKey = Some key },
          values [ Field.BaseUrl ] |> at "username, api_key, base_url" ]

let invalidVariables key =
    Gen.elements
        [ [ Variables.ApiKey, key ], keyAlone "CARTO_API_KEY"
          [ Variables.Username, "-ana"; Variables.ApiKey, key ],
          values [ Field.Username ] |> at "CARTO_USERNAME, CARTO_API_KEY"
          [ Variables.BaseUrl, "http://ana.carto.com"; Variables.ApiKey, key ],
          values [ Field.BaseUrl ] |> at "CARTO_API_KEY, CARTO_BASE_URL"
          [ Variables.Username, "ana"; Variables.ApiKey, key + " " + key ],
          values [ Field.ApiKey ] |> at "CARTO_USERNAME, CARTO_API_KEY" ]

let invalidFile key =
    let unreadable error = Error error, expect "" "unreadable" (fun p -> p = LayerProblem.Unreadable error)

    let undecodable (text: string) name (is: DecodeError -> bool) =
        Ok text,
        expect "" name (function
            | LayerProblem.Undecodable e -> is e
            | _ -> false)

    Gen.elements
        [ unreadable ReadError.NotFound
          unreadable ReadError.IsDirectory
          unreadable ReadError.NotRegular
          unreadable (ReadError.TooLarge(70000L, Codec.MaxFileSize))
          undecodable ("{\"username\": \"ana\", \"api_key\": \"" + key + "\"") "not JSON" (function
              | DecodeError.NotJson _ -> true
              | _ -> false)
          undecodable "[]" "not an object" ((=) (DecodeError.NotAnObject "an array"))
          undecodable "" "empty" ((=) DecodeError.Empty)
          undecodable
              ("{\"username\": 3, \"api_key\": \"" + key + "\"}")
              "a bad field"
              ((=) (DecodeError.BadField("$.username", "a string or null", "a number")))
          undecodable
              ("{\"api_key\": \"" + key + "\"}")
              "no username or base URL"
              ((=) (DecodeError.Invalid [ ValueError.UsernameOrBaseUrlMissing ]))
          undecodable ("{\"base_url\": \"ftp://x\", \"api_key\": \"" + key + "\"}") "a bad base URL" (function
              | DecodeError.Invalid [ e ] -> ValueError.field e = Some Field.BaseUrl
              | _ -> false) ]
    |> Gen.map (fun (content, expected) ->
        content |> Result.map (fun (text: string) -> ReadOnlyMemory(Encoding.UTF8.GetBytes text)), expected)

let absentArguments =
    Gen.elements
        [ Arguments.None
          { Arguments.None with
              Username = Some "  "
              BaseUrl = Some ""
              ApiKey = Some "\t" } ]

let absentVariables =
    Gen.elements [ []; [ Variables.Username, " "; Variables.BaseUrl, ""; Variables.ApiKey, "" ]; [ "OTHER", "x" ] ]
