/// SPEC §4 and the hardening of issue 10: only regular files are read, replaced or removed;
/// nothing waits on a FIFO; a saved session another user could change is refused.
module CartoCreds.Core.Tests.FileSafetyTests

open System
open System.Diagnostics
open System.IO
open System.Net.Sockets
open System.Text
open System.Threading.Tasks
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators
open CartoCreds.Core.Tests.Support

let private ana = make (Some "ana") (Some "0123456789abcdef") None

let private run = Processes.succeed

let private mkfifo (path: string) = run "mkfifo" [ path ]

/// Within a time bound: a call that would block forever fails the test instead of hanging it.
let private within (seconds: int) (work: unit -> 'T) : 'T =
    let task = Task.Run work

    if task.Wait(TimeSpan.FromSeconds(float seconds)) then
        task.Result
    else
        failwithf "did not finish within %d s" seconds

let private readError (path: string) =
    match (CodecDisk.read path).Content with
    | Error e -> e
    | Ok _ -> failwithf "expected %s to be refused" path

[<LinuxFact("FIFOs are opened without blocking on Linux only")>]
let ``a FIFO as a credentials file is refused at once, never waited on`` () =
    use box = new Sandbox()
    let fifo = box.Path "creds.json"
    mkfifo fifo
    Assert.Equal(ReadError.NotRegular, within 10 (fun () -> readError fifo))

    match within 10 (fun () -> Shell.load (box.Host []) (Some fifo)) with
    | Error(ResolveError.InvalidLayer(_, Layer.File, path, LayerProblem.Unreadable ReadError.NotRegular)) ->
        Assert.Equal(fifo, path)
    | other -> failwithf "%A" other

[<LinuxFact("FIFOs are opened without blocking on Linux only")>]
let ``a FIFO as the saved session is refused at once`` () =
    use box = new Sandbox()
    Directory.CreateDirectory box.ConfigDirectory |> ignore
    mkfifo box.SavedPath

    match within 10 (fun () -> Shell.resolve (box.Host []) (Request.ofArguments Arguments.None)) with
    | Error(ResolveError.InvalidLayer(_, Layer.SavedSession, _, LayerProblem.Unreadable ReadError.NotRegular)) -> ()
    | other -> failwithf "%A" other

[<LinuxFact("device files and /proc are Linux's")>]
let ``devices and sockets are not regular files; /proc files are read, not called empty`` () =
    Assert.Equal(ReadError.NotRegular, readError "/dev/null")
    Assert.Equal(ReadError.NotRegular, readError "/dev/urandom")
    use box = new Sandbox()
    let socketPath = box.Path "sock"
    use socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
    socket.Bind(UnixDomainSocketEndPoint socketPath)
    Assert.Equal(ReadError.NotRegular, readError socketPath)

    match (CodecDisk.read "/proc/self/status").Content with
    | Ok bytes -> Assert.True(bytes.Length > 0)
    | Error e -> failwithf "%A" e

/// A null device of the sandbox's own (`mknod`, as root), so that a regression replaces it and
/// not the machine's `/dev/null`; `None` where devices cannot be made.
let private nullDevice (box: Sandbox) : string option =
    let path = box.Path "null"

    match Processes.run "mknod" [ path; "c"; "1"; "3" ] with
    | 0, _, _ -> Some path
    | _ -> None

[<LinuxFact("FIFOs and device files are Linux's here")>]
let ``save and delete refuse a device, a FIFO or a socket, and leave it as it was`` () =
    use box = new Sandbox()
    let fifo = box.Path "fifo.json"
    mkfifo fifo
    Assert.Equal(Error(StoreError.NotRegular fifo), within 10 (fun () -> CodecDisk.save fifo ana))
    Assert.Equal(Error(StoreError.NotRegular fifo), CodecDisk.delete fifo)
    Assert.True(File.Exists fifo)

    match nullDevice box with
    | Some device ->
        Assert.Equal(Error(StoreError.NotRegular device), CodecDisk.save device ana)
        Assert.Equal(Error(StoreError.NotRegular device), CodecDisk.delete device)
        Assert.Equal(ReadError.NotRegular, readError device)
        use reader = File.OpenRead device
        Assert.Equal(-1, reader.ReadByte()) // still the null device
    | None -> () // not root: the FIFO above stands for every kind that is not a regular file

    // Nothing was written beside them: no temporary file, no replacement.
    Assert.All(Directory.GetFileSystemEntries box.Root, (fun entry -> Assert.False(entry.EndsWith ".tmp")))

[<UnixFact("symbolic links need Unix here")>]
let ``a link to a regular file is still replaced by the file, as before`` () =
    use box = new Sandbox()
    let target = box.Path "target.json"
    File.WriteAllText(target, "{}")
    let link = box.Path "link.json"
    File.CreateSymbolicLink(link, target) |> ignore
    Assert.Equal(Ok link, CodecDisk.save link ana)
    Assert.Equal("{}", File.ReadAllText target)
    Assert.Null((FileInfo link).LinkTarget)

[<Fact>]
let ``a file name of 244 characters can be saved: the temporary name is short`` () =
    use box = new Sandbox()
    let path = box.Path(String('c', 239) + ".json")
    Assert.Equal(Ok path, CodecDisk.save path ana)
    Assert.Equal(ana, (Shell.load (box.Host []) (Some path) |> ok).Credentials)

[<Fact>]
let ``a UTF-16 file says so`` () =
    use box = new Sandbox()
    let path = box.Path "creds.json"
    File.WriteAllText(path, """{"username": "ana"}""", UnicodeEncoding(false, true))

    match Shell.load (box.Host []) (Some path) with
    | Error e -> Assert.EndsWith("it is UTF-16 text; save it as UTF-8.", Messages.resolveError e)
    | Ok _ -> failwith "a UTF-16 file was read"

// ---- strict modes ----

let private chmod (mode: int) (path: string) = File.SetUnixFileMode(path, enum<UnixFileMode> mode)

[<UnixFact("Unix modes")>]
let ``a saved session in a directory others can write to is refused, naming the directory and how to fix it`` () =
    use box = new Sandbox()
    let host = box.Host []
    Shell.save host None ana |> ok |> ignore
    chmod 0o777 box.ConfigDirectory

    match Shell.resolve host (Request.ofArguments Arguments.None) with
    | Error(ResolveError.InvalidLayer(_,
                                      Layer.SavedSession,
                                      _,
                                      LayerProblem.Exposed(Exposure.WritableByOthers(path, 0o777))) as e) ->
        Assert.Equal(box.ConfigDirectory, path)

        Assert.Equal(
            "Invalid credentials in Saved session ("
            + box.SavedPath
            + "): "
            + box.ConfigDirectory
            + " is writable by other users (mode 0777); another user could replace your credentials. Fix it with: chmod go-w "
            + box.ConfigDirectory
            + " (or set CARTOCREDS_INSECURE_PERMISSIONS=1 to use it all the same).",
            Messages.resolveError e
        )
    | other -> failwithf "%A" other

    let allowed =
        Shell.resolve (box.Host [ "CARTOCREDS_INSECURE_PERMISSIONS", "1" ]) (Request.ofArguments Arguments.None) |> ok

    Assert.Equal(ana, allowed.Credentials)

    Assert.Equal<Warning list>(
        [ Warning.Exposed(Exposure.WritableByOthers(box.ConfigDirectory, 0o777)) ],
        allowed.Warnings
    )

[<LinuxFact("owners are read on Linux")>]
let ``a saved session others can write to, or owned by another user, is refused`` () =
    use box = new Sandbox()
    let host = box.Host []
    Shell.save host None ana |> ok |> ignore
    chmod 0o622 box.SavedPath

    match Shell.load host None with
    | Error(ResolveError.InvalidLayer(_, _, _, LayerProblem.Exposed(Exposure.WritableByOthers(path, 0o622)))) ->
        Assert.Equal(box.SavedPath, path)
    | other -> failwithf "%A" other

    chmod 0o600 box.SavedPath
    run "chown" [ "12345"; box.SavedPath ]

    match Shell.load host None with
    | Error(ResolveError.InvalidLayer(_, _, _, LayerProblem.Exposed(Exposure.OwnedByOther(path, 12345L)))) ->
        Assert.Equal(box.SavedPath, path)
    | other -> failwithf "%A" other

[<UnixFact("Unix modes")>]
let ``a named file others can write to is read, with a warning`` () =
    use box = new Sandbox()
    let path = box.Path "team.json"
    CodecDisk.save path ana |> ok |> ignore
    chmod 0o666 path

    let resolved =
        Shell.resolve (box.Host []) { (Request.ofArguments Arguments.None) with CredFile = Some path } |> ok

    Assert.Equal(ana, resolved.Credentials)

    Assert.Equal<string list>(
        [ "warning: "
          + path
          + " is writable by other users (mode 0666); another user could replace your credentials. Fix it with: chmod go-w "
          + path ],
        resolved.Warnings |> List.map Messages.warning
    )

[<Fact>]
let ``a private saved session in a private directory gives no warning`` () =
    use box = new Sandbox()
    let host = box.Host []
    Shell.save host None ana |> ok |> ignore
    Assert.Empty((Shell.resolve host (Request.ofArguments Arguments.None) |> ok).Warnings)

// ---- leftovers and durability ----

[<Fact>]
let ``a save removes temporary files that killed writers left, older than a minute, and nothing else`` () =
    use box = new Sandbox()
    let directory = box.Path "team"
    Directory.CreateDirectory directory |> ignore
    let old = DateTime.UtcNow.AddMinutes -5.0

    let place (name: string) (written: DateTime) =
        let path = Path.Combine(directory, name)
        File.WriteAllText(path, "{")
        File.SetLastWriteTimeUtc(path, written)
        path

    let stale = place ".cartocreds-0123456789ab.tmp" old
    let staleOldName = place (".creds.json." + String('f', 32) + ".tmp") old
    let live = place ".cartocreds-ba9876543210.tmp" DateTime.UtcNow
    let someoneElses = place ".other.tmp" old
    let alike = place ".cartocreds-notours.tmp" old

    CodecDisk.save (Path.Combine(directory, "creds.json")) ana |> ok |> ignore

    Assert.False(File.Exists stale)
    Assert.False(File.Exists staleOldName)
    Assert.True(File.Exists live)
    Assert.True(File.Exists someoneElses)
    Assert.True(File.Exists alike)

/// A fact that needs `strace`, skipped with the reason where there is none.
type StraceFactAttribute() as this =
    inherit FactAttribute()

    do
        if not (OperatingSystem.IsLinux()) || not (File.Exists "/usr/bin/strace") then
            this.Skip <- "needs Linux and /usr/bin/strace to watch the system calls of a save"

[<StraceFact>]
let ``a save flushes the file, renames it, then flushes the directory`` () =
    use box = new Sandbox()
    let trace = box.Path "trace.txt"
    let target = box.Path "creds.json"
    let worker = Path.Combine(AppContext.BaseDirectory, "CartoCreds.Core.Tests.Worker.dll")

    run
        "strace"
        [ "-f"
          "-qq"
          "-e"
          "trace=fsync,fdatasync,rename,renameat,renameat2"
          "-o"
          trace
          "dotnet"
          worker
          "write"
          target
          "1" ]

    let calls =
        File.ReadAllLines trace
        |> Array.choose (fun line ->
            if line.Contains "fsync(" || line.Contains "fdatasync(" then Some "sync"
            elif line.Contains "rename" && line.Contains target then Some "rename"
            else None)
        |> List.ofArray

    let renamed = calls |> List.findIndex ((=) "rename")
    Assert.True(renamed > 0 && calls[renamed - 1] = "sync", sprintf "%A" calls)
    Assert.Contains("sync", calls |> List.skip (renamed + 1))
