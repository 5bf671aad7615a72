namespace CartoCreds.Core

open System
open System.Security.Cryptography
open System.Text

/// Where a memory miss is served from (SPEC §7.7's order: the shared cache, the disk, an exchange).
[<RequireQualifiedAccess>]
type FirstLook =
    | FromShared of AccessToken
    | FromDisk of AccessToken
    | Exchange

/// What an exchange's answer makes of the session (SPEC §7.4).
[<RequireQualifiedAccess>]
type ExchangeOutcome =
    /// A new token.
    | Exchanged of AccessToken
    /// The replacement failed while the token held is still valid: it is served until `until`.
    | KeepHeld of held: AccessToken * until: DateTimeOffset * error: ExchangeError
    /// The server asked to wait (429): no exchange before `until`.
    | RateLimited of until: DateTimeOffset * error: ExchangeError
    /// Nothing to serve.
    | Failed of ExchangeError

/// How the fleet's claim on replacing a token stands, as read from the shared cache (SPEC §7.7).
[<RequireQualifiedAccess>]
type ClaimStanding =
    /// Another instance's claim, still live.
    | Claimed
    | Unclaimed
    /// The cache did not answer: there is no fleet to wait for.
    | CacheFailed

/// What an instance does about the claim before it exchanges.
[<RequireQualifiedAccess>]
type ClaimMove =
    | WaitForClaimant
    | ExchangeNow
    | MakeClaim

/// SPEC §7.4 and §7.7's decisions on a memory miss, without I/O: where a token is served from,
/// which token another process or machine left is taken, what an exchange's answer makes of the
/// session, and the fleet's claim on making the exchange.
[<RequireQualifiedAccess>]
module TokenRenewal =

    /// The shared cache's token first; the disk's (read only when nothing is held) while it is not
    /// due; else an exchange.
    let firstLook (now: DateTimeOffset) (shared: AccessToken option) (onDisk: AccessToken option) : FirstLook =
        match shared, onDisk with
        | Some token, _ -> FirstLook.FromShared token
        | None, Some token when token.NotDueAt now -> FirstLook.FromDisk token
        | _ -> FirstLook.Exchange

    /// A token another process wrote to disk while this one waited for the lock: taken when it is
    /// not due and is not the one held.
    let peer (now: DateTimeOffset) (current: AccessToken option) (onDisk: AccessToken option) : AccessToken option =
        onDisk
        |> Option.filter (fun token ->
            token.NotDueAt now && current |> Option.forall (fun held -> held.Value <> token.Value))

    /// What the exchange's `answer` makes of the session at `now`, with the token `held` (if any)
    /// and the server's wait (`Retry-After`) when it gave one.
    let afterExchange
        (now: DateTimeOffset)
        (answer: Result<AccessToken, ExchangeError>)
        (held: AccessToken option)
        (retryAfter: TimeSpan option)
        : ExchangeOutcome =
        match answer, held with
        | Ok token, _ -> ExchangeOutcome.Exchanged token
        | Error error, Some token when TokenExchange.isValid now token ->
            ExchangeOutcome.KeepHeld(token, now + TokenExchange.backOff, error)
        | Error(ExchangeError.Refused(429, _, _) as error), _ ->
            ExchangeOutcome.RateLimited(now + TokenExchange.rateLimitWait retryAfter, error)
        | Error error, _ -> ExchangeOutcome.Failed error

    /// The claim's key: on replacing the token held (or getting the first), so that a claim made
    /// for a token already replaced never holds up the next renewal.
    let claimKey (key: string) (current: AccessToken option) : string =
        let replacing =
            match current with
            | Some token -> Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes token.Value), 0, 8)
            | None -> "none"

        key + ":claim:" + replacing.ToLowerInvariant()

    /// Before an exchange: wait for a live claim, exchange when the cache failed, else claim.
    let beforeClaim (standing: ClaimStanding) : ClaimMove =
        match standing with
        | ClaimStanding.Claimed -> ClaimMove.WaitForClaimant
        | ClaimStanding.CacheFailed -> ClaimMove.ExchangeNow
        | ClaimStanding.Unclaimed -> ClaimMove.MakeClaim

    /// Whether this instance's claim stood: its write failed (no fleet to defer to), its read-back
    /// failed or found nothing, or it found its own claim. The cache has no atomic write: the last
    /// claim written wins.
    let claimWon (written: bool) (readBack: byte[] option) (mine: byte[]) : bool =
        not written
        || (match readBack with
            | Some claim -> claim.AsSpan().SequenceEqual(ReadOnlySpan mine)
            | None -> true)

    /// Whether a wait for the claimant's token may take another `step` before `deadline`.
    let keepWaiting (now: DateTimeOffset) (deadline: DateTimeOffset) (step: TimeSpan) : bool = now + step <= deadline
