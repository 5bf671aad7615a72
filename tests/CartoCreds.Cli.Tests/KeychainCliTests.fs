/// SPEC §11 at the command line, against gnome-keyring on a private session bus: the store
/// setting, a save to the keychain, resolution from it, `migrate` both ways, and the bad cases.
module CartoCreds.Cli.Tests.KeychainCliTests

open System
open System.IO
open Xunit
open CartoCreds.Core.Tests.PrivateKeyring
open CartoCreds.Cli.Tests.Tool

let private key = "keychain-api-key-0123456789"

/// Runs the tool in this process on `bus`'s session, in `home`.
let private on (bus: Bus) (home: Home) (variables: (string * string) list) (stdin: string option) (args: string list) =
    runWith inProcess home ([ "DBUS_SESSION_BUS_ADDRESS", bus.Address ] @ variables) stdin args

let private noKey (run: Run) =
    for part in [ run.Out; run.Err ] do
        Assert.DoesNotContain(key.Substring(4, 12), part)

[<KeyringFact>]
let ``with the keychain chosen, save keeps the session there and not in creds.json, and show, show --all and delete use it``
    ()
    =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let run = on bus home []

    let chosen = run None [ "config"; "store"; "keychain" ]
    Assert.Equal(0, chosen.Code)

    Assert.StartsWith(
        "Store: keychain (written to " + Path.Combine(home.Config, "cartocreds", "config.json"),
        chosen.Out
    )

    Assert.Equal(
        "keychain (" + Path.Combine(home.Config, "cartocreds", "config.json") + ")\n",
        (run None [ "config"; "store" ]).Out
    )

    let saved = run (Some key) [ "save"; "--username"; "alice"; "--api-key-stdin" ]
    Assert.True((saved.Code = 0), saved.Err)
    Assert.EndsWith(" to the keychain (Secret Service)\n", saved.Out)
    Assert.Contains("CARTOframes (Python) will not find it", saved.Err)
    Assert.False(File.Exists home.SavedPath)

    // Another program finds it by its attributes.
    let code, labels, listed = bus.Run "secret-tool" [ "search"; "--all"; "service"; "cartocreds" ] ""
    Assert.Equal(0, code)
    Assert.Contains("attribute.kind = legacy-session", listed)
    Assert.Contains("attribute.account = alice", listed)
    Assert.Contains("attribute.url = https://alice.carto.com", listed)
    Assert.Contains("label = CartoCreds: CARTO API key of alice (https://alice.carto.com)", labels)

    let shown = run None [ "show" ]
    Assert.True((shown.Code = 0), shown.Err)
    Assert.Contains("alice", shown.Out)
    Assert.Contains("Saved session", shown.Out + shown.Err)

    let all = run None [ "show"; "--all" ]
    Assert.Contains("the keychain (Secret Service)", all.Out)
    Assert.Equal("the keychain (Secret Service)\n", (run None [ "path" ]).Out)

    let deleted = run None [ "delete" ]
    Assert.Equal("Deleted the keychain (Secret Service)\n", deleted.Out)
    Assert.Equal("No saved session in the keychain (Secret Service)\n", (run None [ "delete" ]).Out)
    let after = run None [ "show" ]
    Assert.Equal(1, after.Code)
    Assert.Contains("Saved session: nothing saved in the keychain (Secret Service)", after.Err)

    for r in [ chosen; saved; shown; all; deleted; after ] do
        noKey r

[<KeyringFact>]
let ``--store keychain applies to that one save; a bad --store or CARTOCREDS_STORE says what it is`` () =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let run = on bus home []

    let saved = run (Some key) [ "save"; "--username"; "alice"; "--api-key-stdin"; "--store"; "keychain" ]
    Assert.True((saved.Code = 0), saved.Err)
    Assert.False(File.Exists home.SavedPath)
    // The setting is still the file: the keychain is not asked.
    Assert.Equal(1, (run None [ "show" ]).Code)
    Assert.Equal(0, (on bus home [ "CARTOCREDS_STORE", "keychain" ] None [ "show" ]).Code)

    let bad = run (Some key) [ "save"; "--username"; "alice"; "--api-key-stdin"; "--store"; "vault" ]
    Assert.Equal(1, bad.Code)
    Assert.Contains("--store: 'vault' is not a store: give file or keychain. Nothing was saved.", bad.Err)

    let variable = on bus home [ "CARTOCREDS_STORE", "vault" ] None [ "show" ]
    Assert.Equal(1, variable.Code)
    Assert.Contains("CARTOCREDS_STORE: 'vault' is not a store", variable.Err)

