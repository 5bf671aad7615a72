/// SPEC §2: layers and precedence. Each property is a rule of the spec, in its words.
module CartoCreds.Core.Tests.ResolveTests

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

let private at location (expected: Expected) = { expected with Location = location }

let private filePath = "/data/team/creds.json"
let private savedPath = "/home/ana/.config/cartoframes/creds.json"

let private argumentsOf (c: Credentials) =
    let input = Credentials.toInput c

    { Arguments.None with
        Username = input.Username
        ApiKey = input.ApiKey
        BaseUrl = input.BaseUrl
        AllowNonSecure = input.AllowNonSecure }

let private variablesOf (c: Credentials) =
    let input = Credentials.toInput c

    [ Variables.Username, input.Username
      Variables.ApiKey, input.ApiKey
      Variables.BaseUrl, input.BaseUrl ]
    |> List.choose (fun (name, value) -> value |> Option.map (fun v -> name, v))

let private keyAlone location = expect location "API key alone" (fun p -> p = LayerProblem.ApiKeyAlone)

let private invalidArguments key =
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

let private invalidVariables key =
    Gen.elements
        [ [ Variables.ApiKey, key ], keyAlone "CARTO_API_KEY"
          [ Variables.Username, "-ana"; Variables.ApiKey, key ],
          values [ Field.Username ] |> at "CARTO_USERNAME, CARTO_API_KEY"
          [ Variables.BaseUrl, "http://ana.carto.com"; Variables.ApiKey, key ],
          values [ Field.BaseUrl ] |> at "CARTO_API_KEY, CARTO_BASE_URL"
          [ Variables.Username, "ana"; Variables.ApiKey, key + " " + key ],
          values [ Field.ApiKey ] |> at "CARTO_USERNAME, CARTO_API_KEY" ]

let private invalidFile key =
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
          unreadable (ReadError.TooLarge 70000L)
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

let private absentArguments =
    Gen.elements
        [ Arguments.None
          { Arguments.None with
              Username = Some "  "
              BaseUrl = Some ""
              ApiKey = Some "\t" } ]

let private absentVariables =
    Gen.elements [ []; [ Variables.Username, " "; Variables.BaseUrl, ""; Variables.ApiKey, "" ]; [ "OTHER", "x" ] ]

/// What a stack is made of: the kind of each layer and what each would hold.
type StackCase =
    { Kinds: Map<Layer, Kind>
      Expected: Map<Layer, Credentials>
      Key: string
      BadArguments: Arguments * Expected
      NoArguments: Arguments
      BadVariables: (string * string) list * Expected
      NoVariables: (string * string) list
      BadFile: Result<ReadOnlyMemory<byte>, ReadError> * Expected
      BadSaved: Result<ReadOnlyMemory<byte>, ReadError> * Expected
      NoSavedLocation: bool }

/// A generated stack of five layers, with the calls the shell-side functions received.
type Stack =
    { Case: StackCase
      Kinds: Map<Layer, Kind>
      Expected: Map<Layer, Credentials>
      Secrets: string list
      Layers: Layers
      Reached: Collections.Generic.HashSet<Layer> }

    override this.ToString() =
        Layer.all |> List.map (fun layer -> Layer.id layer + "=" + string this.Kinds[layer]) |> String.concat " "

