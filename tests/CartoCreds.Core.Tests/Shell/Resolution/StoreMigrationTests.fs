/// SPEC §11's migration as one core operation, both halves (the legacy saved session and the CARTO
/// CLI file's tokens), against gnome-keyring on a private session bus: moved there and back, and
/// nothing removed when the new store cannot be reached.
module CartoCreds.Core.Tests.StoreMigrationTests

open System
open System.IO
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Core.Tests.Generators
open CartoCreds.Core.Tests.PrivateKeyring

let private now = DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero)

let private session = make (Some "ana") (Some "migrated-key-0001") None

let private token = jwtExpiring (now.AddHours 8.0) "migrated-signature-0001"

/// A sandbox with CARTOframes' saved session and a CARTO CLI profile, both in files.
let private filled (box: Sandbox) (variables: (string * string) list) =
    let host = box.Host variables

    match Shell.save host None session with
    | Ok(Place.File _) -> ()
    | other -> failwithf "%A" other

    let cloud =
        CloudCredentials.ofToken token (Some "https://gcp-europe-west1.api.carto.com")
        |> Result.defaultWith (failwithf "%A")

    match ProfileTokens.save host (Some "eu") None cloud with
    | Ok _ -> ()
    | Error e -> failwith (CallMessages.profileError e)

    host

let private cliFile (box: Sandbox) = box.Path ".carto_credentials.json"

[<Fact>]
let ``the store a migration moves from is the other one`` () =
    Assert.Equal(SecretStore.Keychain, Migration.source SecretStore.File)
    Assert.Equal(SecretStore.File, Migration.source SecretStore.Keychain)

[<KeyringFact>]
let ``both halves move to the keychain and back, the files as they were`` () =
    use bus = new Bus(keyring = true)
    use box = new Sandbox()
    ready (SecretServiceKeychain(Some bus.Address, TimeSpan.FromSeconds 5.0))
    let host = filled box [ "DBUS_SESSION_BUS_ADDRESS", bus.Address ]
    let savedBefore = File.ReadAllBytes box.SavedPath
    let cliBefore = File.ReadAllBytes(cliFile box)

    match StoreMigration.run host SecretStore.Keychain with
    | Ok report ->
        Assert.True(Migration.complete report)
        Assert.Equal(SecretStore.Keychain, report.Target)
        let names, _, into = report.Tokens
        Assert.Equal<string list>([ "eu" ], names)
        Assert.Equal(Place.Keychain KeychainBackend.SecretService, into)

        match report.Session with
        | Some(Place.File from, Place.Keychain KeychainBackend.SecretService) -> Assert.Equal(box.SavedPath, from)
        | other -> failwithf "%A" other
    | Error e -> failwith (CallMessages.migrationError e)

    // The session's file is gone and the profile keeps no token; both resolve from the keychain.
    Assert.False(File.Exists box.SavedPath)
    Assert.DoesNotContain("migrated-signature-0001", File.ReadAllText(cliFile box))

    match Shell.load host None with
    | Ok loaded -> Assert.Equal(session, loaded.Credentials)
    | Error e -> failwith (Messages.resolveError e)

    match resolveCloud host now (Request.ofArguments CloudArguments.None) with
    | Ok resolved ->
        Assert.Equal(
            Grant.AccessToken(cloudText CloudField.Token token, Some(now.AddHours 8.0)),
            resolved.Credentials.Grant
        )
    | Error e -> failwith (Messages.resolveError e)

    match StoreMigration.run host SecretStore.File with
    | Ok report -> Assert.True(Migration.complete report)
    | Error e -> failwith (CallMessages.migrationError e)

    // CARTOframes' file comes back byte for byte; the CARTO CLI file gets the token back in its
    // profile (keeping the `expires_at` written while the token was elsewhere), and every other key.
    Assert.Equal<byte[]>(savedBefore, File.ReadAllBytes box.SavedPath)
    let cliAfter = File.ReadAllText(cliFile box)
    Assert.Contains("\"token\": \"" + token + "\"", cliAfter)
    Assert.Contains("\"tenant_id\": \"gcp-europe-west1\"", cliAfter)
    Assert.Contains("\"current_profile\": \"eu\"", Text.Encoding.UTF8.GetString cliBefore)
    Assert.Contains("\"current_profile\": \"eu\"", cliAfter)

    match resolveCloud host now (Request.ofArguments CloudArguments.None) with
    | Ok resolved ->
        Assert.Equal(
            Grant.AccessToken(cloudText CloudField.Token token, Some(now.AddHours 8.0)),
            resolved.Credentials.Grant
        )

        Assert.Equal(Layer.SavedSession, resolved.Origin.Layer)
    | Error e -> failwith (Messages.resolveError e)

[<Fact>]
let ``a keychain that cannot be reached moves nothing: both files and the setting stay as they were`` () =
    use box = new Sandbox()
    // No session bus at all: the keychain cannot be reached.
    let host = filled box []
    let savedBefore = File.ReadAllBytes box.SavedPath
    let cliBefore = File.ReadAllBytes(cliFile box)

    match StoreMigration.run host SecretStore.Keychain with
    | Error(MigrationError.NotWritten(_, Place.File stays)) -> Assert.Equal(box.SavedPath, stays)
    | other -> failwithf "%A" other

    Assert.Equal<byte[]>(savedBefore, File.ReadAllBytes box.SavedPath)
    Assert.Equal<byte[]>(cliBefore, File.ReadAllBytes(cliFile box))
    Assert.Equal(Ok { Store = SecretStore.File; ChosenBy = StoreChosenBy.Default }, SecretStores.choice host)

    match SecretStores.configPath host with
    | Ok path -> Assert.False(File.Exists path)
    | Error e -> failwithf "%A" e
