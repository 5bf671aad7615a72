/// What every file implementation promises, as checks of one implementation in a directory of
/// the caller's: run here by `FileSystemTests` for Linux's and the portable Unix one, and under
/// Wine by `CartoCreds.Core.Tests.Windows` for Windows'. Each fails by an assertion.
module internal CartoCreds.Core.Tests.FileSystemContract

open System
open System.IO
open Xunit
open CartoCreds.Core

/// Regular files are read whole and bounded; a missing file, a directory and a file over the
/// bound are each named as such, and nothing is read of them.
let reads (name: string) (system: FileSystem) (directory: string) =
    let file = Path.Combine(directory, "creds.json")
    File.WriteAllText(file, "{\"api_key\": \"contract-key\"}")

    match (system.Read 64 true file).Content with
    | Ok bytes -> Assert.Equal("{\"api_key\": \"contract-key\"}", Text.Encoding.UTF8.GetString bytes.Span)
    | Error e -> failwithf "%s: %A" name e

    Assert.True(
        ((system.Read 64 true (Path.Combine(directory, "missing.json"))).Content = Error ReadError.NotFound),
        name
    )

    Assert.True(((system.Read 64 true directory).Content = Error ReadError.IsDirectory), name)

    match (system.Read 8 true file).Content with
    | Error(ReadError.TooLarge(size, 8)) -> Assert.Equal(27L, size)
    | other -> failwithf "%s: %A" name other

/// A file another reader of this library holds open is still read, and replaced no later than
/// the reader lets it go: readers share reading, writing and deletion. (On Unix the rename goes
/// through at once; Windows' classic rename waits for the reader to close, which `Replace` does.)
let readersNeverBlockWriters (name: string) (system: FileSystem) (directory: string) =
    let file = Path.Combine(directory, "shared.json")
    File.WriteAllText(file, "old")

    let reader =
        new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite ||| FileShare.Delete)

    Assert.True(Result.isOk (system.Read 64 true file).Content, name)
    let temporary = Path.Combine(directory, ".cartocreds-000000000001.tmp")
    system.WriteNew temporary (Text.Encoding.UTF8.GetBytes "new")
    // The reader is done 300 ms later, as a read of this library is done in microseconds.
    let closing = Threading.Tasks.Task.Delay(300).ContinueWith(fun _ -> reader.Dispose())
    let replaced = system.Replace temporary file
    closing.Wait()
    Assert.True((replaced = Ok()), sprintf "%s: %A" name replaced)
    Assert.Equal("new", File.ReadAllText file)
    Assert.False(File.Exists temporary, name)

/// A new file cannot be written over one that exists: `WriteNew` makes only new files.
let writesOnlyNewFiles (name: string) (system: FileSystem) (directory: string) =
    let file = Path.Combine(directory, "new.json")
    system.WriteNew file (Text.Encoding.UTF8.GetBytes "first")

    Assert.ThrowsAny<IOException>(fun () -> system.WriteNew file (Text.Encoding.UTF8.GetBytes "second")) |> ignore

    Assert.True((File.ReadAllText file = "first"), name)

/// The lock is exclusive, a second taker gives up after its wait naming the lock, and it is
/// taken again once released.
let lockIsExclusive (name: string) (system: FileSystem) (directory: string) =
    let lockPath = Path.Combine(directory, "creds.json.lock")

    match system.Lock lockPath (TimeSpan.FromSeconds 1.0) with
    | Error e -> failwithf "%s: %A" name e
    | Ok held ->
        // A second taker in this process (another descriptor or handle) waits, then says who holds it.
        match system.Lock lockPath (TimeSpan.FromMilliseconds 100.0) with
        | Error(StoreError.Locked(path, _)) -> Assert.Equal(lockPath, path)
        | other -> failwithf "%s: a second lock was %A" name other

        held.Dispose()

        match system.Lock lockPath (TimeSpan.FromSeconds 1.0) with
        | Ok again -> again.Dispose()
        | Error e -> failwithf "%s: not taken again: %A" name e

/// A lock held past 10 s is waited for as a loop against its deadline (SPEC §7.3's wait of the
/// CARTO CLI file), then given up: a retry made by recursing in the exception handler grew the
/// stack a frame a try, and overflowed past about 8 s under Wine.
let lockHeldPastItsWait (name: string) (system: FileSystem) (directory: string) =
    let lockPath = Path.Combine(directory, "creds.json.lock")

    match system.Lock lockPath (TimeSpan.FromSeconds 1.0) with
    | Error e -> failwithf "%s: %A" name e
    | Ok held ->
        use _ = held
        let watch = Diagnostics.Stopwatch.StartNew()

        match system.Lock lockPath (TimeSpan.FromSeconds 10.5) with
        | Error(StoreError.Locked(path, seconds)) ->
            Assert.Equal(lockPath, path)
            Assert.Equal(10.5, seconds)
        | other -> failwithf "%s: a second lock was %A" name other

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds 10.4, TimeSpan.FromSeconds 20.0)
