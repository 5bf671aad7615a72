namespace CartoCreds.Core

#nowarn "9" // pointers to pinned buffers, for the system calls below

open System
open System.IO
open System.Runtime.InteropServices
open Microsoft.FSharp.NativeInterop

/// What the operating system says of a file: its type, size, mode and owner.
[<RequireQualifiedAccess>]
type FileKind =
    | Regular
    | Directory
    /// A symbolic link, as `lstat` reports it (a `stat` that follows links never does).
    | Link
    | Other

/// The facts of `stat` that the store needs.
type FileFacts = { Kind: FileKind; Size: int64; Mode: int; Owner: int64 }

/// The few Linux system calls .NET does not expose: `statx` (a file's type and owner, which
/// `FileSystemInfo` does not give), `open` with `O_NONBLOCK` (so a FIFO is never waited on) and
/// `fsync` of a directory. Their structures are the same on every Linux architecture, and so are
/// their flags but `O_NOFOLLOW` and `O_DIRECTORY`, which Arm numbers its own way.
/// `LinuxFiles` is built on them; elsewhere, and where a call is missing, `PortableFiles` is used.
module internal Native =

    [<DllImport("libc", EntryPoint = "statx", SetLastError = true)>]
    extern int private statx(int dirfd, nativeint path, int flags, uint32 mask, nativeint buffer)

    [<DllImport("libc", EntryPoint = "open", SetLastError = true)>]
    extern int private openFile(nativeint path, int flags, int mode)

    [<DllImport("libc", EntryPoint = "openat", SetLastError = true)>]
    extern int private openAtFile(int dirfd, nativeint path, int flags, int mode)

    [<DllImport("libc", EntryPoint = "read", SetLastError = true)>]
    extern nativeint private readFile(int fd, nativeint buffer, unativeint count)

    [<DllImport("libc", EntryPoint = "close", SetLastError = true)>]
    extern int private closeFile(int fd)

    [<DllImport("libc", EntryPoint = "fsync", SetLastError = true)>]
    extern int private fsyncFile(int fd)

    [<DllImport("libc", EntryPoint = "flock", SetLastError = true)>]
    extern int private flockFile(int fd, int operation)

    [<DllImport("libc", EntryPoint = "geteuid")>]
    extern uint32 private geteuid()

    let private atFdCwd = -100
    let private atEmptyPath = 0x1000
    let private statxBasic = 0x7FFu // type, mode, nlink, uid, gid, times, ino, size, blocks
    let private statxSize = 256
    let private oReadOnly = 0
    let private oNonBlock = 0x800
    let private oNoCtty = 0x100
    let private oCloexec = 0x80000
    let private oReadWrite = 2
    let private oCreate = 0x40
    /// Arm's `open` flags differ from the generic ones for these two.
    let private arm = RuntimeInformation.ProcessArchitecture.ToString().StartsWith "Arm"

    let private oNoFollow = if arm then 0x8000 else 0x20000
    let private oDirectory = if arm then 0x4000 else 0x10000
    let private atSymlinkNoFollow = 0x100
    let private lockExclusive = 2
    let private lockNonBlocking = 4
    let private lockRelease = 8
    let private eIntr = 4

    /// Linux errno values.
    [<Literal>]
    let ENOENT = 2

    [<Literal>]
    let ENOTDIR = 20

    [<Literal>]
    let ELOOP = 40

    /// Whether these calls are used: on Linux, unless a call turned out to be missing.
    let mutable available = OperatingSystem.IsLinux()

    let private errno () = Marshal.GetLastPInvokeError()

    let private utf8z (path: string) =
        let bytes = Text.Encoding.UTF8.GetBytes path
        Array.append bytes [| 0uy |]

    let private facts (buffer: byte[]) =
        let mode = int (BitConverter.ToUInt16(buffer, 28))

        { Kind =
            (match mode &&& 0o170000 with
             | 0o100000 -> FileKind.Regular
             | 0o040000 -> FileKind.Directory
             | 0o120000 -> FileKind.Link
             | _ -> FileKind.Other)
          Size = BitConverter.ToInt64(buffer, 40)
          Mode = mode &&& 0o7777
          Owner = int64 (BitConverter.ToUInt32(buffer, 20)) }

    let private stat (dirfd: int) (path: string) (flags: int) : Result<FileFacts, int> =
        let name = utf8z path
        let buffer = Array.zeroCreate<byte> statxSize
        use pinnedName = fixed name
        use pinnedBuffer = fixed buffer

        if
            statx (dirfd, NativePtr.toNativeInt pinnedName, flags, statxBasic, NativePtr.toNativeInt pinnedBuffer) = 0
        then
            Ok(facts buffer)
        else
            Error(errno ())

    /// `stat` of a path, following links; `Error errno` when it fails.
    let statPath (path: string) : Result<FileFacts, int> = stat atFdCwd path 0

    /// `stat` of a path itself: a symbolic link is reported as a link (`FileKind.Other`), not followed.
    let statLink (path: string) : Result<FileFacts, int> = stat atFdCwd path atSymlinkNoFollow

    /// `stat` of an open file.
    let statOpen (fd: int) : Result<FileFacts, int> = stat fd "" atEmptyPath

    /// Opens a file for reading without blocking on a FIFO and without taking a terminal.
    let private openWith (path: string) (flags: int) (mode: int) : Result<int, int> =
        let name = utf8z path
        use pinnedName = fixed name

        match openFile (NativePtr.toNativeInt pinnedName, flags ||| oCloexec, mode) with
        | -1 -> Error(errno ())
        | fd -> Ok fd

    let openRead (path: string) : Result<int, int> = openWith path (oReadOnly ||| oNonBlock ||| oNoCtty) 0

    /// As `openRead`, but a symbolic link in place of the file fails with `ELOOP` instead of being followed.
    let openReadNoFollow (path: string) : Result<int, int> =
        openWith path (oReadOnly ||| oNonBlock ||| oNoCtty ||| oNoFollow) 0

    /// Opens a directory itself for `openat` and `statOpen`, never through a symbolic link in its
    /// place (`ELOOP` then; `ENOTDIR` for anything but a directory).
    let openDirectoryNoFollow (path: string) : Result<int, int> =
        openWith path (oReadOnly ||| oDirectory ||| oNoFollow) 0

    /// As `openReadNoFollow`, for a name inside an open directory (`openat`): no path is looked up again.
    let openReadAtNoFollow (directory: int) (name: string) : Result<int, int> =
        let bytes = utf8z name
        use pinnedName = fixed bytes

        match
            openAtFile (
                directory,
                NativePtr.toNativeInt pinnedName,
                oReadOnly ||| oNonBlock ||| oNoCtty ||| oNoFollow ||| oCloexec,
                0
            )
        with
        | -1 -> Error(errno ())
        | fd -> Ok fd

    /// Opens (creating it private if missing) a lock file, never through a symbolic link.
    let openLock (path: string) : Result<int, int> =
        openWith path (oReadWrite ||| oCreate ||| oNoFollow ||| oNoCtty) 0o600

    /// `flock(LOCK_EX | LOCK_NB)`: `Ok true` when taken, `Ok false` when another holds it.
    let tryLock (fd: int) : Result<bool, int> =
        if flockFile (fd, lockExclusive ||| lockNonBlocking) = 0 then
            Ok true
        else
            match errno () with
            | 11 -> Ok false // EWOULDBLOCK
            | code when code = eIntr -> Ok false
            | code -> Error code

    /// Releases a lock taken by `tryLock` (closing the file would release it too).
    let unlock (fd: int) : unit = flockFile (fd, lockRelease) |> ignore

    /// Reads into the buffer from `offset` until it is full or the file ends; the bytes read.
    let read (fd: int) (buffer: byte[]) (offset: int) : Result<int, int> =
        use pinned = fixed buffer
        let mutable total = offset
        let mutable failure = 0
        let mutable reading = total < buffer.Length

        while reading do
            let n =
                readFile (fd, NativePtr.toNativeInt (NativePtr.add pinned total), unativeint (buffer.Length - total))

            if n > 0n then
                total <- total + int n
                reading <- total < buffer.Length
            elif n = 0n then
                reading <- false
            else
                let code = errno ()

                if code <> eIntr then
                    failure <- code
                    reading <- false

        if failure <> 0 then Error failure else Ok(total - offset)

    let close (fd: int) : unit = closeFile fd |> ignore

    /// Flushes a directory's entries to disk, so that a rename in it survives a power cut.
    let syncDirectory (path: string) : unit =
        match openRead path with
        | Ok fd ->
            fsyncFile fd |> ignore
            close fd
        | Error _ -> ()

    /// The effective user of this process, asked once (a .NET process does not change its user).
    let private euid = lazy (int64 (geteuid ()))

    let effectiveUser () : int64 = euid.Value

    /// The problem an errno names.
    let problem (code: int) : IoProblem =
        match code with
        | 1
        | 13 -> IoProblem.PermissionDenied
        | 2 -> IoProblem.NoSuchPath
        | 16
        | 26 -> IoProblem.Busy
        | 20 -> IoProblem.NotADirectory
        | 28
        | 122 -> IoProblem.NoSpace
        | 30 -> IoProblem.ReadOnlyFileSystem
        | 36 -> IoProblem.NameTooLong
        | 40 -> IoProblem.TooManyLinks
        | code -> IoProblem.Other code

    /// The problem behind an exception of the file APIs, in the project's words: on Unix an
    /// `IOException` carries the errno; the platform's message is never used.
    let problemOf (e: exn) : IoProblem =
        match e with
        | :? UnauthorizedAccessException -> IoProblem.PermissionDenied
        | :? FileNotFoundException
        | :? DirectoryNotFoundException -> IoProblem.NoSuchPath
        | :? PathTooLongException -> IoProblem.NameTooLong
        | :? ArgumentException
        | :? NotSupportedException -> IoProblem.InvalidName
        | :? IOException as io when not (OperatingSystem.IsWindows()) && io.HResult > 0 -> problem io.HResult
        | :? IOException as io when io.HResult &&& 0xFFFF = 112 -> IoProblem.NoSpace
        | :? IOException as io when io.HResult &&& 0xFFFF = 19 -> IoProblem.ReadOnlyFileSystem
        | other -> IoProblem.Other(other.HResult &&& 0xFFFF)
