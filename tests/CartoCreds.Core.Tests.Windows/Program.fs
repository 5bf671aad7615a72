/// The core's Windows checks, run under Wine (or on Windows): the file contract of `WindowsFiles`,
/// a replace over a file another program holds open, a save of the store, and the Credential
/// Manager's round trip. One line a check, `ok NAME` or `FAIL NAME: why`; the exit code is the
/// number of failures.
module CartoCreds.Core.Tests.Windows.Program

open System
open System.IO
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests

let private system = WindowsFiles.system

/// The file primitives this process uses are Windows' own.
let private chosen (_: string) =
    Assert.True(obj.ReferenceEquals(FileSystems.current, WindowsFiles.system), "FileSystems.current")

/// A replace over a file another program holds open without sharing its deletion waits for it,
/// then says it is in use; the target is left as it was.
let private heldOpen (directory: string) =
    let file = Path.Combine(directory, "held.json")
    File.WriteAllText(file, "old")
    let temporary = Path.Combine(directory, ".cartocreds-000000000002.tmp")
    system.WriteNew temporary (Text.Encoding.UTF8.GetBytes "new")

    do
        use _ = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read)
        let watch = Diagnostics.Stopwatch.StartNew()
        let replaced = system.Replace temporary file
        Assert.True((replaced = Error IoProblem.InUse), sprintf "%A" replaced)

        Assert.InRange(
            watch.Elapsed,
            WindowsFiles.replaceWait - TimeSpan.FromMilliseconds 100.0,
            TimeSpan.FromSeconds 10.0
        )

        Assert.Equal("old", File.ReadAllText file)

    // Closed, the same replace goes through.
    let replaced = system.Replace temporary file
    Assert.True((replaced = Ok()), sprintf "%A" replaced)
    Assert.Equal("new", File.ReadAllText file)

/// A save of the store writes the file whole and leaves no temporary file, over an older one too.
let private saves (directory: string) =
    let file = Path.Combine(directory, "cartoframes", "creds.json")

    for text in [ "{\"first\": 1}"; "{\"second\": 2}" ] do
        match CodecDisk.write file (Text.Encoding.UTF8.GetBytes text) with
        | Ok written -> Assert.Equal(Path.GetFullPath file, written)
        | Error e -> failwith (ValueMessages.storeError e)

        Assert.Equal(text, File.ReadAllText file)

    Assert.Empty(Directory.GetFiles(Path.GetDirectoryName file, "*.tmp"))

let private checks: (string * (string -> unit)) list =
    [ "the file primitives are Windows'", chosen
      "reads are bounded and name what they are not", FileSystemContract.reads "Windows" system
      "a new file is only ever new", FileSystemContract.writesOnlyNewFiles "Windows" system
      "a reader never blocks a writer", FileSystemContract.readersNeverBlockWriters "Windows" system
      "a file held open is waited for, then said to be in use", heldOpen
      "a save is whole and leaves no temporary file", saves
      "the lock is exclusive and taken again once released", FileSystemContract.lockIsExclusive "Windows" system
      "a lock held past 10 s is given up at its deadline", FileSystemContract.lockHeldPastItsWait "Windows" system
      "the Credential Manager round trip", (fun _ -> KeychainContract.roundTrip (WindowsCredentialManager())) ]

[<EntryPoint>]
let main _ =
    let failures =
        checks
        |> List.filter (fun (name, check) ->
            let directory = Directory.CreateTempSubdirectory("cartocreds-windows-").FullName

            try
                try
                    check directory
                    printfn "ok %s" name
                    false
                with e ->
                    // One line a failure: the assertion's message, its lines joined.
                    printfn "FAIL %s: %s" name (e.Message.ReplaceLineEndings " ")
                    true
            finally
                try
                    Directory.Delete(directory, true)
                with _ ->
                    ())

    failures.Length
