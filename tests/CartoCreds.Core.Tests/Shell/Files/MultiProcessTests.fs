/// SPEC §4 across processes: modes under any umask, and readers that never see a torn file.
module CartoCreds.Core.Tests.MultiProcessTests

open System
open System.Diagnostics
open System.IO
open System.Text
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators
open CartoCreds.Core.Tests.Support

let private mode (path: string) = File.GetUnixFileMode path

let private startWorker = Worker.start
let private finish = Worker.finish

[<UnixTheory("umask and Unix modes")>]
[<InlineData("000")>]
[<InlineData("022")>]
[<InlineData("277")>]
let ``the file is 0600 and new directories 0700 whatever the umask`` (umask: string) =
    use box = new Sandbox()
    let path = box.Path("deep", "er", "creds.json")

    let code, output, errors =
        startWorker (Some umask) [ "HOME", box.Root ] [ "save"; path; "ana"; "0123456789abcdef" ] |> finish

    Assert.True((code = 0), errors)
    Assert.Equal(path, output)
    Assert.Equal(UnixFileMode.UserRead ||| UnixFileMode.UserWrite, mode path)
    let rwx = UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute
    Assert.Equal(rwx, mode (box.Path "deep"))
    Assert.Equal(rwx, mode (box.Path("deep", "er")))

[<UnixFact("the workers are started through bash")>]
let ``while writer processes save repeatedly, reader processes never fail or see a torn file`` () =
    use box = new Sandbox()
    let path = box.Path "creds.json"
    let stop = box.Path "stop"
    let env = [ "HOME", box.Root ]
    let first, _, firstErrors = startWorker None env [ "write"; path; "1" ] |> finish
    Assert.True((first = 0), firstErrors)
    let readers = [ for _ in 1..2 -> startWorker None env [ "read"; path; stop; "120" ] ]
    let writers = [ for _ in 1..2 -> startWorker None env [ "write"; path; "300" ] ]
    let written = writers |> List.map finish
    File.WriteAllText(stop, "")
    let read = readers |> List.map finish

    for code, _, errors in written do
        Assert.True((code = 0), $"a writer failed: {errors}")

    for code, output, errors in read do
        Assert.True((code = 0), $"a reader failed: {errors}")
        Assert.True(int output > 0, "a reader read nothing")

    File.Delete stop
    Assert.Equal<string[]>([| path |], Directory.GetFileSystemEntries box.Root)
