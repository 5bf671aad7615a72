namespace CartoCreds.Core

open System
open System.Net.Http
open System.Threading
open System.Threading.Tasks
open Microsoft.Extensions.Logging
open Microsoft.Extensions.Logging.Abstractions

/// A cache shared by many machines (SPEC §7.7) as the core uses it: an entry's bytes by key (null
/// when there is none), and an entry kept until an absolute expiry. The C# facade makes one of an
/// `IDistributedCache`; the core depends on no cache package.
type SharedStore =
    { Get: string -> CancellationToken -> Task<byte[]>
      Set: string -> byte[] -> DateTimeOffset -> CancellationToken -> Task }

/// How a CARTO 3 session and its token source do their work, with defaults for what a caller
/// leaves out: the library's HTTP client, the system clock, a 10 s bound on each exchange, cache
/// warnings dropped, nothing logged. A caller changes what it needs with `{ SessionOptions.Default with … }`.
type SessionOptions =
    {
        /// The client requests go through: a caller's own (`IHttpClientFactory`'s), else the library's.
        Http: HttpClient option
        /// The clock tokens are judged by: a container's `TimeProvider`, else the system's.
        Time: TimeProvider option
        /// How long a token exchange, and a verification by default, may take.
        Timeout: TimeSpan
        /// Told when the token cache is skipped because another user could have written it.
        Warn: Exposure -> unit
        /// Where token exchanges and the disk cache are logged (SPEC §10).
        Log: ILogger
        /// How long a process waits for another's exchange of the same client's token on this
        /// machine before it exchanges anyway (SPEC §7.4: 10 s).
        ExchangeLockWait: TimeSpan
        /// A token cache shared by many machines (SPEC §7.7), asked on a memory miss before the disk.
        SharedCache: SharedStore option
    }

    static member Default =
        { Http = None
          Time = None
          Timeout = Verification.defaultTimeout
          Warn = ignore
          Log = NullLogger.Instance
          ExchangeLockWait = TimeSpan.FromSeconds 10.0
          SharedCache = None }

    /// The options a caller in another .NET language gives, each null when left out; the rest are
    /// the defaults.
    static member Of
        (http: HttpClient, time: TimeProvider, timeout: Nullable<TimeSpan>, log: ILogger, sharedCache: SharedStore)
        =
        { SessionOptions.Default with
            Http = Option.ofObj http
            Time = Option.ofObj time
            Timeout = if timeout.HasValue then timeout.Value else SessionOptions.Default.Timeout
            Log = (if isNull log then SessionOptions.Default.Log else log)
            SharedCache =
                match box sharedCache with
                | null -> None
                | _ -> Some sharedCache }

    /// The client to send with: the caller's, else the library's shared one, made when first used.
    member this.Client: Lazy<HttpClient> =
        match this.Http with
        | Some client -> Lazy<HttpClient>.CreateFromValue client
        | None -> Http.shared

    /// The clock: the caller's, else the system's.
    member this.Clock: TimeProvider = defaultArg this.Time TimeProvider.System
