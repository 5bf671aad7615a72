namespace CartoCreds.Core

open System
open System.IO

/// SPEC §4 on disk: bounded reads of regular files only, atomic private writes, deletes. All
/// I/O of files is here.
[<RequireQualifiedAccess>]
module Store =

    let private privateFile = UnixFileMode.UserRead ||| UnixFileMode.UserWrite

    let private privateDirectory =
        UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute

    let private groupOrOthersWrite = 0o022

    let private isUnix = not (OperatingSystem.IsWindows())

    /// The problem behind an exception of the file APIs, in the project's words: on Unix an
    /// `IOException` carries the errno; the platform's message is never used.
    let private problemOf (e: exn) : IoProblem =
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

    /// Finds and reads the saved session: `creds.json` at the default location, or the legacy
    /// `cartocreds.json` beside it when `creds.json` is missing.
    let readSavedSession (host: Host) : Result<FileRead, LocationError> =
        Location.defaultPath host.Platform host.GetVariable
        |> Result.map (fun path ->
            match read path with
            | { Content = Error ReadError.NotFound } as missing ->
                match read (Location.legacyPath host.Platform path) with
                | { Content = Error ReadError.NotFound } -> missing
                | legacy -> legacy
            | found -> found)

    /// What is at a path now, following links: nothing, a regular file, a directory, or another kind.
    let private kindAt (path: string) : FileKind option =
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

    /// Creates the missing directories of a path, each private to the user (0700 on Unix).
    let private ensureDirectory (directory: string) =
        let rec missing (dir: string) acc =
            if String.IsNullOrEmpty dir || Directory.Exists dir then
                acc
            else
                missing (Path.GetDirectoryName dir) (dir :: acc)

        for dir in missing directory [] do
            if isUnix then
                Directory.CreateDirectory(dir, privateDirectory) |> ignore
                File.SetUnixFileMode(dir, privateDirectory) // whatever the umask
            else
                Directory.CreateDirectory dir |> ignore

    let private writeDurably (path: string) (bytes: byte[]) =
        let options =
            FileStreamOptions(Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None)

        if isUnix then
            options.UnixCreateMode <- Nullable privateFile

        use stream = new FileStream(path, options)

        if isUnix then
            File.SetUnixFileMode(stream.SafeFileHandle, privateFile) // whatever the umask

        stream.Write(bytes, 0, bytes.Length)
        stream.Flush true

    /// The full form of a path, or why it has none (empty, or characters no file name may hold).
    let private fullPath (path: string) =
        try
            Ok(Path.GetFullPath path)
        with
        | :? ArgumentException
        | :? NotSupportedException
        | :? PathTooLongException as e -> Error(path, problemOf e)

    /// Whether a target may be replaced or removed: only a regular file (or a link to one) may.
    let private checkTarget (full: string) : Result<unit, StoreError> =
        match kindAt full with
        | Some FileKind.Directory -> Error(StoreError.IsDirectory full)
        | Some FileKind.Other -> Error(StoreError.NotRegular full)
        | Some FileKind.Regular
        | None -> Ok()

    /// The prefix of this library's temporary files: short, so that any target name fits.
    let private temporaryPrefix = ".cartocreds-"

    /// How old a temporary file must be before a save takes it for the leftover of a writer that
    /// was killed: a live save finishes in milliseconds.
    let private leftoverAge = TimeSpan.FromMinutes 1.0

    /// Whether a name is one of this library's temporary files: `.cartocreds-{12 hex}.tmp`, or
    /// `.{target}.{32 hex}.tmp` as version 0.1 named them.
    let private isTemporaryName (target: string) (name: string) =
        let hexBetween (prefix: string) (length: int) =
            name.Length = prefix.Length + length + 4
            && name.StartsWith(prefix, StringComparison.Ordinal)
            && name.EndsWith(".tmp", StringComparison.Ordinal)
            && name.Substring(prefix.Length, length) |> Seq.forall Uri.IsHexDigit

        hexBetween temporaryPrefix 12 || hexBetween ("." + target + ".") 32

    /// Removes the temporary files that killed writers left in a directory; never fails a save.
    let private sweepLeftovers (directory: string) (target: string) =
        try
            let cutoff = DateTime.UtcNow - leftoverAge

            for path in Directory.EnumerateFiles(directory, ".*.tmp") do
                if isTemporaryName target (Path.GetFileName path) && File.GetLastWriteTimeUtc path < cutoff then
                    File.Delete path
        with
        | :? IOException
        | :? UnauthorizedAccessException -> ()

    /// Flushes the directory after the rename, so that a power cut cannot lose the save (Linux;
    /// elsewhere .NET offers no directory flush, see the README).
    let private syncDirectory (directory: string) =
        if Native.available then
            try
                Native.syncDirectory directory
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException -> ()

    /// Saves atomically: writes a private temporary file in the same directory, flushes it to
    /// disk, then renames it over the target, so a reader sees the old file or the new one.
    /// On failure the temporary file is removed and the old file is left as it was.
    /// Returns the full path written.
    let save (path: string) (credentials: Credentials) : Result<string, StoreError> =
        match fullPath path with
        | Error(path, problem) -> Error(StoreError.SaveFailed(path, problem))
        | Ok full ->
            checkTarget full
            |> Result.bind (fun () ->
                let directory = Path.GetDirectoryName full
                let unique = Guid.NewGuid().ToString("N").Substring(0, 12)
                let temporary = Path.Combine(directory, temporaryPrefix + unique + ".tmp")

                try
                    ensureDirectory directory
                    sweepLeftovers directory (Path.GetFileName full)
                    writeDurably temporary (Codec.encode credentials)
                    File.Move(temporary, full, true)
                    syncDirectory directory
                    Ok full
                with
                | :? IOException
                | :? UnauthorizedAccessException
                | :? NotSupportedException as e ->
                    try
                        File.Delete temporary
                    with _ ->
                        ()

                    Error(StoreError.SaveFailed(full, problemOf e)))

    /// Removes a regular file; `Ok false` when there was none.
    let delete (path: string) : Result<bool, StoreError> =
        match fullPath path with
        | Error(path, problem) -> Error(StoreError.DeleteFailed(path, problem))
        | Ok full ->
            checkTarget full
            |> Result.bind (fun () ->
                try
                    if File.Exists full then
                        File.Delete full
                        Ok true
                    else
                        Ok false
                with
                | :? IOException
                | :? UnauthorizedAccessException as e -> Error(StoreError.DeleteFailed(full, problemOf e)))
