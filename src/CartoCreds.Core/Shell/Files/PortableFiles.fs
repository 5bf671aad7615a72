namespace CartoCreds.Core

open System
open System.IO
open FileSystemParts

/// The file primitives over the managed APIs: on macOS and Windows, and on a Linux where a system
/// call is missing. Unix modes where the platform has them; ownership is not seen here.
module internal PortableFiles =

    /// Elsewhere: the managed APIs, after a check that the path is no directory or device.
    let private read (limit: int) (follow: bool) (path: string) : FileRead =
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

    /// Elsewhere: a `FileShare.None` handle, tried until taken or the wait is over. A loop against
    /// a deadline: a retry made inside the exception handler would add a stack frame a try.
    let private lock (lockPath: string) (timeout: TimeSpan) : Result<IDisposable, StoreError> =
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

    let private directoryTrust (follow: bool) (dir: string) : Exposure option =
        if isUnix && Directory.Exists dir then
            let mode = int (File.GetUnixFileMode dir)

            if not follow && not (isNull (DirectoryInfo(dir).LinkTarget)) then
                Some(Exposure.SymbolicLink dir)
            elif mode &&& groupOrOthersWrite <> 0 then
                Some(Exposure.WritableByOthers(dir, mode))
            else
                None
        else
            None

    let private directoryExposure (directory: string) : Exposure option =
        if isUnix && Directory.Exists directory then
            let mode = int (File.GetUnixFileMode directory)

            if mode &&& groupOrOthersWrite <> 0 && mode &&& stickyBit = 0 then
                Some(Exposure.WritableByOthers(directory, mode))
            else
                None
        else
            None

    let private kindAt (path: string) : FileKind option =
        if Directory.Exists path then
            Some FileKind.Directory
        elif not (File.Exists path) then
            None
        elif (File.GetAttributes path).HasFlag FileAttributes.Device then
            Some FileKind.Other
        else
            Some FileKind.Regular

    /// The directories judged by their paths (the inner one not followed), then the file read
    /// without following a link in its place.
    let private readPrivate (limit: int) (path: string) : Result<FileRead, Exposure> =
        let full = Path.GetFullPath path
        let inner = Path.GetDirectoryName full

        match
            (if isUnix then
                 directoryTrust false inner
                 |> Option.orElseWith (fun () -> directoryTrust true (Path.GetDirectoryName inner))
             else
                 None)
        with
        | Some exposure -> Error exposure
        | None ->
            let read = read limit false full

            match read.Exposure with
            | Some exposure -> Error exposure
            | None -> Ok read

    let system: FileSystem =
        { Read = read
          ReadPrivate = readPrivate
          DirectoryTrust = directoryTrust
          DirectoryExposure = directoryExposure
          Lock = lock
          KindAt = kindAt
          // .NET offers no directory flush (see the README).
          SyncDirectory = ignore }