/// The layers a case describes, each recording when the shell side is reached.
let private build (case: StackCase) : Stack =
    let reached = Collections.Generic.HashSet<Layer>()
    let kinds = case.Kinds
    let encoded (c: Credentials) = Ok(ReadOnlyMemory(Codec.encode c))

    let variables =
        match kinds[Layer.Environment] with
        | Absent -> case.NoVariables
        | Valid -> variablesOf case.Expected[Layer.Environment]
        | Invalid -> fst case.BadVariables
        |> Map.ofList

    let layers =
        { Explicit =
            if kinds[Layer.Explicit] = Absent then
                None
            else
                Some case.Expected[Layer.Explicit]
          Arguments =
            match kinds[Layer.Arguments] with
            | Absent -> case.NoArguments
            | Valid -> argumentsOf case.Expected[Layer.Arguments]
            | Invalid -> fst case.BadArguments
          File =
            match kinds[Layer.File] with
            | Absent -> None
            | kind ->
                Some(fun () ->
                    reached.Add Layer.File |> ignore

                    { Path = filePath
                      Content = (if kind = Valid then encoded case.Expected[Layer.File] else fst case.BadFile)
                      Exposure = None })
          Environment =
            fun name ->
                reached.Add Layer.Environment |> ignore
                Map.tryFind name variables
          SavedSession =
            fun () ->
                reached.Add Layer.SavedSession |> ignore

                match kinds[Layer.SavedSession] with
                | Absent when case.NoSavedLocation -> Error(LocationError.VariableNotSet "HOME")
                | Absent -> Ok { Path = savedPath; Content = Error ReadError.NotFound; Exposure = None }
                | Valid ->
                    Ok
                        { Path = savedPath
                          Content = encoded case.Expected[Layer.SavedSession]
                          Exposure = None }
                | Invalid -> Ok { Path = savedPath; Content = fst case.BadSaved; Exposure = None } }

    { Case = case
      Kinds = kinds
      Expected = case.Expected
      Secrets = case.Key :: (Map.values case.Expected |> Seq.map (fun c -> ApiKey.value c.ApiKey) |> List.ofSeq)
      Layers = layers
      Reached = reached }

/// The highest layer that is present, valid or not.
let private deciding (s: Stack) = Layer.all |> List.tryFind (fun layer -> s.Kinds[layer] <> Absent)

/// Kinds in which `decider` decides (every layer above it absent, it valid or invalid, any kind
/// below), or no layer is present at all (`None`).
let private kindsDecidedBy (decider: Layer option) : Gen<Map<Layer, Kind>> =
    gen {
        let index =
            decider |> Option.map (fun d -> List.findIndex ((=) d) Layer.all) |> Option.defaultValue Layer.all.Length

        let! own =
            match decider with
            | Some Layer.Explicit -> Gen.constant Valid // an explicit value is valid by construction
            | _ -> Gen.elements [ Valid; Invalid ]

        let! below =
            Gen.listOfLength (max 0 (Layer.all.Length - index - 1)) (Gen.elements [ Absent; Valid; Invalid ])

        return
            Layer.all
            |> List.mapi (fun i layer ->
                layer,
                (if i < index then Absent
                 elif i = index then own
                 else below[i - index - 1]))
            |> Map.ofList
    }

/// A stack whose deciding layer is drawn evenly from the five layers and "none present".
let private stackFrom (kinds: Gen<Map<Layer, Kind>>) : Gen<Stack> =
    gen {
        let! kinds = kinds
        let! explicitC = secretCredentials

        let! argumentsC =
            Gen.map2 (fun c k -> Credentials.withApiKey k c |> ok) (credentials false) secretKeyText

        let! fileC = Gen.map2 (fun c k -> Credentials.withApiKey k c |> ok) (credentials false) secretKeyText
        let! environmentC = secretCredentials
        let! savedC = secretCredentials
        let! key = secretKeyText
        let! badArguments = invalidArguments key
        let! noArguments = absentArguments
        let! badVariables = invalidVariables key
        let! noVariables = absentVariables
        let! badFile = invalidFile key
        let! badSaved = invalidFile key |> Gen.filter (fun (r, _) -> r <> Error ReadError.NotFound)
        let! noSavedLocation = Gen.elements [ true; false ]

        return
            build
                { Kinds = kinds
                  Expected =
                    Map.ofList
                        [ Layer.Explicit, explicitC
                          Layer.Arguments, argumentsC
                          Layer.File, fileC
                          Layer.Environment, environmentC
                          Layer.SavedSession, savedC ]
                  Key = key
                  BadArguments = badArguments
                  NoArguments = noArguments
                  BadVariables = badVariables
                  NoVariables = noVariables
                  BadFile = at filePath (snd badFile) |> fun e -> fst badFile, e
                  BadSaved = at savedPath (snd badSaved) |> fun e -> fst badSaved, e
                  NoSavedLocation = noSavedLocation }
    }

