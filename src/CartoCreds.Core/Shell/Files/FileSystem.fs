namespace CartoCreds.Core

open System
open System.IO
open System.Threading

/// The file primitives the shell is built on, one implementation per platform behind this one
/// shape (as git-credential-manager keeps a credential store per platform): `LinuxFiles` over the
/// system calls .NET does not expose, `PortableFiles` over the managed APIs with Unix modes (macOS,
/// and any Unix where a call is missing), `WindowsFiles` over the managed APIs with Windows'
/// rules. `FileSystems.current` chooses; nothing else asks which system this is.
type internal FileSystem =
    {
        /// Reads a regular file (an absolute path) of at most `limit` bytes, following a symbolic
        /// link in its place only when `follow`; never throws, never waits on a FIFO or a device.
        Read: int -> bool -> string -> FileRead
        /// Reads a private file of at most `limit` bytes (SPEC §7.4's token cache): no link followed
        /// in place of the file or its directory, and both, and the directory above, the user's
        /// own and not writable by others; `Error` names what failed that, and nothing is read.
        ReadPrivate: int -> string -> Result<FileRead, Exposure>
        /// Whether another user could change a directory: a link in its place (when none may be
        /// followed), another user's, or writable by group or others.
        DirectoryTrust: bool -> string -> Exposure option
        /// Who else could replace a file not there yet in a directory (a sticky one protects it).
        DirectoryExposure: string -> Exposure option
        /// Takes the exclusive lock of a lock file within the wait; dispose the result to release it.
        Lock: string -> TimeSpan -> Result<IDisposable, StoreError>
        /// What is at a path now, following links: nothing, a file, a directory, or another kind.
        KindAt: string -> FileKind option
        /// Flushes a directory after a rename in it (where the platform can).
        SyncDirectory: string -> unit
        /// Creates one directory, private to the user where the platform has modes (0700).
        CreateDirectory: string -> unit
        /// Writes a new file (never one that exists), private to the user where the platform has
        /// modes (0600, whatever the umask), flushed to disk.
        WriteNew: string -> byte[] -> unit
        /// Moves a temporary file over the target in one step: a reader sees the old file or the new.
        Replace: string -> string -> Result<unit, IoProblem>
    }

