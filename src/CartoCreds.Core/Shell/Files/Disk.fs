namespace CartoCreds.Core

open System
open System.IO

/// Reading files safely (SPEC §4, §7.3, §7.4): regular files only, never waiting on a FIFO,
/// bounded, with the facts of who else could change them.
[<RequireQualifiedAccess>]
module Disk =

    /// A path as messages and origins name it: absolute, when it has an absolute form.
    let private absolute (path: string) =
        try
            Path.GetFullPath path
        with
        | :? ArgumentException
        | :? NotSupportedException
        | :? PathTooLongException -> path

    let private readWith (limit: int) (follow: bool) (path: string) : FileRead =
        FileSystems.current.Read limit follow (absolute path)

    /// Reads a regular file of at most `limit` bytes; never throws, and never waits on a FIFO or device.
    let readUpTo (limit: int) (path: string) : FileRead = readWith limit true path

    /// Reads a regular file of at most 64 KiB (SPEC §4's bound).
    let read (path: string) : FileRead = readUpTo Codec.MaxFileSize path

    /// <summary>
    /// The first of the two directories above a private file (SPEC §7.4's `tokens` and
    /// `cartocreds`) that another user could change: the inner one is never followed if it is a
    /// symbolic link; a directory not there yet is none (the store makes it 0700).
    /// </summary>
    let privateDirectories (path: string) : Exposure option =
        let inner = Path.GetDirectoryName(Path.GetFullPath path)

        FileSystems.current.DirectoryTrust false inner
        |> Option.orElseWith (fun () -> FileSystems.current.DirectoryTrust true (Path.GetDirectoryName inner))

    /// <summary>
    /// Reads a file that only the user may have written (SPEC §7.4's token cache): no symbolic link
    /// is followed in place of the file or of its directory, and the file and its two directories
    /// must be the user's own and not writable by group or others. `Error` names what failed
    /// that; nothing of such a file is read. On Linux the directory is judged on its open
    /// descriptor and the file opened inside it (`openat`).
    /// </summary>
    let readPrivate (path: string) : Result<FileRead, Exposure> =
        FileSystems.current.ReadPrivate Codec.MaxFileSize (absolute path)

    /// <summary>
    /// Who else could replace a file that is not there yet in this directory: a directory writable
    /// by others (not sticky) or owned by another user. What a save checks before it creates a file
    /// that a strict read would then refuse.
    /// </summary>
    let directoryExposure (directory: string) : Exposure option = FileSystems.current.DirectoryExposure directory