/// A stack of layers, the deciding one drawn evenly, with secret keys everywhere.
let stack = Gen.elements (None :: List.map Some Layer.all) |> Gen.bind (kindsDecidedBy >> stackFrom)

/// A stack in which every layer is absent, in each of the ways a layer can be.
let absentStack = stackFrom (kindsDecidedBy None)

/// Smaller stacks for a failing case: each layer below the deciding one made absent in turn.
let private shrinkStack (s: Stack) : Stack seq =
    match deciding s with
    | None -> Seq.empty
    | Some decider ->
        Layer.all
        |> List.skipWhile ((<>) decider)
        |> List.tail
        |> List.filter (fun layer -> s.Kinds[layer] <> Absent)
        |> Seq.map (fun layer -> build { s.Case with Kinds = s.Kinds |> Map.add layer Absent })

type StackArbitrary =
    static member Stack() = Arb.fromGenShrink (stack, shrinkStack)

/// A stack with no layer present.
type EmptyStack = EmptyStack of Stack

type EmptyStackArbitrary =
    static member EmptyStack() = Arb.fromGen (absentStack |> Gen.map EmptyStack)

type StackSpecAttribute() =
    inherit PropertyAttribute(Arbitrary = [| typeof<StackArbitrary> |], MaxTest = 300)

/// How the case is counted in the distribution FsCheck reports.
let private classified (s: Stack) (property: Property) =
    let label =
        match deciding s with
        | Some layer -> Layer.id layer + " " + (string s.Kinds[layer]).ToLowerInvariant()
        | None -> "none present"

    property |> Prop.collect label

[<StackSpec>]
let ``the result comes from the highest layer that is present`` (s: Stack) =
    match deciding s, Resolve.resolve s.Layers with
    | Some layer, Ok resolved when s.Kinds[layer] = Valid ->
        (resolved.Origin.Layer = layer) |@ $"{layer} expected, got {resolved.Origin.Layer}"
    | Some layer, Error(ResolveError.InvalidLayer(failed, _, _)) when s.Kinds[layer] = Invalid ->
        (failed = layer) |@ $"{layer} expected to fail, {failed} did"
    | None, Error(ResolveError.NotFound _) -> true |@ "no layer present"
    | expected, actual -> false |@ $"{expected} {s} -> %A{actual}"
    |> classified s

[<StackSpec>]
let ``lower layers do not change any field of the result`` (s: Stack) =
    match deciding s, Resolve.resolve s.Layers with
    | Some layer, Ok resolved -> (resolved.Credentials = s.Expected[layer]) |@ $"{layer}: {resolved.Credentials}"
    | _, Error _ -> true |@ "no credentials resolved"
    | None, Ok resolved -> false |@ $"resolved {resolved.Credentials} from no layer"
    |> classified s

[<StackSpec>]
let ``an invalid present layer is an error that names the layer, its location and the field`` (s: Stack) =
    match deciding s with
    | Some layer when s.Kinds[layer] = Invalid ->
        let expected =
            match layer with
            | Layer.Arguments -> snd s.Case.BadArguments
            | Layer.Environment -> snd s.Case.BadVariables
            | Layer.File -> snd s.Case.BadFile
            | _ -> snd s.Case.BadSaved

        match Resolve.resolve s.Layers with
        | Error(ResolveError.InvalidLayer(failed, location, problem)) ->
            (failed = layer && location = expected.Location && expected.Is problem)
            |@ $"{layer} at {expected.Location}, {expected.Problem} expected; got {failed} at {location}"
        | other -> false |@ $"%A{other}"
    | _ -> true |@ "no invalid layer decides"
    |> classified s