/// What the implementations share.
module internal FileSystemParts =

    /// Group or others may write.
    let groupOrOthersWrite = 0o022

    let stickyBit = 0o1000

    /// Pauses between two tries of a lock: short at first, then at most 50 ms.
    let pause (attempt: int) = Thread.Sleep(min 50 (1 <<< min attempt 6))

    /// A lock file that could not be opened or locked.
    let lockFailed (lockPath: string) (problem: IoProblem) = Error(StoreError.SaveFailed(lockPath, problem))

    /// Reads a regular file through the managed APIs, after a check that the path is no directory
    /// or device (nor a link in its place, unless `follow`); opened sharing reads, writes and
    /// deletion, so that a reader never blocks a writer's replace.
    let readManaged (limit: int) (follow: bool) (path: string) : Result<ReadOnlyMemory<byte>, ReadError> =
        try
            let attributes = File.GetAttributes path

            if not follow && attributes.HasFlag FileAttributes.ReparsePoint then
                Error ReadError.NotRegular
            elif attributes.HasFlag FileAttributes.Directory then
                Error ReadError.IsDirectory
            elif attributes.HasFlag FileAttributes.Device then
                Error ReadError.NotRegular
            else
                use handle =
                    File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite ||| FileShare.Delete)

                let length = RandomAccess.GetLength handle

                if length > int64 limit then
                    Error(ReadError.TooLarge(length, limit))
                else
                    let buffer = Array.zeroCreate<byte>(int length)
                    let mutable total = 0
                    let mutable reading = buffer.Length > 0

                    while reading do
                        let n = RandomAccess.Read(handle, Span(buffer, total, buffer.Length - total), int64 total)
                        total <- total + n
                        reading <- n > 0 && total < buffer.Length

                    Ok(ReadOnlyMemory(buffer, 0, total))
        with
        | :? FileNotFoundException
        | :? DirectoryNotFoundException -> Error ReadError.NotFound
        | :? UnauthorizedAccessException
        | :? IOException
        | :? ArgumentException
        | :? NotSupportedException as e -> Error(ReadError.Unreadable(Native.problemOf e))

    /// The managed read as a `FileRead`: a link in place of a file that may not be followed named
    /// as such, and a file read judged by `judge` (who else could change it).
    let readJudged (judge: string -> Exposure option) (limit: int) (follow: bool) (path: string) : FileRead =
        let content = readManaged limit follow path

        let exposure =
            match content with
            | Error ReadError.NotRegular when not follow -> Some(Exposure.SymbolicLink path)
            | Ok _ -> judge path
            | Error _ -> None

        { Path = path; Content = content; Exposure = exposure }

    /// A lock taken as a `FileShare.None` handle, tried until taken or the wait is over. A loop
    /// against a deadline: a retry made inside the exception handler would add a stack frame a try.
    let lockByHandle (lockPath: string) (timeout: TimeSpan) : Result<IDisposable, StoreError> =
        let deadline = DateTime.UtcNow + timeout

        let tryOpen () =
            try
                Ok(
                    Some(
                        new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
                        :> IDisposable
                    )
                )
            with
            | :? UnauthorizedAccessException as e -> lockFailed lockPath (Native.problemOf e)
            | :? IOException -> Ok None

        let mutable outcome = tryOpen ()
        let mutable tries = 0

        while outcome = Ok None && DateTime.UtcNow < deadline do
            pause tries
            tries <- tries + 1
            outcome <- tryOpen ()

        match outcome with
        | Ok(Some handle) -> Ok handle
        | Ok None -> Error(StoreError.Locked(lockPath, timeout.TotalSeconds))
        | Error e -> Error e

    /// What is at a path, as the managed APIs see it.
    let kindAtManaged (path: string) : FileKind option =
        if Directory.Exists path then
            Some FileKind.Directory
        elif not (File.Exists path) then
            None
        elif (File.GetAttributes path).HasFlag FileAttributes.Device then
            Some FileKind.Other
        else
            Some FileKind.Regular

    /// The rename over the target, or the exception that refused it.
    let move (temporary: string) (target: string) : Result<unit, exn> =
        try
            File.Move(temporary, target, true)
            Ok()
        with
        | :? IOException
        | :? UnauthorizedAccessException
        | :? NotSupportedException as e -> Error e

    /// A new file written and flushed to disk through `options` (which say how it is created).
    let writeNewWith (options: FileStreamOptions) (after: FileStream -> unit) (path: string) (bytes: byte[]) =
        options.Mode <- FileMode.CreateNew
        options.Access <- FileAccess.Write
        options.Share <- FileShare.None
        use stream = new FileStream(path, options)
        after stream
        stream.Write(bytes, 0, bytes.Length)
        stream.Flush true

    /// What both Unix implementations do the same way: private directories and files by mode.
    module Unix =

        let private privateFile = UnixFileMode.UserRead ||| UnixFileMode.UserWrite

        let private privateDirectory =
            UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute

        /// A directory made 0700, whatever the umask.
        let createDirectory (directory: string) =
            Directory.CreateDirectory(directory, privateDirectory) |> ignore
            File.SetUnixFileMode(directory, privateDirectory)

        /// A new file made 0600 at its creation and again on its handle, whatever the umask.
        let writeNew (path: string) (bytes: byte[]) =
            writeNewWith
                (FileStreamOptions(UnixCreateMode = Nullable privateFile))
                (fun stream -> File.SetUnixFileMode(stream.SafeFileHandle, privateFile))
                path
                bytes

        /// A rename over the target: atomic on Unix, whoever has the target open.
        let replace (temporary: string) (target: string) : Result<unit, IoProblem> =
            move temporary target |> Result.mapError Native.problemOf
