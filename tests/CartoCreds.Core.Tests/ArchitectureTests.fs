/// The functional core stays pure: the files that decide touch no disk, environment or console.
module CartoCreds.Core.Tests.ArchitectureTests

open System
open System.IO
open System.Text.RegularExpressions
open Xunit

let private sourceDirectory =
    let rec up (dir: DirectoryInfo) =
        if File.Exists(Path.Combine(dir.FullName, "CartoCreds.Functional.sln")) then
            Path.Combine(dir.FullName, "src", "CartoCreds.Core")
        else
            up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

/// Uses of I/O: files, directories, the environment, the console, processes, the clock.
let private io =
    Regex(
        @"\b(File|Directory|FileInfo|DirectoryInfo|FileStream|RandomAccess|Environment|Console|Process|DateTime|Stopwatch)\."
    )

[<Theory>]
[<InlineData("Result.fs")>]
[<InlineData("Values.fs")>]
[<InlineData("BaseUrl.fs")>]
[<InlineData("Credentials.fs")>]
[<InlineData("Files.fs")>]
[<InlineData("Codec.fs")>]
[<InlineData("Resolve.fs")>]
[<InlineData("Scope.fs")>]
[<InlineData("Location.fs")>]
[<InlineData("Messages.fs")>]
let ``the pure files of the core perform no I/O`` (file: string) =
    let uses =
        File.ReadAllLines(Path.Combine(sourceDirectory, file))
        |> Array.filter (fun line -> not (line.TrimStart().StartsWith "//"))
        |> Array.filter io.IsMatch

    Assert.Empty uses

[<Fact>]
let ``the check above sees I/O where there is some`` () =
    Assert.NotEmpty(File.ReadAllLines(Path.Combine(sourceDirectory, "Store.fs")) |> Array.filter io.IsMatch)

[<Fact>]
let ``the pure files come before the shell in compile order`` () =
    let project = File.ReadAllText(Path.Combine(sourceDirectory, "CartoCreds.Core.fsproj"))
    let position (name: string) = project.IndexOf("\"" + name + "\"")

    let pureFiles =
        [ "Result.fs"
          "Values.fs"
          "BaseUrl.fs"
          "Credentials.fs"
          "Files.fs"
          "Codec.fs"
          "Resolve.fs"
          "Scope.fs"
          "Location.fs"
          "Messages.fs" ]

    let shell = [ "Native.fs"; "Host.fs"; "Store.fs"; "Shell.fs" ]

    for decision in pureFiles do
        for impure in shell do
            Assert.True(position decision >= 0 && position decision < position impure, decision + " before " + impure)
