/// The command tree's start-up shortcut: a command line that asks for no help, version, response
/// file or directive is parsed by a plain root, which must read it exactly as the `RootCommand` does.
module CartoCreds.Cli.Tests.ParserTests

open System.IO
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Cli

/// Words of the tool's own command lines, right and wrong: commands, options, values, typos.
let private words =
    [| "show"
       "status"
       "save"
       "delete"
       "path"
       "cloud"
       "token"
       "shwo"
       "claud"
       "--file"
       "--json"
       "--reveal"
       "--username"
       "--api-key"
       "--api-key-stdin"
       "--base-url"
       "--allow-non-secure"
       "--profile"
       "--client-id"
       "--token"
       "--file=f.json"
       "--json=false"
       "--"
       "-x"
       "-"
       "ana"
       "f.json"
       "https://ana.carto.com"
       "sk_live_0123"
       "" |]

/// What a user sees of a parse: the command chosen, its tokens, what was left over, the errors.
let private reading (root: System.CommandLine.Command) (argv: string list) =
    let result = root.Parse(Array.ofList argv)

    (result.CommandResult.Command.Name,
     [ for token in result.Tokens -> string token.Type + ":" + token.Value ],
     List.ofSeq result.UnmatchedTokens,
     [ for error in result.Errors -> error.Message ])

let private tree builtIns =
    let terminal: Terminal =
        { Out = new StringWriter()
          Err = new StringWriter()
          OpenInput = fun () -> new MemoryStream() :> Stream
          IsInteractive = false }

    Program.rootCommand (CartoCreds.Core.Host.ofVariables []) terminal builtIns

[<Property(MaxTest = 500)>]
let ``without help, version, a response file or a directive, both roots read a command line alike`` () =
    let withBuiltIns = tree true
    let plain = tree false

    Prop.forAll (Gen.elements words |> Gen.listOf |> Arb.fromGen) (fun argv ->
        let full = reading withBuiltIns argv
        let short = reading plain argv

        Prop.label
            (sprintf "%A\nRootCommand: %A\nplain: %A" argv full short)
            (Program.needsBuiltIns argv || full = short))

[<Fact>]
let ``every name of the help and version options takes the full root`` () =
    for token in [ "-h"; "/h"; "--help"; "-?"; "/?"; "--version"; "@args.rsp"; "[suggest]" ] do
        Assert.True(Program.needsBuiltIns [ "show"; token ], token)

    // The built-in options: every option of the full root that the plain root does not have.
    let own = (tree false).Options |> Seq.map _.Name |> Set.ofSeq

    let help =
        (tree true).Options
        |> Seq.filter (fun o -> not (own.Contains o.Name))
        |> Seq.collect (fun o -> Seq.append [ o.Name ] o.Aliases)

    Assert.NotEmpty help

    for name in help do
        Assert.True(Program.needsBuiltIns [ name ], name + " is a built-in option the shortcut does not know")

    Assert.False(Program.needsBuiltIns [ "show"; "--file"; "f.json"; "--json" ])
