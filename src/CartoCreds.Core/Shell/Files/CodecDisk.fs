namespace CartoCreds.Core

open System
open System.IO

/// SPEC §4 on disk: the saved session found and read, atomic private writes, deletes.
[<RequireQualifiedAccess>]
module CodecDisk =

    /// Reads a regular file of at most 64 KiB; never throws, and never waits on a FIFO or device.
    let read (path: string) : FileRead = Disk.read path

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

    let private kindAt (path: string) : FileKind option = FileSystems.current.KindAt path

    /// Flushes the directory after the rename, so that a power cut cannot lose the save (Linux;
    /// elsewhere .NET offers no directory flush, see the README).
    let private syncDirectory (directory: string) = FileSystems.current.SyncDirectory directory

    /// Creates the missing directories of a path, each private to the user (0700 where there are modes).
    let internal ensureDirectory (directory: string) =
        let rec missing (dir: string) acc =
            if String.IsNullOrEmpty dir || Directory.Exists dir then
                acc
            else
                missing (Path.GetDirectoryName dir) (dir :: acc)

        for dir in missing directory [] do
            FileSystems.current.CreateDirectory dir

    /// The full form of a path, or why it has none (empty, or characters no file name may hold).
    let private fullPath (path: string) =
        try
            Ok(Path.GetFullPath path)
        with
        | :? ArgumentException
        | :? NotSupportedException
        | :? PathTooLongException as e -> Error(path, Native.problemOf e)

    /// Whether a target may be replaced or removed: only a regular file (or a link to one) may.
    let private checkTarget (full: string) : Result<unit, StoreError> =
        match kindAt full with
        | Some FileKind.Directory -> Error(StoreError.IsDirectory full)
        | Some FileKind.Link
        | Some FileKind.Other -> Error(StoreError.NotRegular full)
        | Some FileKind.Regular
        | None -> Ok()

    /// Makes the missing directories of a file's path (0700 on Unix), as a save would: what a
    /// lock file beside the target needs before the save.
    let ensureParent (path: string) : Result<unit, StoreError> =
        match fullPath path with
        | Error(path, problem) -> Error(StoreError.SaveFailed(path, problem))
        | Ok full ->
            try
                ensureDirectory (Path.GetDirectoryName full)
                Ok()
            with
            | :? IOException
            | :? UnauthorizedAccessException as e -> Error(StoreError.SaveFailed(full, Native.problemOf e))

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

    /// <summary>
    /// Saves atomically: writes a private temporary file in the same directory, flushes it to
    /// disk, then renames it over the target, so a reader sees the old file or the new one (on
    /// Windows, a target another program holds open is tried again for `WindowsFiles.replaceWait`, then said
    /// to be in use). On failure the temporary file is removed and the old file is left as it
    /// was. Returns the full path written.
    /// </summary>
    let write (path: string) (bytes: byte[]) : Result<string, StoreError> =
        match fullPath path with
        | Error(path, problem) -> Error(StoreError.SaveFailed(path, problem))
        | Ok full ->
            checkTarget full
            |> Result.bind (fun () ->
                let directory = Path.GetDirectoryName full
                let unique = Guid.NewGuid().ToString("N").Substring(0, 12)
                let temporary = Path.Combine(directory, temporaryPrefix + unique + ".tmp")

                let removeTemporary () =
                    try
                        File.Delete temporary
                    with _ ->
                        ()

                try
                    ensureDirectory directory
                    sweepLeftovers directory (Path.GetFileName full)
                    FileSystems.current.WriteNew temporary bytes

                    match FileSystems.current.Replace temporary full with
                    | Ok() ->
                        syncDirectory directory
                        Ok full
                    | Error problem ->
                        removeTemporary ()
                        Error(StoreError.SaveFailed(full, problem))
                with
                | :? IOException
                | :? UnauthorizedAccessException
                | :? NotSupportedException as e ->
                    try
                        File.Delete temporary
                    with _ ->
                        ()

                    Error(StoreError.SaveFailed(full, Native.problemOf e)))

    /// Saves credentials in CARTOframes' format, as `write` does; returns the full path written.
    let save (path: string) (credentials: Credentials) : Result<string, StoreError> =
        write path (Codec.encode credentials)

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
                | :? UnauthorizedAccessException as e -> Error(StoreError.DeleteFailed(full, Native.problemOf e)))
