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
    /// Windows: another program holds the file open without letting it be replaced.
    | InUse
    | InvalidName
    | Other of code: int

/// Which operating system store keeps secrets in the keychain (SPEC §11).
[<RequireQualifiedAccess>]
type KeychainBackend =
    | SecretService
    | MacKeychain
    | CredentialManager

/// Where a saved secret is kept: a file by its path, or the keychain.
[<RequireQualifiedAccess>]
type Place =
    | File of path: string
    | Keychain of KeychainBackend

/// A D-Bus error reply, by its error name: matched as a value, never searched as text.
[<RequireQualifiedAccess>]
type DBusError =
    | ServiceUnknown
    | NameHasNoOwner
    | IsLocked
    | NotSupported
    | UnknownObject
    | NoSuchObject
    | Other of name: string

[<RequireQualifiedAccess>]
module DBusError =

    /// The error a reply's name stands for.
    let ofName (name: string) : DBusError =
        match name with
        | "org.freedesktop.DBus.Error.ServiceUnknown" -> DBusError.ServiceUnknown
        | "org.freedesktop.DBus.Error.NameHasNoOwner" -> DBusError.NameHasNoOwner
        | "org.freedesktop.Secret.Error.IsLocked" -> DBusError.IsLocked
        | "org.freedesktop.DBus.Error.NotSupported" -> DBusError.NotSupported
        | "org.freedesktop.DBus.Error.UnknownObject" -> DBusError.UnknownObject
        | "org.freedesktop.Secret.Error.NoSuchObject" -> DBusError.NoSuchObject
        | other -> DBusError.Other other

    /// The error's name, as the reply carried it.
    let name (error: DBusError) : string =
        match error with
        | DBusError.ServiceUnknown -> "org.freedesktop.DBus.Error.ServiceUnknown"
        | DBusError.NameHasNoOwner -> "org.freedesktop.DBus.Error.NameHasNoOwner"
        | DBusError.IsLocked -> "org.freedesktop.Secret.Error.IsLocked"
        | DBusError.NotSupported -> "org.freedesktop.DBus.Error.NotSupported"
        | DBusError.UnknownObject -> "org.freedesktop.DBus.Error.UnknownObject"
        | DBusError.NoSuchObject -> "org.freedesktop.Secret.Error.NoSuchObject"
        | DBusError.Other name -> name

/// Why the session bus could not be reached.
[<RequireQualifiedAccess>]
type BusProblem =
    | AddressNotSet
    /// What the connection said, terminal-safe.
    | Unreachable of detail: string

/// Why an item under CartoCreds' attributes is not one it wrote as it is.
[<RequireQualifiedAccess>]
type ForeignItem =
    | DoesNotDecrypt
    | NotText

/// Why the keychain could not be used (SPEC §11): on a save, the error; on a resolve, the reason
/// the layer is absent. None of them holds a secret.
[<RequireQualifiedAccess>]
type KeychainError =
    /// No session bus: `DBUS_SESSION_BUS_ADDRESS` is not set, or nothing answers there.
    | NoSessionBus of BusProblem
    /// Nothing on the bus offers the Secret Service (no gnome-keyring, KWallet or KeePassXC).
    | NoService
    /// The Secret Service has no default collection to save in.
    | NoDefaultCollection
    /// The collection is locked, and unlocking it needs a prompt that cannot be shown (no display).
    | Locked
    /// The unlock prompt was shown, and the person dismissed it (or the keyring could not show it).
    | Dismissed
    /// The unlock prompt was shown, and nobody answered it within its wait.
    | Unanswered of seconds: float
    /// The store took longer than its bound to answer `operation`.
    | TimedOut of operation: string * seconds: float
    /// An item that CartoCreds did not write as it is.
    | NotOurs of ForeignItem
    /// The Secret Service sent a public key outside the session's group.
    | KeyOutsideGroup
    /// A D-Bus error reply to `operation`, with the message the service gave.
    | Failed of operation: string * error: DBusError * detail: string
    /// The platform's store answered `operation` with an error code (an OSStatus, a Windows error).
    | Code of operation: string * backend: KeychainBackend * code: int
    /// A reply to `operation` that is not what the store's protocol lays out (a D-Bus signature
    /// other than the one asked for): not read.
    | UnexpectedReply of operation: string
    /// An item larger than any secret CartoCreds saves: refused, as an oversized file is.
    | TooLarge of size: int64 * limit: int
    /// No keychain on this operating system.
    | Unsupported of platform: string

/// Where the store setting was read (SPEC §11).
[<RequireQualifiedAccess>]
type StoreSettingSource =
    /// `CARTOCREDS_STORE`.
    | Variable
    /// `{config}/cartocreds/config.json`.
    | ConfigFile of path: string
    /// A command-line option (`--store`, `--to`), by its name.
    | Option of name: string
    /// The argument of `config store NAME`.
    | Argument

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
    /// The keychain holds no such item (SPEC §11): its layer is absent, as a missing file's is.
    | NoItem
    /// The secret store chosen (SPEC §11) could not be asked: the keychain's error, or a bad choice.
    | SecretStore of StoreProblem

/// Why the store chosen (SPEC §11) could not be used: the keychain failed, or the setting is bad.
and [<RequireQualifiedAccess>] StoreProblem =
    | Keychain of KeychainError
    | Setting of StoreSettingError

/// Why the store setting could not be read.
and [<RequireQualifiedAccess>] StoreSettingError =
    /// Not `file` nor `keychain`; the value as `Refused.terminalSafe` shows it.
    | NotAStore of source: StoreSettingSource * shown: string
    | ConfigUnreadable of path: string * problem: ReadError
    | ConfigUndecodable of path: string * problem: DecodeError

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
    | SecretStore of StoreProblem
