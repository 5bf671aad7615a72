// SPEC §4's save (`CodecDisk.save`: a private temporary file flushed to disk, renamed over the target,
// the directory flushed) against the least a durable atomic private save can do: the raw system
// calls, made directly. Timed as interleaved ratios (Ratio.fsx): ROUNDS rounds (default 30) of
// SAVES saves (default 20) each. Linux only. Run by `dotnet fsi build.fsx bench`.
#r "../src/CartoCreds.Core/bin/Release/net10.0/Microsoft.Extensions.Logging.Abstractions.dll"
#r "../src/CartoCreds.Core/bin/Release/net10.0/CartoCreds.Core.dll"
#load "Ratio.fsx"

open System
open System.IO
open System.Runtime.InteropServices
open CartoCreds.Core
open Ratio

module Libc =
    [<DllImport("libc", SetLastError = true)>]
    extern int ``open``(string path, int flags, int mode)

    [<DllImport("libc", SetLastError = true)>]
    extern nativeint write(int fd, byte[] buffer, nativeint count)

    [<DllImport("libc", SetLastError = true)>]
    extern int fsync(int fd)

    [<DllImport("libc", SetLastError = true)>]
    extern int close(int fd)

    [<DllImport("libc", SetLastError = true)>]
    extern int rename(string source, string target)

// Linux x86-64 and arm64 values.
let O_WRONLY = 0o1
let O_CREAT = 0o100
let O_EXCL = 0o200
let O_DIRECTORY = 0o200000
let O_CLOEXEC = 0o2000000

let check (what: string) (value: int64) =
    if value < 0L then
        failwithf "%s failed: errno %d" what (Marshal.GetLastPInvokeError())

let rounds = setting "ROUNDS" 30
let saves = setting "SAVES" 20
let directory = Directory.CreateTempSubdirectory("cartocreds-bench-save-").FullName
let target = Path.Combine(directory, "creds.json")
let floorTarget = Path.Combine(directory, "floor.json")
let temporary = Path.Combine(directory, ".floor.tmp")

let credentials =
    match
        Credentials.create
            { CredentialsInput.Empty with
                Username = Some "johnsmith"
                ApiKey = Some "3f1e0c9a2b7d4e5f6a7b8c9d" }
    with
    | Ok c -> c
    | Error e -> failwithf "%A" e

let bytes = Codec.encode credentials

/// open(O_CREAT | O_EXCL, 0600), write, fsync, close, rename: the file durable and atomic.
let rawSave () =
    let fd = Libc.``open`` (temporary, O_WRONLY ||| O_CREAT ||| O_EXCL ||| O_CLOEXEC, 0o600)
    check "open" (int64 fd)
    check "write" (int64 (Libc.write (fd, bytes, nativeint bytes.Length)))
    check "fsync" (int64 (Libc.fsync fd))
    check "close" (int64 (Libc.close fd))
    check "rename" (int64 (Libc.rename (temporary, floorTarget)))

/// The same, then the directory flushed (open, fsync, close), so the rename survives a power cut.
let rawSaveWithDirectory () =
    rawSave ()
    let dir = Libc.``open`` (directory, O_DIRECTORY ||| O_CLOEXEC, 0)
    check "open directory" (int64 dir)
    check "fsync directory" (int64 (Libc.fsync dir))
    check "close directory" (int64 (Libc.close dir))

let storeSave () =
    match CodecDisk.save target credentials with
    | Ok _ -> ()
    | Error e -> failwithf "%A" e

if not (OperatingSystem.IsLinux()) then
    printfn "save.fsx measures Linux system calls; skipped on this platform."
else
    printfn "a save of %d bytes, against the raw system calls (%d rounds of %d saves):" bytes.Length rounds saves
    compare "against the file's flush" rounds saves rawSave storeSave |> ignore
    compare "against file and directory" rounds saves rawSaveWithDirectory storeSave |> ignore

Directory.Delete(directory, true)
