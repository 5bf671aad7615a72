namespace CartoCreds.Core

open System
open System.IO
open FileSystemParts

/// Windows' file primitives, over the managed APIs. Windows has no Unix modes: a file's privacy
/// is its profile directory's access control, so nothing here judges modes or owners. What is its
/// own: a file another program holds open cannot be replaced until it is closed.
module internal WindowsFiles =

    /// The managed read; no mode to judge.
    let private read = readJudged (fun _ -> None)

    /// The file read without following a link in its place; its directories are the profile's.
    let private readPrivate (limit: int) (path: string) : Result<FileRead, Exposure> =
        let read = read limit false (Path.GetFullPath path)

        match read.Exposure with
        | Some exposure -> Error exposure
        | None -> Ok read

    /// How long a replace waits for another program to close the file (SPEC §14).
    let replaceWait = TimeSpan.FromSeconds 2.0

    /// A rename over a file that another program holds open without sharing its deletion fails
    /// while it is open: the directory took the temporary file, so a refusal on a target that is
    /// not read-only is that, not a permission.
    let private heldOpen (target: string) (e: exn) =
        (e :? UnauthorizedAccessException || e :? IOException)
        && File.Exists target
        && not (File.GetAttributes(target).HasFlag FileAttributes.ReadOnly)

    /// Moves the temporary file over the target; a target held open is tried again until
    /// `replaceWait` has passed, then said to be in use. Never a torn or missing file: the target
    /// is replaced whole, or left as it was.
    let private replace (temporary: string) (target: string) : Result<unit, IoProblem> =
        let deadline = DateTime.UtcNow + replaceWait
        let mutable outcome = move temporary target

        while (match outcome with
               | Error e -> heldOpen target e && DateTime.UtcNow < deadline
               | Ok() -> false) do
            Threading.Thread.Sleep 50
            outcome <- move temporary target

        outcome |> Result.mapError (fun e -> if heldOpen target e then IoProblem.InUse else Native.problemOf e)

    let system: FileSystem =
        { Read = read
          ReadPrivate = readPrivate
          DirectoryTrust = fun _ _ -> None
          DirectoryExposure = fun _ -> None
          Lock = lockByHandle
          KindAt = kindAtManaged
          // .NET offers no directory flush (see the README).
          SyncDirectory = ignore
          CreateDirectory = fun directory -> Directory.CreateDirectory directory |> ignore
          WriteNew = fun path bytes -> writeNewWith (FileStreamOptions()) ignore path bytes
          Replace = replace }
