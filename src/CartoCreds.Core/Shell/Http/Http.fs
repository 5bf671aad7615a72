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

    /// Why a request failed, in plain English: what the connection said, never the platform's
    /// message (a resource key in the AOT build) nor an enum's name.
    let failure (e: HttpRequestException) : string =
        let socket =
            match e.InnerException with
            | :? Net.Sockets.SocketException as s -> Some s.SocketErrorCode
            | _ -> None

        match e.HttpRequestError, socket with
        | HttpRequestError.NameResolutionError, _
        | _, Some Net.Sockets.SocketError.HostNotFound -> "the host name could not be resolved"
        | _, Some Net.Sockets.SocketError.ConnectionRefused -> "the connection was refused"
        | _, Some(Net.Sockets.SocketError.NetworkUnreachable | Net.Sockets.SocketError.HostUnreachable) ->
            "the host could not be reached over the network"
        | _, Some Net.Sockets.SocketError.TimedOut -> "the connection timed out"
        | HttpRequestError.SecureConnectionError, _ -> "a secure (TLS) connection could not be made"
        | HttpRequestError.ProxyTunnelError, _ -> "the proxy could not open a connection to the host"
        | HttpRequestError.UserAuthenticationError, _ -> "the proxy asked for credentials"
        | (HttpRequestError.HttpProtocolError | HttpRequestError.InvalidResponse), _ ->
            "the server's answer was not valid HTTP"
        | HttpRequestError.ResponseEnded, _ -> "the server closed the connection before it answered"
        | (HttpRequestError.VersionNegotiationError | HttpRequestError.ExtendedConnectNotSupported), _ ->
            "the server and the client could not agree on an HTTP version"
        | HttpRequestError.ConfigurationLimitExceeded, _ -> "the answer's headers were larger than allowed"
        | _ -> "the connection could not be made"

    /// A connection closed while an answer was read.
    [<Literal>]
    let closedEarly = "the connection was closed before the answer was read"

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
