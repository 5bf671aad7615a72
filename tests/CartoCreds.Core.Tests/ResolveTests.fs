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

/// A generated stack of five layers, with the calls the shell-side functions received.
type Stack =
    { Kinds: Map<Layer, Kind>
      Expected: Map<Layer, Credentials>
      Secrets: string list
      Layers: Layers
      Reached: Collections.Generic.HashSet<Layer> }

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

let private invalidArguments key =
    Gen.elements
        [ { Arguments.None with ApiKey = Some key }
          { Arguments.None with Key = Some key }
          { Arguments.None with
              Username = Some "ana"
              ApiKey = Some key
              Key = Some(key + "0") }
          { Arguments.None with Username = Some "ana.smith"; ApiKey = Some key }
          { Arguments.None with BaseUrl = Some "http://ana.carto.com"; ApiKey = Some key }
          { Arguments.None with
              Username = Some "ana"
              BaseUrl = Some "ftp://ana.carto.com"
              ApiKey = Some key } ]

let private invalidVariables key =
    Gen.elements
        [ [ Variables.ApiKey, key ]
          [ Variables.Username, "-ana"; Variables.ApiKey, key ]
          [ Variables.BaseUrl, "http://ana.carto.com"; Variables.ApiKey, key ]
          [ Variables.Username, "ana"; Variables.ApiKey, key + " " + key ] ]

let private invalidFile key =
    Gen.elements
        [ Error ReadError.NotFound
          Error ReadError.IsDirectory
          Error(ReadError.TooLarge 70000L)
          Ok("{\"username\": \"ana\", \"api_key\": \"" + key + "\"")
          Ok "[]"
          Ok ""
          Ok("{\"username\": 3, \"api_key\": \"" + key + "\"}")
          Ok("{\"api_key\": \"" + key + "\"}")
          Ok("{\"base_url\": \"ftp://x\", \"api_key\": \"" + key + "\"}") ]
    |> Gen.map (Result.map (fun (text: string) -> ReadOnlyMemory(Encoding.UTF8.GetBytes text)))

let private absentArguments =
    Gen.elements
        [ Arguments.None
          { Arguments.None with
              Username = Some "  "
              BaseUrl = Some ""
              ApiKey = Some "\t" } ]

let private absentVariables =
    Gen.elements [ []; [ Variables.Username, " "; Variables.BaseUrl, ""; Variables.ApiKey, "" ]; [ "OTHER", "x" ] ]

let private kind =
    Gen.frequency [ 3, Gen.constant Absent; 2, Gen.constant Valid; 1, Gen.constant Invalid ]

/// A stack of layers, each absent, valid or invalid, with secret keys everywhere.
let private stackOf (kind: Gen<Kind>) : Gen<Stack> =
    gen {
        let! kinds = Gen.listOfLength 5 kind
        let kinds = List.zip Layer.all kinds |> Map.ofList

        let kinds =
            kinds |> Map.add Layer.Explicit (if kinds[Layer.Explicit] = Invalid then Valid else kinds[Layer.Explicit])

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
        let! badSaved = invalidFile key |> Gen.filter (fun r -> r <> Error ReadError.NotFound)
        let! noSaved = Gen.elements [ true; false ]
        let reached = Collections.Generic.HashSet<Layer>()

        let expected =
            Map.ofList
                [ Layer.Explicit, explicitC
                  Layer.Arguments, argumentsC
                  Layer.File, fileC
                  Layer.Environment, environmentC
                  Layer.SavedSession, savedC ]

        let encoded (c: Credentials) = Ok(ReadOnlyMemory(Codec.encode c))

        let variables =
            match kinds[Layer.Environment] with
            | Absent -> noVariables
            | Valid -> variablesOf environmentC
            | Invalid -> badVariables
            |> Map.ofList

        let layers =
            { Explicit = if kinds[Layer.Explicit] = Absent then None else Some explicitC
              Arguments =
                match kinds[Layer.Arguments] with
                | Absent -> noArguments
                | Valid -> argumentsOf argumentsC
                | Invalid -> badArguments
              File =
                match kinds[Layer.File] with
                | Absent -> None
                | kind ->
                    Some(fun () ->
                        reached.Add Layer.File |> ignore

                        { Path = filePath
                          Content = (if kind = Valid then encoded fileC else badFile)
                          Exposure = None })
              Environment =
                fun name ->
                    reached.Add Layer.Environment |> ignore
                    Map.tryFind name variables
              SavedSession =
                fun () ->
                    reached.Add Layer.SavedSession |> ignore

                    match kinds[Layer.SavedSession] with
                    | Absent when noSaved -> Error(LocationError.VariableNotSet "HOME")
                    | Absent -> Ok { Path = savedPath; Content = Error ReadError.NotFound; Exposure = None }
                    | Valid -> Ok { Path = savedPath; Content = encoded savedC; Exposure = None }
                    | Invalid -> Ok { Path = savedPath; Content = badSaved; Exposure = None } }

        return
            { Kinds = kinds
              Expected = expected
              Secrets = key :: (Map.values expected |> Seq.map (fun c -> ApiKey.value c.ApiKey) |> List.ofSeq)
              Layers = layers
              Reached = reached }
    }

