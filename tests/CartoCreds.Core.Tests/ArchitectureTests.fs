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

/// The functional core, in compile order: values, then the decisions over them. No I/O.
let private pureFiles =
    [ "Result.fs"
      "Values.fs"
      "BaseUrl.fs"
      "Credentials.fs"
      "DecodeError.fs"
      "Json.fs"
      "Decode.fs"
      "CloudValues.fs"
      "CloudCredentials.fs"
      "Files.fs"
      "Codec.fs"
      "CloudFiles.fs"
      "CliProfiles.fs"
      "Layer.fs"
      "Precedence.fs"
      "Resolve.fs"
      "Sha256.fs"
      "TokenExchange.fs"
      "TokenCache.fs"
      "CloudLayer.fs"
      "CloudResolve.fs"
      "Verification.fs"
      "Scope.fs"
      "DefaultSource.fs"
      "HostedPlatform.fs"
      "Location.fs"
      "ValueMessages.fs"
      "CallMessages.fs"
      "Messages.fs"
      "ProfileList.fs"
      "OAuthLogin.fs"
      "TenantConfig.fs"
      "Standings.fs" ]

/// The shell, after every pure file: system calls, the process, the disk, then what joins them.
let private shellFiles =
    [ "Native.fs"
      "Host.fs"
      "Disk.fs"
      "FileLock.fs"
      "Store.fs"
      "CliFile.fs"
      "Log.fs"
      "Shell.fs"
      "Http.fs"
      "Telemetry.fs"
      "TokenPost.fs"
      "TokenSource.fs"
      "Renewal.fs"
      "Verify.fs"
      "CloudSession.fs"
      "Browser.fs"
      "CallbackListener.fs"
      "LoginProfile.fs"
      "Login.fs"
      "DefaultCredentials.fs" ]

let private compiled () =
    Regex.Matches(
        File.ReadAllText(Path.Combine(sourceDirectory, "CartoCreds.Core.fsproj")),
        "<Compile Include=\"([^\"]+)\""
    )
    |> Seq.map (fun m -> m.Groups[1].Value)
    |> List.ofSeq

[<Fact>]
let ``the compile order is the architecture: the functional core, then the shell`` () =
    Assert.Equal<string list>(pureFiles @ shellFiles, compiled ())

[<Fact>]
let ``the pure files of the core perform no I/O`` () =
    for file in pureFiles do
        let uses =
            File.ReadAllLines(Path.Combine(sourceDirectory, file))
            |> Array.filter (fun line -> not (line.TrimStart().StartsWith "//"))
            |> Array.filter io.IsMatch

        Assert.True(Array.isEmpty uses, file + ": " + String.concat "\n" uses)

[<Fact>]
let ``the check above sees I/O where there is some`` () =
    for file in [ "Disk.fs"; "Store.fs" ] do
        Assert.NotEmpty(File.ReadAllLines(Path.Combine(sourceDirectory, file)) |> Array.filter io.IsMatch)

[<Fact>]
let ``every file of the core is short enough to read at once`` () =
    for file in compiled () do
        let length = File.ReadAllLines(Path.Combine(sourceDirectory, file)).Length
        Assert.True(length <= 250, file + " has " + string length + " lines")
