namespace CartoCreds.Core

open System
open System.Collections.Generic
open System.Diagnostics
open System.Diagnostics.Metrics
open System.Threading.Tasks

/// <summary>
/// SPEC §10: the library's activities and metrics, both named `CartoCreds`. An activity per token
/// exchange and per verification (`carto.auth.kind`, `carto.auth.outcome`, `server.address`); the
/// counters `cartocreds.token.exchanges` (`outcome`), `cartocreds.token.cache` (`hit` =
/// `memory`, `shared`, `disk` or `miss`) and `cartocreds.token.shared_cache.failures`
/// (`operation` = `read` or `write`), the histogram `cartocreds.token.exchange.duration` (s). Nothing is
/// made or recorded unless a listener is attached; no tag holds a key, token, secret or URL path.
/// </summary>
[<RequireQualifiedAccess>]
module Telemetry =

    /// The name of the `ActivitySource` and of the `Meter`.
    [<Literal>]
    let Name = "CartoCreds"

    let source = new ActivitySource(Name)

    let meter = new Meter(Name)

    let private exchanges =
        meter.CreateCounter<int64>(
            "cartocreds.token.exchanges",
            null,
            "Token exchanges of client credentials, by outcome"
        )

    let private exchangeDuration =
        meter.CreateHistogram<float>("cartocreds.token.exchange.duration", "s", "How long a token exchange took")

    let private cache =
        meter.CreateCounter<int64>("cartocreds.token.cache", null, "Where a token was found: memory, disk, or a miss")

    let private sharedFailures =
        meter.CreateCounter<int64>(
            "cartocreds.token.shared_cache.failures",
            null,
            "Calls to the shared token cache that failed or took too long, after which it is skipped for 30 s"
        )

    let private apiTokens =
        meter.CreateCounter<int64>(
            "cartocreds.api_tokens",
            null,
            "Calls to CARTO's Tokens API, by operation (create, list, delete) and outcome"
        )

    /// A call to the Tokens API: `operation` (`create`, `list`, `delete`) and its outcome.
    let apiTokenCall (operation: string) (outcome: string) =
        if apiTokens.Enabled then
            apiTokens.Add(
                1L,
                KeyValuePair<string, obj>("operation", operation),
                KeyValuePair<string, obj>("outcome", outcome)
            )

    /// A call to the shared token cache that failed or timed out: `read` or `write`.
    let sharedCacheFailed (operation: string) =
        if sharedFailures.Enabled then
            sharedFailures.Add(1L, KeyValuePair<string, obj>("operation", operation))

    /// A token asked for, found in `hit`: `memory`, `shared`, `disk` or `miss` (then exchanged).
    let cacheHit (hit: string) =
        if cache.Enabled then
            cache.Add(1L, KeyValuePair<string, obj>("hit", hit))

    /// An exchange's outcome, as its tag says it.
    let exchangeOutcome (result: Result<AccessToken, ExchangeError>) : string =
        match result with
        | Ok _ -> "success"
        | Error(ExchangeError.Refused(429, _, _)) -> "rate_limited"
        | Error(ExchangeError.Refused _) -> "refused"
        | Error(ExchangeError.Unreachable _) -> "unreachable"
        | Error(ExchangeError.TimedOut _) -> "timed_out"
        | Error(ExchangeError.Redirected _) -> "redirected"
        | Error(ExchangeError.UnexpectedAnswer _ | ExchangeError.BadExpiry _) -> "unexpected_answer"

    /// A verification's outcome, as its tag says it.
    let verifyOutcome (result: Result<'T, VerifyError>) : string =
        match result with
        | Ok _ -> "verified"
        | Error e ->
            match e.Failure with
            | VerifyFailure.Rejected -> "rejected"
            | VerifyFailure.NotFound -> "not_found"
            | VerifyFailure.RateLimited -> "rate_limited"
            | VerifyFailure.UnexpectedAnswer -> "unexpected_answer"
            | VerifyFailure.Unreachable -> "unreachable"
            | VerifyFailure.InvalidRequest -> "invalid_request"

    /// A Tokens API call's outcome, as its tag says it.
    let tokensOutcome (result: Result<'T, VerifyError>) : string =
        match result with
        | Ok _ -> "success"
        | Error _ -> verifyOutcome result

    /// The host of a URL, for `server.address`.
    let private hostOf (url: string) =
        match Uri.TryCreate(url, UriKind.Absolute) with
        | true, uri -> uri.Host
        | _ -> ""

    /// Runs `work` inside an activity `name` when a listener wants one (else runs it as it is, with
    /// nothing made), tagging it with the kind, the server's host and the outcome.
    let traced
        (name: string)
        (kind: string)
        (url: string)
        (outcomeOf: 'T -> string)
        (work: unit -> Task<'T>)
        : Task<'T> =
        match source.StartActivity(name, ActivityKind.Client) with
        | null -> work ()
        | activity ->
            activity.SetTag("carto.auth.kind", kind).SetTag("server.address", hostOf url) |> ignore

            task {
                let mutable outcome = "cancelled"

                try
                    let! result = work ()
                    outcome <- outcomeOf result
                    return result
                finally
                    activity.SetTag("carto.auth.outcome", outcome) |> ignore

                    if outcome <> "success" && outcome <> "verified" then
                        activity.SetStatus ActivityStatusCode.Error |> ignore

                    activity.Dispose()
            }

    /// One exchange of client credentials at `authUrl` (`post` gives the answer and when to retry),
    /// traced, timed and counted by its outcome.
    let exchange (authUrl: string) (post: unit -> Task<Result<AccessToken, ExchangeError> * 'Wait>) =
        task {
            let started = Stopwatch.GetTimestamp()

            let! answer, wait =
                traced "cartocreds.token.exchange" "client_credentials" authUrl (fst >> exchangeOutcome) post

            let outcome = KeyValuePair<string, obj>("outcome", exchangeOutcome answer)

            if exchanges.Enabled then
                exchanges.Add(1L, outcome)

            if exchangeDuration.Enabled then
                exchangeDuration.Record((Stopwatch.GetElapsedTime started).TotalSeconds, outcome)

            return answer, wait
        }