[<StackSpec>]
let ``a present layer that is invalid stops resolution; lower layers are not consulted`` (s: Stack) =
    let result = Resolve.resolve s.Layers

    match deciding s with
    | Some layer ->
        let below = Layer.all |> List.skipWhile ((<>) layer) |> List.tail
        let consulted = below |> List.filter s.Reached.Contains
        List.isEmpty consulted |@ $"{layer} decided (%A{result}) but %A{consulted} were reached"
    | None ->
        s.Reached.SetEquals [ Layer.Environment; Layer.SavedSession ]
        |@ "the environment and the saved session are reached when no layer above is present"
    |> classified s

[<Property(Arbitrary = [| typeof<EmptyStackArbitrary> |], MaxTest = 100)>]
let ``when no layer is present, the error lists every layer and why it was unavailable`` (EmptyStack s) =
    match Resolve.resolve s.Layers with
    | Error(ResolveError.NotFound absent) ->
        let saved =
            match List.last absent with
            | _, Absence.NoSavedFile path -> path = savedPath
            | _, Absence.NoLocation(LocationError.VariableNotSet "HOME") -> true
            | _ -> false

        (List.map fst absent = Layer.all
         && List.map snd (List.take 4 absent) =
             [ Absence.NoneGiven; Absence.NoUsernameOrBaseUrl; Absence.NoneGiven; Absence.VariablesNotSet ]
         && saved)
        |@ $"%A{absent}"
    | other -> false |@ $"%A{other}"

[<StackSpec>]
let ``the origin names the layer and exactly its location`` (s: Stack) =
    let names (pairs: (string * string option) list) =
        pairs |> List.choose (fun (name, value) -> value |> Option.map (fun _ -> name)) |> String.concat ", "

    match Resolve.resolve s.Layers with
    | Ok { Origin = origin } ->
        let c = s.Expected[origin.Layer]
        let input = Credentials.toInput c

        let expected =
            match origin.Layer with
            | Layer.Explicit -> None
            | Layer.Arguments ->
                Some(names [ "username", input.Username; "api_key", input.ApiKey; "base_url", input.BaseUrl ])
            | Layer.File -> Some filePath
            | Layer.Environment ->
                Some(
                    names
                        [ Variables.Username, input.Username
                          Variables.ApiKey, input.ApiKey
                          Variables.BaseUrl, input.BaseUrl ]
                )
            | Layer.SavedSession -> Some savedPath

        (origin.Location = expected) |@ $"{origin.Layer}: %A{origin.Location}, expected %A{expected}"
    | Error _ -> true |@ "no origin"
    |> classified s

[<StackSpec>]
let ``no error message or origin contains an API key other than default_public`` (s: Stack) =
    let text =
        match Resolve.resolve s.Layers with
        | Ok resolved -> Messages.origin resolved.Origin + " " + string resolved.Credentials
        | Error e -> Messages.resolveError e

    let leaked = s.Secrets |> List.filter (fun k -> k <> ApiKey.DefaultPublicText && text.Contains k)
    List.isEmpty leaked |@ $"%A{leaked} in %A{text}" |> classified s

[<StackSpec>]
let ``an explicit value ignores everything else`` (s: Stack) (c: Credentials) =
    let result = Resolve.resolve { s.Layers with Explicit = Some c }

    (result =
        Ok
            { Credentials = c
              Origin = { Layer = Layer.Explicit; Location = None }
              Warnings = [] }
     && s.Reached.Count = 0)
    |@ $"{s}"

// ---- examples a user tries first ----

let private noLayers = noLayers savedPath

[<Fact>]
let ``arguments: a username and a key resolve, with the argument names as location`` () =
    let result =
        Resolve.resolve
            { noLayers with
                Arguments = { Arguments.None with Username = Some "ana"; ApiKey = Some "k" } }
        |> ok

    Assert.Equal(make (Some "ana") (Some "k") None, result.Credentials)
    Assert.Equal({ Layer = Layer.Arguments; Location = Some "username, api_key" }, result.Origin)

