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
open CartoCreds.Core.Tests.Layers
open CartoCreds.Core.Tests.Stacks

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
    | Some layer, Error(ResolveError.InvalidLayer(_, failed, _, _)) when s.Kinds[layer] = Invalid ->
        (failed = layer) |@ $"{layer} expected to fail, {failed} did"
    | None, Error(ResolveError.NotFound(_, _)) -> true |@ "no layer present"
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
        | Error(ResolveError.InvalidLayer(_, failed, location, problem)) ->
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
    | Error(ResolveError.NotFound(_, absent)) ->
        let saved =
            match List.last absent with
            | _, Absence.NoSavedFiles [ path ] -> path = savedPath
            | _, Absence.NoDefaultLocation(LocationError.VariableNotSet "HOME") -> true
            | _ -> false

        (List.map fst absent = Layer.all
         && List.map snd (List.take 4 absent) =
             [ Absence.NoneGiven
               Absence.NoUsernameOrBaseUrl
               Absence.NoneGiven
               Absence.VariablesNotSet [ Variables.Username; Variables.BaseUrl ] ]
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

    (result = Ok { Credentials = c; Origin = Origin.At(Layer.Explicit, None); Warnings = [] } && s.Reached.Count = 0)
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
    Assert.Equal(Origin.At(Layer.Arguments, Some "username, api_key"), result.Origin)

[<Fact>]
let ``arguments: an API key given alone is an error, not silently dropped`` () =
    let result = Resolve.resolve { noLayers with Arguments = { Arguments.None with ApiKey = Some "k" } }

    Assert.Equal(
        Error(ResolveError.InvalidLayer(CredentialsKind.Legacy, Layer.Arguments, "api_key", LayerProblem.ApiKeyAlone)),
        result
    )

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
        Error(
            ResolveError.InvalidLayer(
                CredentialsKind.Legacy,
                Layer.Arguments,
                "api_key, key",
                LayerProblem.ConflictingApiKeys
            )
        ),
        Resolve.resolve
            { noLayers with
                Arguments = { Arguments.None with Username = Some "ana"; Key = Some "k"; ApiKey = Some "j" } }
    )

[<Fact>]
let ``environment: CARTO_API_KEY alone is an error naming the variable`` () =
    let variables = Map.ofList [ Variables.ApiKey, "secretsecretsecret" ]
    let result = Resolve.resolve { noLayers with Environment = fun n -> Map.tryFind n variables }

    Assert.Equal(
        Error(
            ResolveError.InvalidLayer(
                CredentialsKind.Legacy,
                Layer.Environment,
                "CARTO_API_KEY",
                LayerProblem.ApiKeyAlone
            )
        ),
        result
    )

[<Fact>]
let ``environment: CARTO_BASE_URL alone resolves, with the public key`` () =
    let variables = Map.ofList [ Variables.BaseUrl, "https://team.carto.com/u/ana/" ]
    let result = Resolve.resolve { noLayers with Environment = fun n -> Map.tryFind n variables } |> ok

    Assert.Equal(
        "Credentials(username=ana, api_key=default_public, base_url=https://team.carto.com/u/ana)",
        string result.Credentials
    )

    Assert.Equal(Origin.At(Layer.Environment, Some "CARTO_BASE_URL"), result.Origin)

[<Fact>]
let ``saved session: a file that cannot be found or located leaves the layer absent`` () =
    let unlocated =
        { noLayers with
            SavedSession = fun () -> Error(LocationError.VariableNotSet "HOME") }

    match Resolve.resolve unlocated with
    | Error(ResolveError.NotFound(_, absent)) ->
        Assert.Equal(
            (Layer.SavedSession, Absence.NoDefaultLocation(LocationError.VariableNotSet "HOME")),
            List.last absent
        )
    | other -> failwithf "%A" other

[<Fact>]
let ``a named file that is missing is an error of the File layer`` () =
    let missing =
        { noLayers with
            File = Some(fun () -> { Path = filePath; Content = Error ReadError.NotFound; Exposure = None }) }

    Assert.Equal(
        Error(
            ResolveError.InvalidLayer(
                CredentialsKind.Legacy,
                Layer.File,
                filePath,
                LayerProblem.Unreadable ReadError.NotFound
            )
        ),
        Resolve.resolve missing
    )

[<Fact>]
let ``a saved session asked for by name is an error when missing`` () =
    let missing () = Ok { Path = savedPath; Content = Error ReadError.NotFound; Exposure = None }

    Assert.Equal(
        Error(
            ResolveError.InvalidLayer(
                CredentialsKind.Legacy,
                Layer.SavedSession,
                savedPath,
                LayerProblem.Unreadable ReadError.NotFound
            )
        ),
        Resolve.first [ Layer.SavedSession, (fun () -> Resolve.requiredSavedSession true missing) ]
    )
