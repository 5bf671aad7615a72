namespace CartoCreds.Core

open System
open System.IO
open FileSystemParts

/// Linux's file primitives, over the system calls of `Native`: `statx` for a file's type and
/// owner, `open` with `O_NONBLOCK` (a FIFO is never waited on) and `O_NOFOLLOW`, `flock`, and a
/// directory's `fsync`.
module internal LinuxFiles =

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

    /// What was opened, read: its type and size checked on the descriptor, then at most the size
    /// seen; `judge` says who else could change it. `follow` is false where a symbolic link in
    /// place of the file must not be read through (`ELOOP` then).
    let private readOpened
        (limit: int)
        (follow: bool)
        (path: string)
        (judge: FileFacts -> Exposure option)
        (opened: Result<int, int>)
        : FileRead =
        let failed error = { Path = path; Content = Error error; Exposure = None }

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

                    { Path = path; Content = content; Exposure = judge facts }
            finally
                Native.close fd

    /// Linux: open without blocking, check the type and size of what was opened, then read.
    let private read (limit: int) (follow: bool) (path: string) : FileRead =
        let opened = if follow then Native.openRead path else Native.openReadNoFollow path
        readOpened limit follow path (exposureOf path) opened

    /// Whether a directory could be changed by another user (the link itself when not `follow`).
    let private directoryTrust (follow: bool) (dir: string) : Exposure option =
        match (if follow then Native.statPath dir else Native.statLink dir) with
        | Ok facts when facts.Kind = FileKind.Link -> Some(Exposure.SymbolicLink dir)
        | Ok facts -> exposedBy dir facts
        | Error _ -> None

    /// Linux: the file's directory opened itself (`O_DIRECTORY | O_NOFOLLOW`) and judged by `fstat`
    /// on that descriptor, the directory above judged by its path, then the file opened inside
    /// the open directory (`openat`, `O_NOFOLLOW`): what was judged is what is read, with no path
    /// looked up again in between.
    let private readPrivate (limit: int) (path: string) : Result<FileRead, Exposure> =
        let full = Path.GetFullPath path
        let inner = Path.GetDirectoryName full
        let absent = { Path = full; Content = Error ReadError.NotFound; Exposure = None }

        match Native.openDirectoryNoFollow inner with
        | Error Native.ELOOP -> Error(Exposure.SymbolicLink inner)
        // With O_DIRECTORY a link in place of the directory is ENOTDIR, as a file is: say which.
        | Error Native.ENOTDIR ->
            match Native.statLink inner with
            | Ok facts when facts.Kind = FileKind.Link -> Error(Exposure.SymbolicLink inner)
            | _ -> Ok absent
        | Error Native.ENOENT -> Ok absent
        | Error code -> Ok { absent with Content = Error(ReadError.Unreadable(Native.problem code)) }
        | Ok directory ->
            try
                match Native.statOpen directory with
                | Error code -> Ok { absent with Content = Error(ReadError.Unreadable(Native.problem code)) }
                | Ok facts ->
                    match
                        exposedBy inner facts
                        |> Option.orElseWith (fun () -> directoryTrust true (Path.GetDirectoryName inner))
                    with
                    | Some exposure -> Error exposure
                    | None ->
                        let read =
                            Native.openReadAtNoFollow directory (Path.GetFileName full)
                            |> readOpened limit false full (exposedBy full)

                        match read.Exposure with
                        | Some exposure -> Error exposure
                        | None -> Ok read
            finally
                Native.close directory

    /// Linux: `open(O_CREAT | O_NOFOLLOW)` and `flock(LOCK_EX | LOCK_NB)` until taken or the wait is over.
    let private lock (lockPath: string) (timeout: TimeSpan) : Result<IDisposable, StoreError> =
        match Native.openLock lockPath with
        | Error code -> lockFailed lockPath (Native.problem code)
        | Ok fd ->
            let deadline = DateTime.UtcNow + timeout

            let rec attempt n =
                match Native.tryLock fd with
                | Ok true ->
                    Ok
                        { new IDisposable with
                            member _.Dispose() =
                                Native.unlock fd
                                Native.close fd }
                | Ok false when DateTime.UtcNow < deadline ->
                    pause n
                    attempt (n + 1)
                | Ok false ->
                    Native.close fd
                    Error(StoreError.Locked(lockPath, timeout.TotalSeconds))
                | Error code ->
                    Native.close fd
                    lockFailed lockPath (Native.problem code)

            attempt 0

    let private kindAt (path: string) : FileKind option =
        match Native.statPath path with
        | Ok facts -> Some facts.Kind
        | Error _ -> None

    let system: FileSystem =
        { Read = read
          ReadPrivate = readPrivate
          DirectoryTrust = directoryTrust
          DirectoryExposure = fun directory -> directoryExposedBy (Path.GetFullPath directory) true
          Lock = lock
          KindAt = kindAt
          SyncDirectory = Native.syncDirectory
          CreateDirectory = Unix.createDirectory
          WriteNew = Unix.writeNew
          Replace = Unix.replace }
