namespace CartoCreds.Core

open System
open System.IO
open FileSystemParts

/// The file primitives of a Unix over the managed APIs: on macOS, and on a Linux where a system
/// call is missing. Unix modes are judged; ownership is not seen here.
module internal PortableFiles =

    /// The managed read, then the file's mode judged.
    let private read =
        readJudged (fun path ->
            let mode = int (File.GetUnixFileMode path)

            if mode &&& groupOrOthersWrite <> 0 then
                Some(Exposure.WritableByOthers(path, mode))
            else
                None)

    let private directoryTrust (follow: bool) (dir: string) : Exposure option =
        if Directory.Exists dir then
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
        if Directory.Exists directory then
            let mode = int (File.GetUnixFileMode directory)

            if mode &&& groupOrOthersWrite <> 0 && mode &&& stickyBit = 0 then
                Some(Exposure.WritableByOthers(directory, mode))
            else
                None
        else
            None

    /// The directories judged by their paths (the inner one not followed), then the file read
    /// without following a link in its place.
    let private readPrivate (limit: int) (path: string) : Result<FileRead, Exposure> =
        let full = Path.GetFullPath path
        let inner = Path.GetDirectoryName full

        match
            directoryTrust false inner
            |> Option.orElseWith (fun () -> directoryTrust true (Path.GetDirectoryName inner))
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
          Lock = lockByHandle
          KindAt = kindAtManaged
          // .NET offers no directory flush (see the README).
          SyncDirectory = ignore
          CreateDirectory = Unix.createDirectory
          WriteNew = Unix.writeNew
          Replace = Unix.replace }
