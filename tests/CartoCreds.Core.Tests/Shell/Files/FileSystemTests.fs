/// One contract, one implementation per platform: Linux's system calls (`LinuxFiles`) and a Unix's
/// managed APIs (`PortableFiles`, what macOS runs) read, judge and lock the same files the same
/// way. Both are run here, on real files in a sandbox of their own; Windows' (`WindowsFiles`) keeps
/// the contract's checks under Wine (`WindowsFilesTests`).
module CartoCreds.Core.Tests.FileSystemTests

open System
open System.IO
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

let private systems = [ "Linux", LinuxFiles.system; "portable", PortableFiles.system ]

let private contentOf (read: FileRead) =
    match read.Content with
    | Ok bytes -> Ok(Text.Encoding.UTF8.GetString bytes.Span)
    | Error e -> Error e

[<LinuxFact("Linux's system calls are compared with the managed APIs")>]
let ``both implementations read the same files the same way`` () =
    use box = new Sandbox()
    let dir = Directory.CreateDirectory(box.Path "files").FullName
    File.SetUnixFileMode(dir, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)

    let file name (text: string) =
        let p = Path.Combine(dir, name) in
        File.WriteAllText(p, text)
        p

    let small = file "small.json" "{\"username\": \"ana\"}"
    let empty = file "empty.json" ""
    let large = file "large.json" (String('x', 100))
    let link = Path.Combine(dir, "link.json")
    File.CreateSymbolicLink(link, small) |> ignore

    let cases =
        [ small, true, Ok "{\"username\": \"ana\"}"
          empty, true, Ok ""
          large, true, Error(ReadError.TooLarge(100L, 64))
          Path.Combine(dir, "missing.json"), true, Error ReadError.NotFound
          Path.Combine(dir, "no", "such.json"), true, Error ReadError.NotFound
          dir, true, Error ReadError.IsDirectory
          link, true, Ok "{\"username\": \"ana\"}"
          link, false, Error ReadError.NotRegular ]

    for name, system in systems do
        for path, follow, expected in cases do
            let read = system.Read 64 follow path
            Assert.True((contentOf read = expected), $"{name}: {path} (follow {follow}): %A{read.Content}")

        // A link read where none may be followed is named as such; a private file is exposed to no one.
        Assert.Equal(Some(Exposure.SymbolicLink link), (system.Read 64 false link).Exposure)
        Assert.Equal(None, (system.Read 64 true small).Exposure)

[<LinuxFact("Linux's system calls are compared with the managed APIs")>]
let ``both implementations see a file or directory that others may write`` () =
    use box = new Sandbox()
    let dir = Directory.CreateDirectory(box.Path "shared").FullName
    let path = Path.Combine(dir, "creds.json")
    File.WriteAllText(path, "{}")
    File.SetUnixFileMode(dir, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)
    File.SetUnixFileMode(path, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.GroupWrite)

    for name, system in systems do
        Assert.True(
            ((system.Read 64 true path).Exposure = Some(Exposure.WritableByOthers(path, 0o620))),
            name + ": the group-writable file"
        )

        Assert.Equal(None, system.DirectoryTrust true dir)
        Assert.Equal(None, system.DirectoryExposure dir)
        Assert.Equal(Some FileKind.Directory, system.KindAt dir)
        Assert.Equal(Some FileKind.Regular, system.KindAt path)
        Assert.Equal(None, system.KindAt(Path.Combine(dir, "missing")))

    File.SetUnixFileMode(dir, enum<UnixFileMode> 0o777)

    for name, system in systems do
        Assert.True((system.DirectoryTrust true dir = Some(Exposure.WritableByOthers(dir, 0o777))), name)
        Assert.True((system.DirectoryExposure dir = Some(Exposure.WritableByOthers(dir, 0o777))), name)

    // A sticky directory (as /tmp) lets no one else replace a file in it.
    File.SetUnixFileMode(dir, enum<UnixFileMode> 0o1777)

    for name, system in systems do
        Assert.True((system.DirectoryExposure dir = None), name)

