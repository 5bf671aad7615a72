/// The core's folders are its architecture (docs/ARCHITECTURE.md): the pure domain, then the shell,
/// a folder per concern; the domain touches no disk, environment, console, clock or network.
module CartoCreds.Core.Tests.ArchitectureTests

open System
open System.IO
open System.Text.RegularExpressions
open Xunit

let private repository =
    let rec up (dir: DirectoryInfo) =
        if File.Exists(Path.Combine(dir.FullName, "CartoCreds.Functional.sln")) then
            dir.FullName
        else
            up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

let private sourceDirectory = Path.Combine(repository, "src", "CartoCreds.Core")

/// Uses of I/O: files, directories, the environment, the console, processes, the clock.
let private io =
    Regex(
        @"\b(File|Directory|FileInfo|DirectoryInfo|FileStream|RandomAccess|Environment|Console|Process|DateTime|Stopwatch)\."
    )

/// Namespaces of I/O, threads and logging, which no domain file opens or names.
let private ioNamespace =
    Regex(
        @"\b(System\.IO|System\.Net\.Http|System\.Diagnostics|System\.Threading|System\.Runtime\.InteropServices|Microsoft\.Extensions)\b"
    )

/// The compiled files, in compile order, as paths relative to the project (`Domain/Json/Json.fs`).
let private compiled () =
    Regex.Matches(
        File.ReadAllText(Path.Combine(sourceDirectory, "CartoCreds.Core.fsproj")),
        "<Compile Include=\"([^\"]+)\""
    )
    |> Seq.map (fun m -> m.Groups[1].Value.Replace('\\', '/'))
    |> List.ofSeq

/// The side of the house a file is on: `Domain` or `Shell`.
let private side (file: string) = file.Split('/')[0]

/// The folder of a file: `Domain/Json`.
let private folder (file: string) = Path.GetDirectoryName(file).Replace('\\', '/')

let private code (file: string) =
    File.ReadAllLines(Path.Combine(sourceDirectory, file))
    |> Array.filter (fun line -> not (line.TrimStart().StartsWith "//"))

let private pureFiles () = compiled () |> List.filter (fun f -> side f = "Domain")

[<Fact>]
let ``every file of the core is in a folder of the domain or of the shell, two deep`` () =
    for file in compiled () do
        let parts = file.Split '/'
        Assert.True(parts.Length = 3 && (parts[0] = "Domain" || parts[0] = "Shell"), file)

[<Fact>]
let ``every pure file compiles before every shell file`` () =
    let sides = compiled () |> List.map side
    let firstShell = List.findIndex ((=) "Shell") sides
    Assert.DoesNotContain("Domain", List.skip firstShell sides)
    Assert.Contains("Domain", List.take firstShell sides)

[<Fact>]
let ``a folder's files compile together, so each folder is one step of the reading order`` () =
    let folders = compiled () |> List.map folder

    let runs =
        folders |> List.fold (fun runs f -> if List.tryHead runs = Some f then runs else f :: runs) []

    Assert.Equal<string list>(List.distinct runs, runs)

[<Fact>]
let ``every source file in the folders is compiled, and no source file lies at the core's root`` () =
    let onDisk =
        Directory.GetFiles(sourceDirectory, "*.fs", SearchOption.AllDirectories)
        |> Array.map (fun p -> Path.GetRelativePath(sourceDirectory, p).Replace('\\', '/'))
        |> Array.filter (fun p -> not (p.StartsWith "obj/" || p.StartsWith "bin/"))
        |> Set.ofArray

    Assert.Equal<Set<string>>(Set.ofList (compiled ()), onDisk)

[<Fact>]
let ``the pure files of the core perform no I/O`` () =
    for file in pureFiles () do
        let uses = code file |> Array.filter (fun line -> io.IsMatch line || ioNamespace.IsMatch line)
        Assert.True(Array.isEmpty uses, file + ": " + String.concat "\n" uses)

[<Fact>]
let ``the check above sees I/O where there is some`` () =
    let shell = compiled () |> List.filter (fun f -> side f = "Shell")

    for name in [ "Disk.fs"; "CodecDisk.fs"; "Http.fs"; "Log.fs" ] do
        let file = shell |> List.find (fun f -> Path.GetFileName f = name)
        Assert.NotEmpty(code file |> Array.filter (fun line -> io.IsMatch line || ioNamespace.IsMatch line))

[<Fact>]
let ``the core's tests mirror its folders`` () =
    let tests = Path.Combine(repository, "tests", "CartoCreds.Core.Tests")
    let sourceFolders = compiled () |> List.map folder |> Set.ofList

    let testFolders =
        [ "Domain"; "Shell" ]
        |> List.collect (fun s -> Directory.GetDirectories(Path.Combine(tests, s)) |> List.ofArray)
        |> List.map (fun d -> Path.GetRelativePath(tests, d).Replace('\\', '/'))

    Assert.NotEmpty testFolders

    for f in testFolders do
        Assert.True(sourceFolders.Contains f, f + " names no folder of src/CartoCreds.Core")
