/// SPEC §11 for CARTO 3, against gnome-keyring on a private session bus: a profile of the CARTO
/// CLI file whose token is a keychain item, resolved, saved again, deleted and migrated.
module CartoCreds.Core.Tests.ProfileTokensTests

open System
open System.IO
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Core.Tests.PrivateKeyring

let private now = DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero)
let private place = "the keychain (Secret Service)"

let private ok result =
    match result with
    | Ok value -> value
    | Error(e: ProfileError) -> failwith (CallMessages.profileError e)

let private credentials (token: string) (url: string) =
    match CloudCredentials.ofToken token (Some url) with
    | Ok c -> c
    | Error e -> failwithf "%A" e

let private cliPath (box: Sandbox) = box.Path ".carto_credentials.json"

let private resolve (host: Host) (profile: string option) =
    resolveCloud
        host
        now
        { Request.ofArguments CloudArguments.None with
            Arguments = { CloudArguments.None with Profile = profile } }

/// The profile-token items another program finds: their attributes and secrets, as secret-tool prints them.
let private items (bus: Bus) =
    let code, found, errors =
        bus.Run "secret-tool" [ "search"; "--all"; "service"; "cartocreds"; "kind"; "profile-token" ] ""

    Assert.True((code = 0 || found + errors = ""), errors)
    let output = found + errors
    output, output.Split('\n') |> Array.filter (fun l -> l.StartsWith "label = ") |> Array.length

