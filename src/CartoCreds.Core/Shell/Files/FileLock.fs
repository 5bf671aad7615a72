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

    /// Pauses between two tries: short at first, then at most 50 ms.
    let private pause (attempt: int) = Thread.Sleep(min 50 (1 <<< min attempt 6))

    let private failed (lockPath: string) (problem: IoProblem) = Error(StoreError.SaveFailed(lockPath, problem))

    /// Linux: `open(O_CREAT | O_NOFOLLOW)` and `flock(LOCK_EX | LOCK_NB)` until taken or the wait is over.
    let private takeNative (lockPath: string) (timeout: TimeSpan) : Result<IDisposable, StoreError> =
        match Native.openLock lockPath with
        | Error code -> failed lockPath (Native.problem code)
        | Ok fd ->
            let deadline = DateTime.UtcNow + timeout

            let rec attempt n =
                match Native.tryLock fd with
                | Ok true ->
                    Ok
                        { new IDisposable with
                            member _.Dispose() =
                                Native.unlock fd
                                Native.close fd }
                | Ok false when DateTime.UtcNow < deadline ->
                    pause n
                    attempt (n + 1)
                | Ok false ->
                    Native.close fd
                    Error(StoreError.Locked(lockPath, timeout.TotalSeconds))
                | Error code ->
                    Native.close fd
                    failed lockPath (Native.problem code)

            attempt 0

    /// Elsewhere: a `FileShare.None` handle, tried until taken or the wait is over.
    let private takeManaged (lockPath: string) (timeout: TimeSpan) : Result<IDisposable, StoreError> =
        let deadline = DateTime.UtcNow + timeout

        let rec attempt n =
            try
                Ok(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None) :> IDisposable)
            with
            | :? UnauthorizedAccessException as e -> failed lockPath (Native.problemOf e)
            | :? IOException when DateTime.UtcNow < deadline ->
                pause n
                attempt (n + 1)
            | :? IOException -> Error(StoreError.Locked(lockPath, timeout.TotalSeconds))

        attempt 0

    /// Takes the lock of a target, waiting at most `timeout`; dispose the result to release it.
    let take (target: string) (timeout: TimeSpan) : Result<IDisposable, StoreError> =
        let lockPath = pathOf target

        if Native.available then
            try
                takeNative lockPath timeout
            with
            | :? EntryPointNotFoundException
            | :? DllNotFoundException -> takeManaged lockPath timeout
        else
            takeManaged lockPath timeout

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
