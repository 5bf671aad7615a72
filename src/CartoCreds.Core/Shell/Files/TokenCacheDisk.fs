namespace CartoCreds.Core

open System
open System.IO
open System.Security.Cryptography
open System.Threading.Tasks

/// The machine-wide lock of one client's exchange (SPEC §7.4), or why there is none. Disposing
/// it releases a lock that is held.
[<RequireQualifiedAccess>]
type ExchangeLock =
    | Held of IDisposable
    /// Another process held it for the whole wait: this one exchanges anyway.
    | Waited of lockPath: string * waited: TimeSpan
    /// No lock could be had (a cache directory another user could change, a file that cannot be
    /// made or locked): the process exchanges on its own, as with no cache.
    | Unavailable

    interface IDisposable with
        member this.Dispose() =
            match this with
            | Held held -> held.Dispose()
            | Waited _
            | Unavailable -> ()

/// SPEC §7.4's disk cache of exchanged tokens, the one place that owns it: the file's path in
/// the cache directory, the trust checks (used only when the file and its directories are the
/// user's own and follow no link), the read and the atomic private write. What the file holds is
/// `TokenCache`'s to say (`Domain/Tokens`): a token bound to a salted hash of the secret.
[<RequireQualifiedAccess>]
module TokenCacheDisk =

    /// The cache file of an endpoint's client in `directory`: named by a hash of the auth server
    /// and the client id, never by the secret.
    let path (directory: string) (endpoint: TokenEndpoint) : string =
        Path.Combine(directory, TokenCache.name endpoint.Auth endpoint.ClientId)

    /// The token in the file at `path`, when it is this endpoint's client's and secret's; `None`
    /// when there is none. An `Error` when the file or a directory above it could be another
    /// user's: the cache is not read at all then.
    let read (path: string) (endpoint: TokenEndpoint) : Result<AccessToken option, Exposure> =
        Disk.readPrivate path
        |> Result.map (fun read ->
            match read.Content with
            | Ok bytes -> TokenCache.read endpoint.Auth endpoint.ClientId endpoint.Secret bytes
            | Error _ -> None)

    /// Writes `token` to the file at `path` for other processes (atomic, 0600), with a fresh
    /// salt. An `Error` when a directory above it could be another user's: nothing is written then.
    /// A failed write is not an error of the caller's: the token is served all the same.
    let write (path: string) (endpoint: TokenEndpoint) (token: AccessToken) : Result<unit, Exposure> =
        match Disk.privateDirectories path with
        | Some exposure -> Error exposure
        | None ->
            let salt = Convert.ToHexString(RandomNumberGenerator.GetBytes 16).ToLowerInvariant()

            CodecDisk.write path (TokenCache.bytes endpoint.Auth endpoint.ClientId endpoint.Secret salt token) |> ignore

            Ok()

    /// The exchange lock of the cache file at `path`: `tokens/{hash}.lock`.
    let lockPath (path: string) : string = Path.ChangeExtension(path, ".lock")

    /// <summary>
    /// Takes the machine-wide lock of this client's exchange (SPEC §7.4): tried at once, then every
    /// 20 ms until `wait` is over, without holding a thread meanwhile. The cache's directories are
    /// made first (private), unless another user could change them.
    /// </summary>
    let lockExchange (path: string) (wait: TimeSpan) : Task<ExchangeLock> =
        let target = lockPath path

        match Disk.privateDirectories path with
        | Some _ -> Task.FromResult ExchangeLock.Unavailable
        | None ->
            try
                CodecDisk.ensureDirectory (Path.GetDirectoryName(Path.GetFullPath path))

                task {
                    let watch = Diagnostics.Stopwatch.StartNew()
                    let mutable outcome = None

                    while outcome.IsNone do
                        match FileSystems.current.Lock target TimeSpan.Zero with
                        | Ok held -> outcome <- Some(ExchangeLock.Held held)
                        | Error(StoreError.Locked _) when watch.Elapsed < wait -> do! Task.Delay 20
                        | Error(StoreError.Locked _) -> outcome <- Some(ExchangeLock.Waited(target, watch.Elapsed))
                        | Error _ -> outcome <- Some ExchangeLock.Unavailable

                    return outcome.Value
                }
            with
            | :? IOException
            | :? UnauthorizedAccessException -> Task.FromResult ExchangeLock.Unavailable