[<KeyringFact>]
let ``migrate moves the saved session both ways, byte for byte, and a keychain that cannot be reached loses nothing``
    ()
    =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let run = on bus home []

    Assert.Equal(0, (run (Some key) [ "save"; "--username"; "alice"; "--api-key-stdin" ]).Code)
    let original = File.ReadAllBytes home.SavedPath

    // No session bus: the move fails before anything is removed, and the setting is unchanged.
    let nowhere = runWith inProcess home [] None [ "config"; "store"; "migrate"; "--to"; "keychain" ]
    Assert.Equal(1, nowhere.Code)
    Assert.Contains("no D-Bus session bus", nowhere.Err)
    Assert.Contains("the saved session stays in " + home.SavedPath, nowhere.Err)
    Assert.Equal<byte[]>(original, File.ReadAllBytes home.SavedPath)
    Assert.Equal("file (the default)\n", (run None [ "config"; "store" ]).Out)

    let there = run None [ "config"; "store"; "migrate"; "--to"; "keychain" ]
    Assert.True((there.Code = 0), there.Err)
    Assert.Contains("Moved the saved session from " + home.SavedPath + " to the keychain (Secret Service)", there.Out)
    Assert.False(File.Exists home.SavedPath)
    Assert.Contains("alice", (run None [ "show" ]).Out)
    let _, _, attributes = bus.Run "secret-tool" [ "search"; "--all"; "service"; "cartocreds" ] ""
    Assert.Contains("attribute.account = alice", attributes)

    let back = run None [ "config"; "store"; "migrate"; "--to"; "file" ]
    Assert.True((back.Code = 0), back.Err)
    Assert.Equal<byte[]>(original, File.ReadAllBytes home.SavedPath)

    Assert.Equal(
        "file (" + Path.Combine(home.Config, "cartocreds", "config.json") + ")\n",
        (run None [ "config"; "store" ]).Out
    )

    let code, _, _ =
        bus.Run "secret-tool" [ "lookup"; "service"; "cartocreds"; "kind"; "legacy-session" ] ""

    Assert.NotEqual(0, code) // nothing left in the keychain

    // A creds.json that holds no session is not carried into the keychain: refused, kept.
    let unreadable = Text.Encoding.UTF8.GetBytes """{"username": 1}"""
    File.WriteAllBytes(home.SavedPath, unreadable)
    let refused = run None [ "config"; "store"; "migrate"; "--to"; "keychain" ]
    Assert.Equal(1, refused.Code)
    Assert.Contains("the saved session is not one CartoCreds reads", refused.Err)
    Assert.Contains("the saved session stays in " + home.SavedPath, refused.Err)
    Assert.Equal<byte[]>(unreadable, File.ReadAllBytes home.SavedPath)
    Assert.StartsWith("file (", (run None [ "config"; "store" ]).Out)

    for r in [ nowhere; there; back; refused ] do
        noKey r

