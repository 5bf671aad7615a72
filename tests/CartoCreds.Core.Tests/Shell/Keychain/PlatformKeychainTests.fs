/// SPEC §11 on macOS and Windows: the same round trip as the Secret Service's, against the user's
/// real Keychain or Credential Manager, under a name of its own, removed afterwards. They run on
/// their own operating system; elsewhere they are counted as skipped, with the reason. (Windows'
/// also runs under Wine, in `CartoCreds.Core.Tests.Windows`.)
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

[<OnOsFact("macOS")>]
let ``macOS Keychain: a secret saved is found, replaced in place, and removed`` () =
    KeychainContract.roundTrip (MacKeychain())

[<OnOsFact("Windows")>]
let ``Windows Credential Manager: a secret saved is found, replaced in place, and removed`` () =
    KeychainContract.roundTrip (WindowsCredentialManager())
