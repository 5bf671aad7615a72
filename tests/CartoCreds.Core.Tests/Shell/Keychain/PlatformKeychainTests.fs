/// SPEC §11 on macOS and Windows: the same round trip as the Secret Service's, against the user's
/// real Keychain or Credential Manager, under a name of its own, removed afterwards. They run on
/// their own operating system; elsewhere they are counted as skipped, with the reason.
module CartoCreds.Core.Tests.PlatformKeychainTests

open System
open CartoCreds.Core
open Xunit

type OnOsFactAttribute(os: string) as this =
    inherit FactAttribute()

    do
        let here =
            match os with
            | "macOS" -> OperatingSystem.IsMacOS()
            | "Windows" -> OperatingSystem.IsWindows()
            | _ -> false

        if not here then
            this.Skip <- os + "'s keychain is tested on " + os

let private roundTrip (keychain: IKeychain) =
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

[<OnOsFact("macOS")>]
let ``macOS Keychain: a secret saved is found, replaced in place, and removed`` () = roundTrip (MacKeychain())

[<OnOsFact("Windows")>]
let ``Windows Credential Manager: a secret saved is found, replaced in place, and removed`` () =
    roundTrip (WindowsCredentialManager())
