namespace CartoCreds.Core

open System
open System.IO
open System.Threading

/// SPEC §7.3: the writers of a shared file serialized across processes by an exclusive lock on a
/// file beside it (`{file}.lock`). On Linux the lock is `flock`, so a writer that is killed
/// releases it with its last descriptor and never leaves a stale lock; elsewhere it is a file
/// opened with `FileShare.None` (`flock` again on macOS; a share-none handle on Windows, which the
/// system closes when the process ends). The lock file stays: removing it would let two writers
/// lock two different files of the same name.
[<RequireQualifiedAccess>]
module FileLock =

    /// How long a writer waits for another to finish before it gives up, naming the lock.
    let wait = TimeSpan.FromSeconds 10.0

    /// The lock file of a target: `{target}.lock` beside it.
    let pathOf (target: string) : string = target + ".lock"

    /// Takes the lock of a target, waiting at most `timeout`; dispose the result to release it.
    let take (target: string) (timeout: TimeSpan) : Result<IDisposable, StoreError> =
        FileSystems.current.Lock (pathOf target) timeout

    /// <summary>
    /// Runs a read-modify-write of `target` while holding its lock (taken within `timeout`), so
    /// that writers in other processes run one after another and none loses another's change.
    /// The directory of the target must exist. Readers take no lock: the atomic rename keeps
    /// what they read whole.
    /// </summary>
    let within (target: string) (timeout: TimeSpan) (work: unit -> Result<'T, 'E>) (ofStore: StoreError -> 'E) =
        match take target timeout with
        | Error e -> Error(ofStore e)
        | Ok held ->
            use _ = held
            work ()
