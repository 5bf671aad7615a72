/// The keychain's tests' own parts: a fact skipped where the private keyring cannot run, and a
/// wait until it answers (the keyring itself: CartoCreds.Testing.PrivateKeyring).
module CartoCreds.Core.Tests.PrivateKeyring

open System
open System.Diagnostics
open System.Threading
open Xunit

type Bus = CartoCreds.Testing.PrivateKeyring.Bus

/// A test that needs the private keyring: skipped, with the reason, where it cannot run.
type KeyringFactAttribute() as this =
    inherit FactAttribute()

    do
        match CartoCreds.Testing.PrivateKeyring.missing with
        | Some reason -> this.Skip <- reason
        | None -> ()

/// Waits (at most 10 s) until the keyring answers on `bus`, by finding an item that is not there.
let ready (keychain: CartoCreds.Core.IKeychain) =
    let item = CartoCreds.Core.KeychainItem.profileToken "probe" ""
    let clock = Stopwatch.StartNew()

    let rec wait () =
        match (keychain.Find item).Result with
        | Ok _ -> ()
        | Error _ when clock.Elapsed < TimeSpan.FromSeconds 10.0 ->
            Thread.Sleep 100
            wait ()
        | Error e -> failwithf "the private keyring did not answer within 10 s: %A" e

    wait ()
