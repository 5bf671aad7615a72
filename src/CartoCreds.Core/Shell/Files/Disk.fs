namespace CartoCreds.Core

open System
open System.IO

/// Reading files safely (SPEC §4, §7.3, §7.4): regular files only, never waiting on a FIFO,
/// bounded, with the facts of who else could change them.
[<RequireQualifiedAccess>]
module Disk =

    let internal isUnix = not (OperatingSystem.IsWindows())

    let private groupOrOthersWrite = 0o022

    let private stickyBit = 0o1000

    /// Whether another local user could change a file or directory with these facts: by writing it,
    /// or by owning it (root aside).
    let private exposedBy (where: string) (facts: FileFacts) : Exposure option =
        if facts.Mode &&& groupOrOthersWrite <> 0 then
            Some(Exposure.WritableByOthers(where, facts.Mode))
        elif facts.Owner <> Native.effectiveUser () && facts.Owner <> 0L then
            Some(Exposure.OwnedByOther(where, facts.Owner))
        else
            None

    /// Whether the directory of a file lets another user replace it. A sticky directory (`/tmp`)
    /// does not: there only a file's owner may rename or remove it, so a file of the user's own is safe.
    let private directoryExposedBy (directory: string) (fileIsOwn: bool) : Exposure option =
        match Native.statPath directory with
        | Ok facts when fileIsOwn && facts.Mode &&& stickyBit <> 0 && facts.Mode &&& groupOrOthersWrite <> 0 -> None
        | Ok facts -> exposedBy directory facts
        | Error _ -> None

    /// Who else could change this file or its directory (Unix only).
    let private exposureOf (path: string) (file: FileFacts) : Exposure option =
        let own = file.Owner = Native.effectiveUser () || file.Owner = 0L

        exposedBy path file
        |> Option.orElseWith (fun () -> directoryExposedBy (Path.GetDirectoryName(Path.GetFullPath path)) own)

    /// Reads the rest of a file whose size the system reports as 0 (`/proc` files), up to the bound.
    let rec private readUnsized
        (limit: int)
        (fd: int)
        (buffer: byte[])
        (filled: int)
        : Result<ReadOnlyMemory<byte>, ReadError> =
        match Native.read fd buffer filled with
        | Error code -> Error(ReadError.Unreadable(Native.problem code))
        | Ok n when filled + n < buffer.Length -> Ok(ReadOnlyMemory(buffer, 0, filled + n))
        | Ok _ when buffer.Length > limit -> Error(ReadError.TooLarge(int64 buffer.Length, limit))
        | Ok n ->
            let bigger = Array.zeroCreate (min (buffer.Length * 4) (limit + 1))
            Array.blit buffer 0 bigger 0 (filled + n)
            readUnsized limit fd bigger (filled + n)

    /// Linux: open without blocking, check the type and size of what was opened, then read.
    /// `follow` is false where a symbolic link in place of the file must not be read through.
    let private readNative (limit: int) (follow: bool) (path: string) : FileRead =
        let failed error = { Path = path; Content = Error error; Exposure = None }
        let opened = if follow then Native.openRead path else Native.openReadNoFollow path

        match opened with
        | Error code when code = Native.ENOENT || code = Native.ENOTDIR -> failed ReadError.NotFound
        | Error 6 -> failed ReadError.NotRegular // ENXIO: a socket
        | Error Native.ELOOP when not follow ->
            { failed ReadError.NotRegular with Exposure = Some(Exposure.SymbolicLink path) }
        | Error code -> failed (ReadError.Unreadable(Native.problem code))
        | Ok fd ->
            try
                match Native.statOpen fd with
                | Error code -> failed (ReadError.Unreadable(Native.problem code))
                | Ok facts when facts.Kind = FileKind.Directory -> failed ReadError.IsDirectory
                | Ok facts when facts.Kind <> FileKind.Regular -> failed ReadError.NotRegular
                | Ok facts when facts.Size > int64 limit -> failed (ReadError.TooLarge(facts.Size, limit))
                | Ok facts ->
                    // At most the size seen at open: a file that grows meanwhile is read no further.
                    let content =
                        if facts.Size = 0L then
                            readUnsized limit fd (Array.zeroCreate 4096) 0
                        else
                            let buffer = Array.zeroCreate (int facts.Size)

                            Native.read fd buffer 0
                            |> Result.map (fun n -> ReadOnlyMemory(buffer, 0, n))
                            |> Result.mapError (Native.problem >> ReadError.Unreadable)

                    { Path = path; Content = content; Exposure = exposureOf path facts }
            finally
                Native.close fd

    /// Elsewhere: the managed APIs, after a check that the path is no directory or device.
    let private readManaged (limit: int) (follow: bool) (path: string) : FileRead =
        let content =
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

        let exposure =
            match content with
            | Error ReadError.NotRegular when not follow -> Some(Exposure.SymbolicLink path)
            | Ok _ when isUnix ->
                let mode = int (File.GetUnixFileMode path)

                if mode &&& groupOrOthersWrite <> 0 then
                    Some(Exposure.WritableByOthers(path, mode))
                else
                    None
            | _ -> None

        { Path = path; Content = content; Exposure = exposure }

    /// A path as messages and origins name it: absolute, when it has an absolute form.
    let private absolute (path: string) =
        try
            Path.GetFullPath path
        with
        | :? ArgumentException
        | :? NotSupportedException
        | :? PathTooLongException -> path

    let private readWith (limit: int) (follow: bool) (path: string) : FileRead =
        let path = absolute path

        if Native.available then
            try
                readNative limit follow path
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException ->
                Native.available <- false
                readManaged limit follow path
        else
            readManaged limit follow path

    /// Reads a regular file of at most `limit` bytes; never throws, and never waits on a FIFO or device.
    let readUpTo (limit: int) (path: string) : FileRead = readWith limit true path

    /// Reads a regular file of at most 64 KiB (SPEC §4's bound).
    let read (path: string) : FileRead = readUpTo Codec.MaxFileSize path

    /// Whether a directory could be changed by another user: a symbolic link in its place (when
    /// none may be followed), another user's, or writable by group or others.
    let private directoryTrust (follow: bool) (dir: string) : Exposure option =
        if Native.available then
            match (if follow then Native.statPath dir else Native.statLink dir) with
            | Ok facts when facts.Kind = FileKind.Link -> Some(Exposure.SymbolicLink dir)
            | Ok facts -> exposedBy dir facts
            | Error _ -> None
        elif isUnix && Directory.Exists dir then
            let mode = int (File.GetUnixFileMode dir)

            if not follow && not (isNull (DirectoryInfo(dir).LinkTarget)) then
                Some(Exposure.SymbolicLink dir)
            elif mode &&& groupOrOthersWrite <> 0 then
                Some(Exposure.WritableByOthers(dir, mode))
            else
                None
        else
            None

    /// <summary>
    /// The first of the two directories above a private file (SPEC §7.4's `tokens` and
    /// `cartocreds`) that another user could change: the inner one is never followed if it is a
    /// symbolic link; a directory not there yet is none (the store makes it 0700).
    /// </summary>
    let privateDirectories (path: string) : Exposure option =
        if isUnix then
            let inner = Path.GetDirectoryName(Path.GetFullPath path)

            directoryTrust false inner
            |> Option.orElseWith (fun () -> directoryTrust true (Path.GetDirectoryName inner))
        else
            None

    /// <summary>
    /// Reads a file that only the user may have written (SPEC §7.4's token cache): no symbolic link
    /// is followed in place of the file or of its directory, and the file and its two directories
    /// must be the user's own and not writable by group or others. `Error` names what failed
    /// that; nothing of such a file is read.
    /// </summary>
    let readPrivate (path: string) : Result<FileRead, Exposure> =
        match privateDirectories path with
        | Some exposure -> Error exposure
        | None ->
            let read = readWith Codec.MaxFileSize false path

            match read.Exposure with
            | Some exposure -> Error exposure
            | None -> Ok read

    /// <summary>
    /// Who else could replace a file that is not there yet in this directory: a directory writable
    /// by others (not sticky) or owned by another user. What a save checks before it creates a file
    /// that a strict read would then refuse.
    /// </summary>
    let directoryExposure (directory: string) : Exposure option =
        if Native.available then
            directoryExposedBy (Path.GetFullPath directory) true
        elif isUnix && Directory.Exists directory then
            let mode = int (File.GetUnixFileMode directory)

            if mode &&& groupOrOthersWrite <> 0 && mode &&& stickyBit = 0 then
                Some(Exposure.WritableByOthers(directory, mode))
            else
                None
        else
            None