[<Fact>]
let ``arguments: an API key given alone is an error, not silently dropped`` () =
    let result = Resolve.resolve { noLayers with Arguments = { Arguments.None with ApiKey = Some "k" } }
    Assert.Equal(Error(ResolveError.InvalidLayer(Layer.Arguments, "api_key", LayerProblem.ApiKeyAlone)), result)

[<Fact>]
let ``arguments: key is the 0.x name of api_key; both with different values is an error`` () =
    let viaKey =
        Resolve.resolve
            { noLayers with
                Arguments = { Arguments.None with Username = Some "ana"; Key = Some "k" } }
        |> ok

    Assert.Equal(make (Some "ana") (Some "k") None, viaKey.Credentials)
    Assert.Equal(Some "username, key", viaKey.Origin.Location)

    let both =
        Resolve.resolve
            { noLayers with
                Arguments = { Arguments.None with Username = Some "ana"; Key = Some "k"; ApiKey = Some "k" } }
        |> ok

    Assert.Equal(make (Some "ana") (Some "k") None, both.Credentials)

    Assert.Equal(
        Error(ResolveError.InvalidLayer(Layer.Arguments, "api_key, key", LayerProblem.ConflictingApiKeys)),
        Resolve.resolve
            { noLayers with
                Arguments = { Arguments.None with Username = Some "ana"; Key = Some "k"; ApiKey = Some "j" } }
    )

[<Fact>]
let ``environment: CARTO_API_KEY alone is an error naming the variable`` () =
    let variables = Map.ofList [ Variables.ApiKey, "secretsecretsecret" ]
    let result = Resolve.resolve { noLayers with Environment = fun n -> Map.tryFind n variables }
    Assert.Equal(Error(ResolveError.InvalidLayer(Layer.Environment, "CARTO_API_KEY", LayerProblem.ApiKeyAlone)), result)

[<Fact>]
let ``environment: CARTO_BASE_URL alone resolves, with the public key`` () =
    let variables = Map.ofList [ Variables.BaseUrl, "https://team.carto.com/u/ana/" ]
    let result = Resolve.resolve { noLayers with Environment = fun n -> Map.tryFind n variables } |> ok

    Assert.Equal(
        "Credentials(username=ana, api_key=default_public, base_url=https://team.carto.com/u/ana)",
        string result.Credentials
    )

    Assert.Equal({ Layer = Layer.Environment; Location = Some "CARTO_BASE_URL" }, result.Origin)

[<Fact>]
let ``saved session: a file that cannot be found or located leaves the layer absent`` () =
    let unlocated =
        { noLayers with
            SavedSession = fun () -> Error(LocationError.VariableNotSet "HOME") }

    match Resolve.resolve unlocated with
    | Error(ResolveError.NotFound absent) ->
        Assert.Equal((Layer.SavedSession, Absence.NoLocation(LocationError.VariableNotSet "HOME")), List.last absent)
    | other -> failwithf "%A" other

[<Fact>]
let ``a named file that is missing is an error of the File layer`` () =
    let missing =
        { noLayers with
            File = Some(fun () -> { Path = filePath; Content = Error ReadError.NotFound; Exposure = None }) }

    Assert.Equal(
        Error(ResolveError.InvalidLayer(Layer.File, filePath, LayerProblem.Unreadable ReadError.NotFound)),
        Resolve.resolve missing
    )

[<Fact>]
let ``a saved session asked for by name is an error when missing`` () =
    let missing () = Ok { Path = savedPath; Content = Error ReadError.NotFound; Exposure = None }

    Assert.Equal(
        Error(ResolveError.InvalidLayer(Layer.SavedSession, savedPath, LayerProblem.Unreadable ReadError.NotFound)),
        Resolve.first [ Layer.SavedSession, (fun () -> Resolve.requiredSavedSession true missing) ]
    )
