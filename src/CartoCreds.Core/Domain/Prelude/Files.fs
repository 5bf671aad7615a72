namespace CartoCreds.Core

open System

/// What went wrong in the operating system when a file was read, written or removed, said in
/// the project's own words (never the platform's message, which may be a resource key or name
/// a temporary file).
[<RequireQualifiedAccess>]
type IoProblem =
    | PermissionDenied
    | NoSuchPath
    | ReadOnlyFileSystem
    | NoSpace
    | NotADirectory
    | NameTooLong
    | TooManyLinks
    | Busy
    | InvalidName
    | Other of code: int

/// Why a file could not be read; found by the shell, which does the reading.
[<RequireQualifiedAccess>]
type ReadError =
    | NotFound
    | IsDirectory
    /// A device, a FIFO or a socket: never opened for reading, so never waited on.
    | NotRegular
    /// Larger than the bound of its kind of file: 64 KiB, or 1 MiB for the CARTO CLI file (or a
    /// keychain item larger than `MaxKeychainSecret`).
    | TooLarge of size: int64 * limit: int
    | Unreadable of IoProblem
    /// The secret store chosen (SPEC §11) could not be asked: the keychain's error, or a bad choice.
    | SecretStore of message: string

[<RequireQualifiedAccess>]
module ReadError =

    /// The most bytes of a secret read from the keychain (SPEC §11): a saved session or a token is
    /// a few kilobytes, so a larger item was planted, and is refused as an oversized file is.
    [<Literal>]
    let MaxKeychainSecret = 32768

/// A file or directory that another local user could change (SPEC §4 and the strict modes of
/// ssh): writable by its group or by others, or owned by another user (not root).
[<RequireQualifiedAccess>]
type Exposure =
    | WritableByOthers of path: string * mode: int
    | OwnedByOther of path: string * owner: int64
    /// A symbolic link where the library follows none (the token cache and its `tokens` directory).
    | SymbolicLink of path: string

/// A file's path, what reading it gave, and whether another user could have changed it.
type FileRead =
    { Path: string
      Content: Result<ReadOnlyMemory<byte>, ReadError>
      Exposure: Exposure option }

/// Why the default location of the saved session is unknown.
[<RequireQualifiedAccess>]
type LocationError = VariableNotSet of name: string

/// Why a save or a delete failed. The credentials themselves are valid by construction.
[<RequireQualifiedAccess>]
type StoreError =
    | IsDirectory of path: string
    | NotRegular of path: string
    | SaveFailed of path: string * problem: IoProblem
    | DeleteFailed of path: string * problem: IoProblem
    /// Another writer held the lock file beside the target for the whole wait (SPEC §7.3).
    | Locked of lockPath: string * seconds: float
    | NoLocation of LocationError
    /// The keychain refused or failed (SPEC §11), or the store chosen is not one.
    | SecretStore of message: string
