namespace CartoCreds.Core

open System
open System.Net.Http
open System.Threading
open System.Threading.Tasks

/// The library's own HTTP stack: one client for its calls to CARTO (token exchanges,
/// verification), and a bounded read of an answer.
[<RequireQualifiedAccess>]
module Http =

    /// One client, made on first use: pooled connections, each renewed after a few minutes so
    /// that a DNS change is seen. It follows no redirect (SPEC §7.4, §8): a secret is posted, and
    /// an account verified, at the URL asked for only. Timeouts are the callers' own.
    let shared: Lazy<HttpClient> =
        lazy
            (new HttpClient(
                new SocketsHttpHandler(
                    PooledConnectionLifetime = TimeSpan.FromMinutes 5.0,
                    ConnectTimeout = TimeSpan.FromSeconds 10.0,
                    AllowAutoRedirect = false
                ),
                Timeout = Timeout.InfiniteTimeSpan
            ))

    /// An answer's body read to at most `limit` bytes; `None` when it is longer, which no answer
    /// the library asks for is.
    let readBounded
        (content: HttpContent)
        (limit: int)
        (cancel: CancellationToken)
        : Task<ReadOnlyMemory<byte> option> =
        task {
            use! stream = content.ReadAsStreamAsync(cancel)
            let body = Array.zeroCreate<byte>(limit + 1)
            let mutable total = 0
            let mutable reading = true

            while reading do
                let! n = stream.ReadAsync(body.AsMemory(total, body.Length - total), cancel)
                total <- total + n
                reading <- n > 0 && total < body.Length

            return if total > limit then None else Some(ReadOnlyMemory(body, 0, total))
        }