[<KeyringFact>]
let ``on resolve, no bus, a locked keyring and an item CartoCreds did not write are each an absent or invalid layer with its reason``
    ()
    =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let keychain = [ "CARTOCREDS_STORE", "keychain" ]

    let noBus = runWith inProcess home keychain None [ "show" ]
    Assert.Equal(1, noBus.Code)
    Assert.Contains("Saved session: keychain: no D-Bus session bus", noBus.Err)
    Assert.Contains("--store file", noBus.Err)

    // An item under CartoCreds' attributes that it did not write: not a session.
    let attributes =
        [ "service"; "cartocreds"; "kind"; "legacy-session"; "account"; "saved-session"; "url"; "" ]

    let code, _, errors =
        bus.Run "secret-tool" ([ "store"; "--label=planted" ] @ attributes) "not json at all"

    Assert.True((code = 0), errors)
    let foreign = on bus home keychain None [ "show" ]
    Assert.Equal(1, foreign.Code)
    Assert.Contains("the keychain (Secret Service)", foreign.Err)

    bus.LockLogin()
    let locked = on bus home keychain None [ "show" ]
    Assert.Equal(1, locked.Code)
    Assert.Contains("Saved session: keychain locked", locked.Err)
    Assert.Contains("needs a prompt that cannot be shown here", locked.Err)

    // With a display, the keyring's own prompt is asked for; with no prompter to show it, the
    // keyring dismisses it at once.
    let prompted = on bus home (keychain @ [ ("DISPLAY", ":99") ]) None [ "show" ]
    Assert.Equal(1, prompted.Code)
    Assert.Contains("Saved session: keychain locked: the unlock prompt was dismissed", prompted.Err)
    let refused = on bus home keychain (Some key) [ "save"; "--username"; "alice"; "--api-key-stdin" ]
    Assert.Equal(1, refused.Code)
    Assert.Contains("keychain locked", refused.Err)
    Assert.Contains("nothing was changed", refused.Err)

[<KeyringFact>]
let ``a keychain item larger than any secret is refused as an oversized file is: show --reveal and cloud token print nothing of it``
    ()
    =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let keychain = [ "CARTOCREDS_STORE", "keychain" ]
    let huge = String('k', 10 * 1024 * 1024)

    // Planted in the real gnome-keyring by the Secret Service client itself, which bounds what it
    // reads, not what it is asked to save (secret-tool reads at most 8 KiB from its input).
    let writer =
        CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 20.0) :> CartoCreds.Core.IKeychain

    let plant (item: CartoCreds.Core.KeychainItem) =
        match writer.Save(item, huge).Result with
        | Ok() -> ()
        | Error e -> failwithf "not planted: %A" e

    plant
        { CartoCreds.Core.KeychainItem.legacySession with
            Account = "alice"
            Url = "https://alice.carto.com" }

    let shown = on bus home keychain None [ "show"; "--reveal" ]
    Assert.Equal(1, shown.Code)
    Assert.Equal("", shown.Out)
    Assert.Contains("it is 10485760 bytes; a keychain item holds at most 32768 bytes", shown.Err)
    Assert.InRange(shown.Err.Length, 1, 2000)

    // A CARTO 3 profile whose token is in the keychain, and the token planted there.
    let cli = Path.Combine(home.Root, ".carto_credentials.json")

    File.WriteAllText(
        cli,
        """{"current_profile": "eu", "profiles": {"eu": {"api_base_url": "https://gcp-europe-west1.api.carto.com"}}}"""
    )

    plant (CartoCreds.Core.KeychainItem.profileToken "eu" "https://gcp-europe-west1.api.carto.com")

    let token = on bus home keychain None [ "cloud"; "token" ]
    Assert.Equal(1, token.Code)
    Assert.Equal("", token.Out)
    Assert.Contains("it is 10485760 bytes; a keychain item holds at most 32768 bytes", token.Err)
    Assert.InRange(token.Err.Length, 1, 2000)

[<KeyringFact>]
let ``a keychain that never answers makes save wait its one bound, not one for the read and another for the save`` () =
    use bus = new Bus(keyring = true)
    use home = new Home()
    ready (CartoCreds.Core.SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let pid = bus.KeyringProcess.Value.Id
    Diagnostics.Process.Start("kill", [ "-STOP"; string pid ]).WaitForExit()

    try
        let clock = Diagnostics.Stopwatch.StartNew()

        let saved =
            on
                bus
                home
                [ "CARTOCREDS_STORE", "keychain" ]
                (Some key)
                [ "save"; "--username"; "alice"; "--api-key-stdin" ]

        clock.Stop()
        Assert.Equal(1, saved.Code)
        Assert.Contains("within 5 s", saved.Err)
        Assert.Contains("nothing was changed", saved.Err)
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds 4.5, TimeSpan.FromSeconds 8.0)
        noKey saved
    finally
        Diagnostics.Process.Start("kill", [ "-CONT"; string pid ]).WaitForExit()
