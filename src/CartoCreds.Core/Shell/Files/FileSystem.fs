namespace CartoCreds.Core

open System
open System.Threading

/// The file primitives the shell is built on, one implementation per platform behind this one
/// shape (as git-credential-manager keeps a credential store per platform): `LinuxFiles` over the
/// system calls .NET does not expose, `PortableFiles` over the managed APIs (macOS, Windows, and
/// any system where a call is missing). `FileSystems.current` chooses.
type internal FileSystem =
    {
        /// Reads a regular file (an absolute path) of at most `limit` bytes, following a symbolic
        /// link in its place only when `follow`; never throws, never waits on a FIFO or a device.
        Read: int -> bool -> string -> FileRead
        /// Reads a private file of at most `limit` bytes (SPEC §7.4's token cache): no link followed
        /// in place of the file or its directory, and both, and the directory above, the user's
        /// own and not writable by others; `Error` names what failed that, and nothing is read.
        ReadPrivate: int -> string -> Result<FileRead, Exposure>
        /// Whether another user could change a directory: a link in its place (when none may be
        /// followed), another user's, or writable by group or others.
        DirectoryTrust: bool -> string -> Exposure option
        /// Who else could replace a file not there yet in a directory (a sticky one protects it).
        DirectoryExposure: string -> Exposure option
        /// Takes the exclusive lock of a lock file within the wait; dispose the result to release it.
        Lock: string -> TimeSpan -> Result<IDisposable, StoreError>
        /// What is at a path now, following links: nothing, a file, a directory, or another kind.
        KindAt: string -> FileKind option
        /// Flushes a directory after a rename in it (where the platform can).
        SyncDirectory: string -> unit
    }

/// What the implementations share.
module internal FileSystemParts =

    /// Whether this is a Unix (modes, owners, links to refuse): the one place the file code asks.
    let isUnix = not (System.OperatingSystem.IsWindows())

    /// Group or others may write.
    let groupOrOthersWrite = 0o022

    let stickyBit = 0o1000

    /// Pauses between two tries of a lock: short at first, then at most 50 ms.
    let pause (attempt: int) = Thread.Sleep(min 50 (1 <<< min attempt 6))

    /// A lock file that could not be opened or locked.
    let lockFailed (lockPath: string) (problem: IoProblem) = Error(StoreError.SaveFailed(lockPath, problem))