[<LinuxFact("Linux's flock is compared with the managed lock")>]
let ``each implementation's lock is exclusive, gives up after the wait, and is taken again once released`` () =
    for name, system in systems do
        use box = new Sandbox()
        FileSystemContract.lockIsExclusive name system box.Root

[<LinuxFact("Linux's flock is compared with the managed lock")>]
let ``a lock held past 10 s is waited for as a loop against its deadline, by each implementation, then given up`` () =
    for name, system in systems do
        use box = new Sandbox()
        FileSystemContract.lockHeldPastItsWait name system box.Root

[<LinuxFact("each implementation keeps the contract")>]
let ``each implementation reads bounded regular files, writes only new files, and is never blocked by a reader`` () =
    for name, system in systems do
        use box = new Sandbox()
        FileSystemContract.reads name system box.Root
        FileSystemContract.writesOnlyNewFiles name system box.Root
        FileSystemContract.readersNeverBlockWriters name system box.Root

[<LinuxFact("Linux's openat read of a private file is compared with the managed one")>]
let ``both implementations read a private file only through a directory of the user's own that is no link`` () =
    use box = new Sandbox()
    let private' = UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute
    let outer = Directory.CreateDirectory(box.Path "cartocreds").FullName
    let tokens = Directory.CreateDirectory(Path.Combine(outer, "tokens")).FullName
    File.SetUnixFileMode(outer, private')
    File.SetUnixFileMode(tokens, private')
    let file = Path.Combine(tokens, "t.json")
    File.WriteAllText(file, "{\"token\": 1}")
    File.SetUnixFileMode(file, UnixFileMode.UserRead ||| UnixFileMode.UserWrite)

    // The same tokens directory reached through a link, and a file reached through a link.
    let elsewhere = Directory.CreateDirectory(Path.Combine(outer, "elsewhere")).FullName
    File.SetUnixFileMode(elsewhere, private')
    let linked = Path.Combine(outer, "linked")
    Directory.CreateSymbolicLink(linked, tokens) |> ignore
    let fileLink = Path.Combine(tokens, "l.json")
    File.CreateSymbolicLink(fileLink, file) |> ignore

    let answer (result: Result<FileRead, Exposure>) =
        match result with
        | Ok read -> Ok(contentOf read)
        | Error exposure -> Error exposure

    let cases =
        [ file, Ok(Ok "{\"token\": 1}")
          Path.Combine(tokens, "missing.json"), Ok(Error ReadError.NotFound)
          Path.Combine(outer, "none", "t.json"), Ok(Error ReadError.NotFound)
          Path.Combine(linked, "t.json"), Error(Exposure.SymbolicLink linked)
          fileLink, Error(Exposure.SymbolicLink fileLink) ]

    for name, system in systems do
        for path, expected in cases do
            let got = answer (system.ReadPrivate 64 path)
            Assert.True((got = expected), $"{name}: {path}: %A{got}")

    // A tokens directory others may write, and one whose parent others may write: nothing is read.
    File.SetUnixFileMode(tokens, enum<UnixFileMode> 0o777)

    for name, system in systems do
        Assert.True((answer (system.ReadPrivate 64 file) = Error(Exposure.WritableByOthers(tokens, 0o777))), name)

    File.SetUnixFileMode(tokens, private')
    File.SetUnixFileMode(outer, enum<UnixFileMode> 0o777)

    for name, system in systems do
        Assert.True((answer (system.ReadPrivate 64 file) = Error(Exposure.WritableByOthers(outer, 0o777))), name)

    File.SetUnixFileMode(outer, private')
    File.SetUnixFileMode(file, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.OtherWrite)

    for name, system in systems do
        Assert.True((answer (system.ReadPrivate 64 file) = Error(Exposure.WritableByOthers(file, 0o602))), name)
