namespace CartoCreds.Core

open System
open System.IO

/// Reading files safely (SPEC §4): regular files only, never waiting on a FIFO, bounded, with the
/// facts of who else could change them; and the few questions the store asks of the disk.
[<RequireQualifiedAccess>]
module Disk =

    let internal isUnix = not (OperatingSystem.IsWindows())

    let private groupOrOthersWrite = 0o022

    /// The problem behind an exception of the file APIs, in the project's words: on Unix an
    /// `IOException` carries the errno; the platform's message is never used.
    let internal problemOf (e: exn) : IoProblem =
        match e with
        | :? UnauthorizedAccessException -> IoProblem.PermissionDenied
        | :? FileNotFoundException
        | :? DirectoryNotFoundException -> IoProblem.NoSuchPath
        | :? PathTooLongException -> IoProblem.NameTooLong
        | :? ArgumentException
        | :? NotSupportedException -> IoProblem.InvalidName
        | :? IOException as io when isUnix && io.HResult > 0 -> Native.problem io.HResult
        | :? IOException as io when io.HResult &&& 0xFFFF = 112 -> IoProblem.NoSpace
        | :? IOException as io when io.HResult &&& 0xFFFF = 19 -> IoProblem.ReadOnlyFileSystem
        | other -> IoProblem.Other(other.HResult &&& 0xFFFF)

    /// Who else could change this file or its directory (Unix only).
    let private exposureOf (path: string) (file: FileFacts) : Exposure option =
        let user = Native.effectiveUser ()

        let check (where: string) (facts: FileFacts) =
            if facts.Mode &&& groupOrOthersWrite <> 0 then
                Some(Exposure.WritableByOthers(where, facts.Mode))
            elif facts.Owner <> user && facts.Owner <> 0L then
                Some(Exposure.OwnedByOther(where, facts.Owner))
            else
                None

        let directory = Path.GetDirectoryName(Path.GetFullPath path)

        check path file
        |> Option.orElseWith (fun () ->
            match Native.statPath directory with
            | Ok facts -> check directory facts
            | Error _ -> None)

    /// Reads the rest of a file whose size the system reports as 0 (`/proc` files), up to the bound.
    let rec private readUnsized (fd: int) (buffer: byte[]) (filled: int) : Result<ReadOnlyMemory<byte>, ReadError> =
        match Native.read fd buffer filled with
        | Error code -> Error(ReadError.Unreadable(Native.problem code))
        | Ok n when filled + n < buffer.Length -> Ok(ReadOnlyMemory(buffer, 0, filled + n))
        | Ok _ when buffer.Length > Codec.MaxFileSize -> Error(ReadError.TooLarge(int64 buffer.Length))
        | Ok n ->
            let bigger = Array.zeroCreate (min (buffer.Length * 4) (Codec.MaxFileSize + 1))
            Array.blit buffer 0 bigger 0 (filled + n)
            readUnsized fd bigger (filled + n)

    /// Linux: open without blocking, check the type and size of what was opened, then read.
    let private readNative (path: string) : FileRead =
        let failed error = { Path = path; Content = Error error; Exposure = None }

        match Native.openRead path with
        | Error code when code = Native.ENOENT || code = Native.ENOTDIR -> failed ReadError.NotFound
        | Error 6 -> failed ReadError.NotRegular // ENXIO: a socket
        | Error code -> failed (ReadError.Unreadable(Native.problem code))
        | Ok fd ->
            try
                match Native.statOpen fd with
                | Error code -> failed (ReadError.Unreadable(Native.problem code))
                | Ok facts when facts.Kind = FileKind.Directory -> failed ReadError.IsDirectory
                | Ok facts when facts.Kind <> FileKind.Regular -> failed ReadError.NotRegular
                | Ok facts when facts.Size > int64 Codec.MaxFileSize -> failed (ReadError.TooLarge facts.Size)
                | Ok facts ->
                    // At most the size seen at open: a file that grows meanwhile is read no further.
                    let content =
                        if facts.Size = 0L then
                            readUnsized fd (Array.zeroCreate 4096) 0
                        else
                            let buffer = Array.zeroCreate (int facts.Size)

                            Native.read fd buffer 0
                            |> Result.map (fun n -> ReadOnlyMemory(buffer, 0, n))
                            |> Result.mapError (Native.problem >> ReadError.Unreadable)

                    { Path = path; Content = content; Exposure = exposureOf path facts }
            finally
                Native.close fd

    /// Elsewhere: the managed APIs, after a check that the path is no directory or device.
    let private readManaged (path: string) : FileRead =
        let content =
            try
                let attributes = File.GetAttributes path

                if attributes.HasFlag FileAttributes.Directory then
                    Error ReadError.IsDirectory
                elif attributes.HasFlag FileAttributes.Device then
                    Error ReadError.NotRegular
                else
                    use handle =
                        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite ||| FileShare.Delete)

                    let length = RandomAccess.GetLength handle

                    if length > int64 Codec.MaxFileSize then
                        Error(ReadError.TooLarge length)
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
            | :? NotSupportedException as e -> Error(ReadError.Unreadable(problemOf e))

        let exposure =
            match content with
            | Ok _ when isUnix ->
                let mode = int (File.GetUnixFileMode path)

                if mode &&& groupOrOthersWrite <> 0 then
                    Some(Exposure.WritableByOthers(path, mode))
                else
                    None
            | _ -> None

        { Path = path; Content = content; Exposure = exposure }

    /// Reads a regular file of at most 64 KiB; never throws, and never waits on a FIFO or device.
    let read (path: string) : FileRead =
        if Native.available then
            try
                readNative path
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException ->
                Native.available <- false
                readManaged path
        else
            readManaged path

    /// What is at a path now, following links: nothing, a regular file, a directory, or another kind.
    let internal kindAt (path: string) : FileKind option =
        let managed () =
            if Directory.Exists path then
                Some FileKind.Directory
            elif not (File.Exists path) then
                None
            elif (File.GetAttributes path).HasFlag FileAttributes.Device then
                Some FileKind.Other
            else
                Some FileKind.Regular

        if Native.available then
            try
                match Native.statPath path with
                | Ok facts -> Some facts.Kind
                | Error _ -> None
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException -> managed ()
        else
            managed ()

    /// Flushes the directory after the rename, so that a power cut cannot lose the save (Linux;
    /// elsewhere .NET offers no directory flush, see the README).
    let internal syncDirectory (directory: string) =
        if Native.available then
            try
                Native.syncDirectory directory
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException -> ()
