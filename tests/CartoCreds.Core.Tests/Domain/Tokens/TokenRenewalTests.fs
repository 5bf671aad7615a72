/// SPEC §7.4 and §7.7's decisions on a memory miss, pure: where a token is served from, which
/// token another process left is taken, what an exchange's answer makes of the session, and the
/// fleet's claim; each moved across its transitions by one clock.
module CartoCreds.Core.Tests.TokenRenewalTests

open System
open Xunit
open CartoCreds.Core
open CartoCreds.Testing

let private start = DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero)

/// A token issued at `issued` that expires an hour later (due 5 minutes before).
let private issuedAt (issued: DateTimeOffset) (value: string) =
    TokenExchange.token issued value (Some(issued.AddHours 1.0))

[<Fact>]
let ``a memory miss is served from the shared cache, then from a disk token not due, else by an exchange`` () =
    let clock = ManualClock start
    let shared = issuedAt start "shared-token-0001"
    let disk = issuedAt start "disk-token-0002"

    Assert.Equal(FirstLook.FromShared shared, TokenRenewal.firstLook (clock.GetUtcNow()) (Some shared) (Some disk))
    Assert.Equal(FirstLook.FromDisk disk, TokenRenewal.firstLook (clock.GetUtcNow()) None (Some disk))
    Assert.Equal(FirstLook.Exchange, TokenRenewal.firstLook (clock.GetUtcNow()) None None)

    // The disk's token read back after a restart, moved past its refresh time: an exchange.
    clock.Advance(disk.RefreshOn.Value - clock.GetUtcNow() - TimeSpan.FromSeconds 1.0)
    Assert.Equal(FirstLook.FromDisk disk, TokenRenewal.firstLook (clock.GetUtcNow()) None (Some disk))
    clock.Advance(TimeSpan.FromSeconds 1.0)
    Assert.Equal(FirstLook.Exchange, TokenRenewal.firstLook (clock.GetUtcNow()) None (Some disk))

[<Fact>]
let ``a peer's token on disk is taken while it is not due and is not the one held`` () =
    let clock = ManualClock start
    let held = issuedAt start "held-token-0001"
    let peer = issuedAt (start.AddMinutes 1.0) "peer-token-0002"

    Assert.Equal(Some peer, TokenRenewal.peer (clock.GetUtcNow()) (Some held) (Some peer))
    Assert.Equal(None, TokenRenewal.peer (clock.GetUtcNow()) (Some held) (Some held))
    Assert.Equal(None, TokenRenewal.peer (clock.GetUtcNow()) (Some held) None)
    clock.Advance(peer.RefreshOn.Value - clock.GetUtcNow())
    Assert.Equal(None, TokenRenewal.peer (clock.GetUtcNow()) (Some held) (Some peer))

[<Fact>]
let ``an exchange's answer: a new token; a failure with a valid token held backs off; a 429 waits; else it fails`` () =
    let clock = ManualClock start
    let held = issuedAt start "held-token-0001"
    let fresh = issuedAt start "fresh-token-0002"
    let refused = ExchangeError.Refused(400, Some "invalid_grant", None)
    let limited = ExchangeError.Refused(429, None, None)
    let now () = clock.GetUtcNow()

    Assert.Equal(ExchangeOutcome.Exchanged fresh, TokenRenewal.afterExchange (now ()) (Ok fresh) (Some held) None)

    Assert.Equal(
        ExchangeOutcome.KeepHeld(held, now () + TokenExchange.backOff, refused),
        TokenRenewal.afterExchange (now ()) (Error refused) (Some held) None
    )

    Assert.Equal(
        ExchangeOutcome.RateLimited(now () + TimeSpan.FromSeconds 7.0, limited),
        TokenRenewal.afterExchange (now ()) (Error limited) None (Some(TimeSpan.FromSeconds 7.0))
    )

    Assert.Equal(ExchangeOutcome.Failed refused, TokenRenewal.afterExchange (now ()) (Error refused) None None)

    // Once the held token has expired, a failure serves nothing.
    clock.Advance(TimeSpan.FromHours 1.0)
    Assert.Equal(ExchangeOutcome.Failed refused, TokenRenewal.afterExchange (now ()) (Error refused) (Some held) None)

[<Fact>]
let ``the fleet's claim: a live claim is waited for, a failed cache exchanges, else a claim is made; the last written wins``
    ()
    =
    Assert.Equal(ClaimMove.WaitForClaimant, TokenRenewal.beforeClaim ClaimStanding.Claimed)
    Assert.Equal(ClaimMove.ExchangeNow, TokenRenewal.beforeClaim ClaimStanding.CacheFailed)
    Assert.Equal(ClaimMove.MakeClaim, TokenRenewal.beforeClaim ClaimStanding.Unclaimed)
    let mine = [| 1uy; 2uy; 3uy |]
    Assert.True(TokenRenewal.claimWon true (Some [| 1uy; 2uy; 3uy |]) mine)
    Assert.False(TokenRenewal.claimWon true (Some [| 9uy |]) mine)
    Assert.True(TokenRenewal.claimWon true None mine)
    Assert.True(TokenRenewal.claimWon false (Some [| 9uy |]) mine)

    // A claim on the token held, not on the next one: a renewal is never held up by an old claim.
    let held = issuedAt start "held-token-0001"
    let next = issuedAt start "next-token-0002"
    Assert.Equal("k:claim:none", TokenRenewal.claimKey "k" None)
    Assert.NotEqual<string>(TokenRenewal.claimKey "k" (Some held), TokenRenewal.claimKey "k" (Some next))
    Assert.DoesNotContain("held-token", TokenRenewal.claimKey "k" (Some held))

[<Fact>]
let ``a wait for the claimant keeps its deadline by the clock, however long each read took`` () =
    let clock = ManualClock start
    let deadline = start + TimeSpan.FromSeconds 3.0
    let step = TimeSpan.FromMilliseconds 100.0
    let mutable reads = 0

    // Each read of a slow cache takes 400 ms besides the 100 ms pause.
    while TokenRenewal.keepWaiting (clock.GetUtcNow()) deadline step do
        clock.Advance(step + TimeSpan.FromMilliseconds 400.0)
        reads <- reads + 1

    Assert.Equal(6, reads)
    Assert.True(clock.GetUtcNow() <= deadline + TimeSpan.FromMilliseconds 500.0)

[<Fact>]
let ``a token given whole has no time to replace it, and is never due`` () =
    let given = { Value = "given-token-0001"; ExpiresOn = None; RefreshOn = None }

    Assert.True(given.NotDueAt DateTimeOffset.MaxValue)
    Assert.Equal(FirstLook.FromDisk given, TokenRenewal.firstLook start None (Some given))
