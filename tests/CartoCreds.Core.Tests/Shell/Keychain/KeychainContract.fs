/// What every keychain promises, as one round trip under a name of its own, removed afterwards:
/// run by `PlatformKeychainTests` on macOS and Windows, and under Wine by
/// `CartoCreds.Core.Tests.Windows` against Wine's Credential Manager.
module CartoCreds.Core.Tests.KeychainContract

open System
open Xunit
open CartoCreds.Core

/// A secret saved is found, replaced in place, and removed; the user's own items are never touched.
let roundTrip (keychain: IKeychain) =
    // A profile's token under a name of its own: the user's saved session is never touched.
    let item =
        KeychainItem.profileToken ("cartocreds-test-" + Guid.NewGuid().ToString("N")) "https://alice.carto.com"

    let ok (result: Threading.Tasks.Task<Result<'T, KeychainError>>) =
        match result.Result with
        | Ok value -> value
        | Error e -> failwithf "keychain: %s" (ValueMessages.keychainError e)

    try
        Assert.Equal(None, ok (keychain.Find item))
        ok (keychain.Save(item, "first-secret-0001"))
        Assert.Equal(Some "first-secret-0001", ok (keychain.Find item))
        ok (keychain.Save(item, "second-secret-0002 é"))
        Assert.Equal(Some "second-secret-0002 é", ok (keychain.Find item))
        Assert.True(ok (keychain.Delete item))
        Assert.Equal(None, ok (keychain.Find item))
        Assert.False(ok (keychain.Delete item))
    finally
        keychain.Delete item |> ignore
