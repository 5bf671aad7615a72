/// SPEC §11 on Linux, against a real Secret Service: gnome-keyring on a private session bus.
module CartoCreds.Core.Tests.SecretServiceTests

open System
open System.Diagnostics
open CartoCreds.Core
open CartoCreds.Core.Tests.PrivateKeyring
open Xunit

/// A profile's token: found by its profile, so that two of them are two items.
let private item profile = KeychainItem.profileToken profile "https://gcp-us-east1.api.carto.com"

let private keychainOn (bus: Bus) = SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0) :> IKeychain

let private ok (result: Threading.Tasks.Task<Result<'T, KeychainError>>) =
    match result.Result with
    | Ok value -> value
    | Error e -> failwithf "keychain: %s" (ValueMessages.keychainError e)

let private error (result: Threading.Tasks.Task<Result<'T, KeychainError>>) =
    match result.Result with
    | Ok value -> failwithf "expected an error, got %A" value
    | Error e -> e

[<KeyringFact>]
let ``a secret saved is found, replaced in place, and removed; secret-tool finds it by service=cartocreds`` () =
    use bus = new Bus(keyring = true)
    let keychain = keychainOn bus
    ready keychain
    let alice = item "alice"

    Assert.Equal(None, ok (keychain.Find alice))
    ok (keychain.Save(alice, "first-secret-0001"))
    Assert.Equal(Some "first-secret-0001", ok (keychain.Find alice))
    ok (keychain.Save(alice, "second-secret-0002 é ü"))
    Assert.Equal(Some "second-secret-0002 é ü", ok (keychain.Find alice))
    Assert.Equal(None, ok (keychain.Find(item "bob")))

    // The saved session is one item, whoever's: saved for bob, it replaces alice's.
    let session (account: string) =
        { KeychainItem.legacySession with
            Account = account
            Url = "https://" + account + ".carto.com" }

    ok (keychain.Save(session "alice", "alice-session-0007"))
    ok (keychain.Save(session "bob", "bob-session-0008"))
    Assert.Equal(Some "bob-session-0008", ok (keychain.Find KeychainItem.legacySession))
    Assert.True(ok (keychain.Delete KeychainItem.legacySession))

    // Another program sees one item (replaced, not added), labelled for a person, with its attributes.
    let code, found, errors = bus.Run "secret-tool" [ "search"; "--all"; "service"; "cartocreds" ] ""
    Assert.True((code = 0), errors)
    let output = found + errors // secret-tool prints the attributes on stderr
    Assert.Equal(1, output.Split('\n') |> Array.filter (fun l -> l.StartsWith "label = ") |> Array.length)
    Assert.Contains("label = CartoCreds: CARTO 3 token of profile alice (https://gcp-us-east1.api.carto.com)", output)
    Assert.Contains("attribute.kind = profile-token", output)
    Assert.Contains("attribute.account = alice", output)
    Assert.Contains("secret = second-secret-0002 é ü", output)

    Assert.True(ok (keychain.Delete alice))
    Assert.Equal(None, ok (keychain.Find alice))
    Assert.False(ok (keychain.Delete alice))

[<KeyringFact>]
let ``a secret another program stored is read through the encrypted session`` () =
    use bus = new Bus(keyring = true)
    let keychain = keychainOn bus
    ready keychain
    let alice = item "alice"

    let attributes = KeychainItem.attributes alice |> List.collect (fun (name, value) -> [ name; value ])

    let code, _, errors =
        bus.Run "secret-tool" ([ "store"; "--label=stored by secret-tool" ] @ attributes) "stored-elsewhere-0003"

    Assert.True((code = 0), errors)

    Assert.Equal(Some "stored-elsewhere-0003", ok (keychain.Find alice))

[<KeyringFact>]
let ``no session bus, a bus with no Secret Service, and a keyring that does not answer are errors that say so`` () =
    let absent = SecretServiceKeychain(None, TimeSpan.FromSeconds 5.0) :> IKeychain

    match error (absent.Find(item "alice")) with
    | KeychainError.NoSessionBus _ as e -> Assert.Contains("--store file", ValueMessages.keychainError e)
    | e -> failwithf "expected no session bus, got %A" e

    let nowhere =
        SecretServiceKeychain(Some "unix:path=/nonexistent/cartocreds-bus", TimeSpan.FromSeconds 5.0) :> IKeychain

    match error (nowhere.Save(item "alice", "never-stored-0004")) with
    | KeychainError.NoSessionBus _ -> ()
    | e -> failwithf "expected no session bus, got %A" e

    use empty = new Bus(keyring = false)

    match error ((keychainOn empty).Find(item "alice")) with
    | KeychainError.NoService as e -> Assert.Contains("gnome-keyring", ValueMessages.keychainError e)
    | e -> failwithf "expected no Secret Service, got %A" e

    // A keyring daemon that stops answering (stopped with SIGSTOP): the call ends at its bound.
    use bus = new Bus(keyring = true)
    let keychain = keychainOn bus
    ready keychain
    let pid = bus.KeyringProcess.Value.Id
    Process.Start("kill", [ "-STOP"; string pid ]).WaitForExit()

    try
        let quick = SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 1.0) :> IKeychain
        let clock = Stopwatch.StartNew()

        match error (quick.Find(item "alice")) with
        | KeychainError.TimedOut _ as e -> Assert.Contains("within 1 s", ValueMessages.keychainError e)
        | e -> failwithf "expected a timeout, got %A" e

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds 0.9, TimeSpan.FromSeconds 4.0)
    finally
        Process.Start("kill", [ "-CONT"; string pid ]).WaitForExit()

[<KeyringFact>]
let ``a locked keyring whose unlocking needs a prompt is 'keychain locked', naming --store file`` () =
    use bus = new Bus(keyring = true)
    let keychain = keychainOn bus
    ready keychain
    ok (keychain.Save(item "alice", "locked-away-0005"))

    bus.LockLogin()

    for result in
        [ keychain.Find(item "alice") |> fun t -> t.Result |> Result.map ignore
          (keychain.Save(item "alice", "not-stored-0006")).Result ] do
        match result with
        | Error KeychainError.Locked ->
            Assert.StartsWith("keychain locked", ValueMessages.keychainError KeychainError.Locked)
            Assert.Contains("--store file", ValueMessages.keychainError KeychainError.Locked)
        | other -> failwithf "expected keychain locked, got %A" other

[<Fact>]
let ``the session's private exponents come from the kernel's generator: full length, never the same twice`` () =
    let draws = List.init 200 (fun _ -> SecretServiceSession.randomBytes SecretSessionCipher.PrivateBytes)

    Assert.All(draws, fun bytes -> Assert.Equal(SecretSessionCipher.PrivateBytes, bytes.Length))
    Assert.Equal(200, draws |> List.map Convert.ToHexString |> List.distinct |> List.length)
    // Every byte position takes many values: the buffer is filled where it lies, not left zero.
    for position in 0 .. SecretSessionCipher.PrivateBytes - 1 do
        Assert.True(draws |> List.map (fun bytes -> bytes[position]) |> List.distinct |> List.length > 50)