[<KeyringFact>]
let ``with the keychain store a saved profile's token is a keychain item, and resolve, a second save and delete use it``
    ()
    =
    use bus = new Bus(keyring = true)
    use box = new Sandbox()
    ready (SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let variables = [ "DBUS_SESSION_BUS_ADDRESS", bus.Address ]
    let host = box.Host(variables @ [ "CARTOCREDS_STORE", "keychain" ])
    let first = jwtExpiring (now.AddHours 8.0) "first-signature-0001"

    let path, name =
        ProfileTokens.save host (Some "eu") None (credentials first "https://gcp-europe-west1.api.carto.com") |> ok

    Assert.Equal((Path.GetFullPath(cliPath box), "eu"), (Path.GetFullPath path, name))
    let text = File.ReadAllText path
    Assert.DoesNotContain("first-signature-0001", text)
    Assert.Contains("\"tenant_id\": \"gcp-europe-west1\"", text)
    Assert.Contains("\"expires_at\": \"2026-12-07T20:00:00Z\"", text)

    let output, count = items bus
    Assert.Equal(1, count)
    Assert.Contains("label = CartoCreds: CARTO 3 token of profile eu (https://gcp-europe-west1.api.carto.com)", output)
    Assert.Contains("attribute.account = eu", output)
    Assert.Contains("attribute.url = https://gcp-europe-west1.api.carto.com", output)
    Assert.Contains("secret = " + first, output)

    match resolve host None with
    | Ok resolved ->
        Assert.Equal(credentials first "https://gcp-europe-west1.api.carto.com", resolved.Credentials)
        Assert.Equal("Saved session (" + path + " and " + place + ", profile eu)", Messages.origin resolved.Origin)
    | Error e -> failwith (Messages.resolveError e)

    // Saved again with another URL: the item is replaced, not kept beside the old one.
    let second = jwtExpiring (now.AddHours 9.0) "second-signature-0002"

    ProfileTokens.save host (Some "eu") None (credentials second "https://carto.example.com/api") |> ok |> ignore

    let output, count = items bus
    Assert.Equal(1, count)
    Assert.Contains("attribute.url = https://carto.example.com/api", output)
    Assert.Contains("secret = " + second, output)

    // With the file store, the keychain is not asked, and the error says how to choose it.
    match resolve (box.Host variables) (Some "eu") with
    | Error e -> Assert.Contains("cartocreds config store keychain", Messages.resolveError e)
    | Ok resolved -> failwithf "resolved from %s" (Messages.origin resolved.Origin)

    // A file named by path is written as asked: its token in it, no item made.
    let named = box.Path "named.json"

    ProfileTokens.save host (Some "eu") (Some named) (credentials first "https://gcp-europe-west1.api.carto.com")
    |> ok
    |> ignore

    Assert.Contains("first-signature-0001", File.ReadAllText named)
    Assert.Equal(1, snd (items bus))

    // Deleting the profile removes its item too.
    Assert.Equal(Some(path, "eu"), ProfileTokens.delete host (Some "eu") None |> ok)
    Assert.Equal(0, snd (items bus))
    Assert.DoesNotContain("\"eu\"", File.ReadAllText path)

[<KeyringFact>]
let ``a migration copies the tokens and reads them back, and removes only those still the same`` () =
    use bus = new Bus(keyring = true)
    use box = new Sandbox()
    ready (SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let host = box.Host [ "DBUS_SESSION_BUS_ADDRESS", bus.Address ]
    let a = jwtExpiring (now.AddHours 3.0) "token-a-0003"
    let b = "eyOpaqueTokenB0004"

    let original =
        "{\"current_profile\": \"a\", \"profiles\": {\"a\": {\"token\": \""
        + a
        + "\", \"tenant_id\": \"gcp-us-east1\"}, \"b\": {\"token\": \""
        + b
        + "\", \"api_base_url\": \"https://carto.example.com/api\"}, \"m2m\": {\"client_id\": \"c\", \"client_secret\": \"s3cr3t-kept\"}}}"

    File.WriteAllText(cliPath box, original)

    let copied =
        match ProfileTokens.copy host SecretStore.Keychain with
        | Ok copied -> copied
        | Error e -> failwith (CallMessages.migrationError e)

    Assert.Equal<(string * string) list>([ "a", a; "b", b ], copied.Tokens)
    Assert.Equal(original, File.ReadAllText(cliPath box)) // nothing taken yet
    Assert.Equal(2, snd (items bus))

    // b's token is saved again in the file (the CARTO CLI logged in) between the copy and the clear.
    File.WriteAllText(cliPath box, original.Replace(b, "eyNewerTokenB0005"))

    match ProfileTokens.clear host copied with
    | Ok() -> ()
    | Error e -> failwith (CallMessages.migrationError e)

    let cleared = File.ReadAllText(cliPath box)
    Assert.DoesNotContain(a, cleared)
    Assert.Contains("eyNewerTokenB0005", cleared)
    Assert.Contains("s3cr3t-kept", cleared)

    // With the keychain store, a resolves from its item; b from the file, the newer token.
    let keychainHost = box.Host [ "DBUS_SESSION_BUS_ADDRESS", bus.Address; "CARTOCREDS_STORE", "keychain" ]

    match resolve keychainHost (Some "a"), resolve keychainHost (Some "b") with
    | Ok ra, Ok rb ->
        Assert.Equal(credentials a "https://gcp-us-east1.api.carto.com", ra.Credentials)
        Assert.Equal(credentials "eyNewerTokenB0005" "https://carto.example.com/api", rb.Credentials)
    | other -> failwithf "%A" other

    // Back to the file: a's token is written, read back, then its item removed.
    let back =
        match ProfileTokens.copy host SecretStore.File with
        | Ok copied -> copied
        | Error e -> failwith (CallMessages.migrationError e)

    Assert.Equal<(string * string) list>([ "a", a ], back.Tokens)
    Assert.Contains(a, File.ReadAllText(cliPath box))

    match ProfileTokens.clear host back with
    | Ok() -> ()
    | Error e -> failwith (CallMessages.migrationError e)

    let output, _ = items bus
    Assert.DoesNotContain("attribute.account = a\n", output + "\n")

    match resolve host (Some "a") with
    | Ok ra -> Assert.Equal("Saved session (" + cliPath box + ", profile a)", Messages.origin ra.Origin)
    | Error e -> failwith (Messages.resolveError e)

[<Fact>]
let ``a keychain that cannot be reached fails a save and a delete, and leaves the file as it was`` () =
    use box = new Sandbox()

    let host =
        box.Host [ "DBUS_SESSION_BUS_ADDRESS", "unix:path=" + box.Path "no-bus"; "CARTOCREDS_STORE", "keychain" ]

    let original =
        """{"current_profile": "eu", "profiles": {"eu": {"tenant_id": "gcp-europe-west1"}, "us": {"token": "eyUsUsUsUsUsUs0006"}}}"""

    File.WriteAllText(cliPath box, original)

    for result in
        [ ProfileTokens.save
              host
              (Some "eu")
              None
              (credentials "eyNewNewNewNew0007" "https://gcp-europe-west1.api.carto.com")
          |> Result.map ignore
          ProfileTokens.delete host (Some "us") None |> Result.map ignore ] do
        match result with
        | Error e ->
            let message = CallMessages.profileError e
            Assert.Contains("no D-Bus session bus", message)
            Assert.EndsWith("nothing was changed", message)
            Assert.DoesNotContain("eyNewNewNewNew0007", message)
        | Ok() -> failwith "a save or delete succeeded with no keychain"

    Assert.Equal(original, File.ReadAllText(cliPath box))

    // On resolve, the profile that holds no token makes the saved session absent, with the reason.
    match resolve host None with
    | Error(ResolveError.NotFound(_, absent) as e) ->
        Assert.Contains(
            absent,
            fun (layer, why) ->
                match layer, why with
                | Layer.SavedSession, Absence.StoreUnavailable(p, _) -> p = place
                | _ -> false
        )

        Assert.Contains("no D-Bus session bus", Messages.resolveError e)
    | other -> failwithf "%A" other

    // A profile that holds its token resolves without asking the keychain.
    match resolve host (Some "us") with
    | Ok resolved -> Assert.Equal("Saved session (" + cliPath box + ", profile us)", Messages.origin resolved.Origin)
    | Error e -> failwith (Messages.resolveError e)
