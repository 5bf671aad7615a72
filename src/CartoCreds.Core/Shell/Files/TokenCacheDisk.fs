namespace CartoCreds.Core

open System
open System.IO
open System.Security.Cryptography

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