/// The highest layer that is present, valid or not.
let private deciding (s: Stack) = Layer.all |> List.tryFind (fun layer -> s.Kinds[layer] <> Absent)

/// A stack of layers, each absent, valid or invalid, with secret keys everywhere.
let stack = stackOf kind

/// A stack in which every layer is absent, in each of the ways a layer can be.
let absentStack = stackOf (Gen.constant Absent)

type StackArbitrary =
    static member Stack() = Arb.fromGen stack

/// A stack with no layer present.
type EmptyStack = EmptyStack of Stack

type EmptyStackArbitrary =
    static member EmptyStack() = Arb.fromGen (absentStack |> Gen.map EmptyStack)

type StackSpecAttribute() =
    inherit PropertyAttribute(Arbitrary = [| typeof<StackArbitrary> |], MaxTest = 300)

[<StackSpec>]
let ``the result comes from the highest layer that is present`` (s: Stack) =
    match deciding s, Resolve.resolve s.Layers with
    | Some layer, Ok resolved when s.Kinds[layer] = Valid ->
        (resolved.Origin.Layer = layer) |@ $"%A{layer} expected, got %A{resolved.Origin.Layer}"
    | Some layer, Error(ResolveError.InvalidLayer(failed, _, _)) when s.Kinds[layer] = Invalid ->
        (failed = layer) |@ $"%A{layer} expected to fail, %A{failed} did"
    | None, Error(ResolveError.NotFound _) -> true |@ "no layer present"
    | expected, actual -> false |@ $"%A{expected} %A{s.Kinds} -> %A{actual}"

[<StackSpec>]
let ``lower layers do not change any field of the result`` (s: Stack) =
    match deciding s, Resolve.resolve s.Layers with
    | Some layer, Ok resolved -> (resolved.Credentials = s.Expected[layer]) |@ $"%A{layer}: %A{resolved.Credentials}"
    | _, Error _ -> true |@ "no credentials resolved"
    | None, Ok resolved -> false |@ $"resolved %A{resolved} from no layer"

[<StackSpec>]
let ``a present layer that is invalid stops resolution; lower layers are not consulted`` (s: Stack) =
    let result = Resolve.resolve s.Layers

    match deciding s with
    | Some layer ->
        let below = Layer.all |> List.skipWhile ((<>) layer) |> List.tail
        let consulted = below |> List.filter s.Reached.Contains
        List.isEmpty consulted |@ $"%A{layer} decided (%A{result}) but %A{consulted} were reached"
    | None ->
        s.Reached.SetEquals [ Layer.Environment; Layer.SavedSession ]
        |@ "the environment and the saved session are reached when no layer above is present"

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
let ``the origin names the layer and its location`` (s: Stack) =
    match Resolve.resolve s.Layers with
    | Ok { Origin = origin } ->
        match origin.Layer, origin.Location with
        | Layer.Explicit, None -> true
        | Layer.Arguments, Some location -> location.Contains "username" || location.Contains "base_url"
        | Layer.File, Some location -> location = filePath
        | Layer.Environment, Some location -> location.Contains "CARTO_"
        | Layer.SavedSession, Some location -> location = savedPath
        | _ -> false
        |@ $"%A{origin}"
    | Error _ -> true |@ "no origin"

[<StackSpec>]
let ``no error message or origin contains an API key other than default_public`` (s: Stack) =
    let text =
        match Resolve.resolve s.Layers with
        | Ok resolved -> Messages.origin resolved.Origin + " " + string resolved.Credentials
        | Error e -> Messages.resolveError e

    let leaked = s.Secrets |> List.filter (fun k -> k <> ApiKey.DefaultPublicText && text.Contains k)
    List.isEmpty leaked |@ $"%A{leaked} in %A{text}"

[<StackSpec>]
let ``an explicit value ignores everything else`` (s: Stack) (c: Credentials) =
    let result = Resolve.resolve { s.Layers with Explicit = Some c }

    (result =
        Ok
            { Credentials = c
              Origin = { Layer = Layer.Explicit; Location = None }
              Warnings = [] }
     && s.Reached.Count = 0)
    |@ $"%A{result}"

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
