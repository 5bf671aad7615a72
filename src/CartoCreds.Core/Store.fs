namespace CartoCreds.Core

open System
open System.IO

/// What the shell reads from the process: environment variables and the operating system.
/// Tests pass their own, so they never read the real environment or home directory.
type Host = { GetVariable: string -> string option; Platform: Platform }

[<RequireQualifiedAccess>]
module Host =

    /// The operating system this process runs on.
    let currentPlatform =
        if OperatingSystem.IsWindows() then Platform.Windows
        elif OperatingSystem.IsMacOS() then Platform.MacOS
        else Platform.Linux

    /// Reads a variable of this process, at each call. `HOME` falls back on the user's profile
    /// directory, as Python's `expanduser` falls back on the password database.
    let private processVariable (name: string) : string option =
        match Environment.GetEnvironmentVariable name |> Input.given, name with
        | None, "HOME" -> Environment.GetFolderPath Environment.SpecialFolder.UserProfile |> Input.given
        | value, _ -> value

    /// This process's environment and operating system.
    let current: Host = { GetVariable = processVariable; Platform = currentPlatform }

    /// A host with the given variables and this process's operating system.
    let ofVariables (variables: (string * string) seq) : Host =
        let map = Map.ofSeq variables

        { GetVariable = fun name -> Map.tryFind name map
          Platform = currentPlatform }

/// Why a save or a delete failed. The credentials themselves are valid by construction.
[<RequireQualifiedAccess>]
type StoreError =
    | IsDirectory of path: string
    | SaveFailed of path: string * reason: string
    | DeleteFailed of path: string * reason: string
    | NoLocation of LocationError

/// SPEC §4 on disk: bounded reads, atomic private writes, deletes. All I/O of files is here.
[<RequireQualifiedAccess>]
module Store =

    let private privateFile = UnixFileMode.UserRead ||| UnixFileMode.UserWrite

    let private privateDirectory =
        UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute

    let private isUnix = not (OperatingSystem.IsWindows())

    let private readBounded (path: string) : Result<ReadOnlyMemory<byte>, ReadError> =
        use handle =
            File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite ||| FileShare.Delete)

        let length = RandomAccess.GetLength handle

        if length > int64 Codec.MaxFileSize then
            Error(ReadError.TooLarge length)
        else
            // At most the length seen at open: a file that grows meanwhile is read no further.
            let buffer = Array.zeroCreate<byte>(int length)
            let mutable total = 0
            let mutable reading = buffer.Length > 0

            while reading do
                let n = RandomAccess.Read(handle, Span(buffer, total, buffer.Length - total), int64 total)
                total <- total + n
                reading <- n > 0 && total < buffer.Length

            Ok(ReadOnlyMemory(buffer, 0, total))

    let private unreadable (path: string) (e: exn) =
        if Directory.Exists path then
            ReadError.IsDirectory
        else
            ReadError.Unreadable e.Message

    /// Reads a file of at most 64 KiB; never throws for a missing, unreadable or odd file.
    /// The common case costs what File.ReadAllBytes does: checks happen only when opening fails.
    let read (path: string) : FileRead =
        let content =
            try
                readBounded path
            with
            | :? FileNotFoundException
            | :? DirectoryNotFoundException -> Error ReadError.NotFound
            | :? UnauthorizedAccessException
            | :? IOException
            | :? ArgumentException
            | :? NotSupportedException as e -> Error(unreadable path e)

        { Path = path; Content = content }

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
        | :? PathTooLongException as e -> Error(path, e.Message)

    /// Saves atomically: writes a private temporary file in the same directory, flushes it to
    /// disk, then renames it over the target, so a reader sees the old file or the new one.
    /// On failure the temporary file is removed and the old file is left as it was.
    /// Returns the full path written.
    let save (path: string) (credentials: Credentials) : Result<string, StoreError> =
        match fullPath path with
        | Error(path, reason) -> Error(StoreError.SaveFailed(path, reason))
        | Ok full when Directory.Exists full -> Error(StoreError.IsDirectory full)
        | Ok full ->
            let directory = Path.GetDirectoryName full
            let unique = Guid.NewGuid().ToString "N"
            let temporary = Path.Combine(directory, ("." + (Path.GetFileName full) + "." + unique + ".tmp"))

            try
                ensureDirectory directory
                writeDurably temporary (Codec.encode credentials)
                File.Move(temporary, full, true)
                Ok full
            with
            | :? IOException
            | :? UnauthorizedAccessException
            | :? NotSupportedException as e ->
                try
                    File.Delete temporary
                with _ ->
                    ()

                Error(StoreError.SaveFailed(full, e.Message))

    /// Removes a file; `Ok false` when there was none.
    let delete (path: string) : Result<bool, StoreError> =
        match fullPath path with
        | Error(path, reason) -> Error(StoreError.DeleteFailed(path, reason))
        | Ok full ->
            try
                if Directory.Exists full then
                    Error(StoreError.IsDirectory full)
                elif File.Exists full then
                    File.Delete full
                    Ok true
                else
                    Ok false
            with
            | :? IOException
            | :? UnauthorizedAccessException as e -> Error(StoreError.DeleteFailed(full, e.Message))
