/// Stacks of five generated layers, the deciding one drawn evenly, that record which layers
/// the shell side reached; they shrink by making lower layers absent.
module CartoCreds.Core.Tests.Stacks

open System
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators
open CartoCreds.Core.Tests.Layers

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
      Layers: LegacyLayers
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
                | Invalid -> Ok { Path = savedPath; Content = fst case.BadSaved; Exposure = None }
          Now = DateTimeOffset.UnixEpoch }

    { Case = case
      Kinds = kinds
      Expected = case.Expected
      Secrets = case.Key :: (Map.values case.Expected |> Seq.map (fun c -> ApiKey.value c.ApiKey) |> List.ofSeq)
      Layers = layers
      Reached = reached }

/// The highest layer that is present, valid or not.
let deciding (s: Stack) = Layer.all |> List.tryFind (fun layer -> s.Kinds[layer] <> Absent)

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
