/// SPEC §11's pure parts: which store is chosen, its configuration file, the items' attributes,
/// and the Secret Service session's cipher.
module CartoCreds.Core.Tests.SecretStoreTests

open System
open System.Security.Cryptography
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

[<Fact>]
let ``CARTOCREDS_STORE wins over the configuration file, which wins over the default`` () =
    let config = "/config/cartocreds/config.json"

    let choose variable (configured: SecretStore option) =
        SecretStore.choose variable (configured |> Option.map (fun store -> config, store))

    Assert.Equal(Ok { Store = SecretStore.File; ChosenBy = StoreChosenBy.Default }, choose None None)

    Assert.Equal(
        Ok { Store = SecretStore.Keychain; ChosenBy = StoreChosenBy.ConfigFile config },
        choose None (Some SecretStore.Keychain)
    )

    Assert.Equal(
        Ok { Store = SecretStore.File; ChosenBy = StoreChosenBy.Variable },
        choose (Some " FILE ") (Some SecretStore.Keychain)
    )

    Assert.Equal(Ok SecretStore.Keychain, choose (Some "keychain") None |> Result.map (fun c -> c.Store))
    // Blank is unset; anything else is an error that names the variable and what was given.
    Assert.Equal(
        Ok { Store = SecretStore.Keychain; ChosenBy = StoreChosenBy.ConfigFile config },
        choose (Some "  ") (Some SecretStore.Keychain)
    )

    match choose (Some "vault\u001b[2J") None with
    | Error e ->
        Assert.Equal(StoreSettingError.NotAStore(StoreSettingSource.Variable, "vault\\u001B[2J"), e)

        Assert.Equal(
            "CARTOCREDS_STORE: 'vault\\u001B[2J' is not a store: give file or keychain",
            ValueMessages.storeSettingError e
        )
    | Ok c -> failwithf "accepted %A" c

    Assert.Equal("the default", ValueMessages.storeChosenBy StoreChosenBy.Default)
    Assert.Equal(config, ValueMessages.storeChosenBy (StoreChosenBy.ConfigFile config))

[<Fact>]
let ``a store named where the setting is read is said with where: the variable, the file, an option, the argument`` () =
    let said source = SecretStore.parse source "vault" |> Result.mapError ValueMessages.storeSettingError

    Assert.Equal(
        Error "--store: 'vault' is not a store: give file or keychain",
        said (StoreSettingSource.Option "--store")
    )

    Assert.Equal(Error "'vault' is not a store: give file or keychain", said StoreSettingSource.Argument)

    Assert.Equal(
        Error "/c.json: 'vault' is not a store: give file or keychain",
        said (StoreSettingSource.ConfigFile "/c.json")
    )

    Assert.Equal(Ok SecretStore.Keychain, SecretStore.parse StoreSettingSource.Argument " KeyChain ")

[<Property>]
let ``the configuration file says what was written, and nothing else is taken for a store`` (keychain: bool) =
    let store = if keychain then SecretStore.Keychain else SecretStore.File
    SecretStore.decodeConfig "/c.json" (ReadOnlyMemory(SecretStore.encodeConfig store)) = Ok(Some store)

[<Fact>]
let ``a configuration file without a store names none; a broken one is an error naming the file`` () =
    let decode (text: string) = SecretStore.decodeConfig "/c.json" (ReadOnlyMemory(Text.Encoding.UTF8.GetBytes text))

    Assert.Equal(Ok None, decode "{}")
    Assert.Equal(Ok None, decode """{"other": 1}""")
    Assert.Equal(Ok(Some SecretStore.Keychain), decode """{"store": "Keychain"}""")

    Assert.Equal(
        Error "/c.json: $.store should be a string, not a number",
        decode """{"store": 1}""" |> Result.mapError ValueMessages.storeSettingError
    )

    Assert.Equal(
        Error(StoreSettingError.NotAStore(StoreSettingSource.ConfigFile "/c.json", "vault")),
        decode """{"store": "vault"}"""
    )

    Assert.True(Result.isError (decode "[]"))
    Assert.True(Result.isError (decode "{"))

[<Fact>]
let ``items carry service=cartocreds, a kind, the account and the URL, and a label a person understands`` () =
    let token =
        { Kind = KeychainKind.ProfileToken
          Account = "prod"
          Url = "https://gcp-us-east1.api.carto.com" }

    Assert.Equal<(string * string) list>(
        [ "service", "cartocreds"
          "kind", "profile-token"
          "account", "prod"
          "url", "https://gcp-us-east1.api.carto.com" ],
        KeychainItem.attributes token
    )

    Assert.Equal(
        "CartoCreds: CARTO 3 token of profile prod (https://gcp-us-east1.api.carto.com)",
        KeychainItem.label token
    )

[<Fact>]
let ``the saved session's item names its account and URL, and is found by its kind alone`` () =
    let saved (input: CredentialsInput) =
        match Credentials.create input with
        | Ok credentials -> KeychainItem.legacySessionOf credentials
        | Error e -> failwithf "%A" e

    let alice =
        saved
            { CredentialsInput.Empty with
                Username = Some "alice"
                ApiKey = Some "0123456789abcdef" }

    Assert.Equal<(string * string) list>(
        [ "service", "cartocreds"
          "kind", "legacy-session"
          "account", "alice"
          "url", "https://alice.carto.com" ],
        KeychainItem.attributes alice
    )

    Assert.Equal("CartoCreds: CARTO API key of alice (https://alice.carto.com)", KeychainItem.label alice)

    // No username: the base URL's host names it.
    let onPremises =
        saved
            { CredentialsInput.Empty with
                ApiKey = Some "0123456789abcdef"
                BaseUrl = Some "https://carto.example.org/" }

    Assert.Equal("carto.example.org", onPremises.Account)

    // Whoever's session it is, one item: the saved session is found by its kind; a token by its profile.
    for item in [ alice; onPremises; KeychainItem.legacySession ] do
        Assert.Equal<(string * string) list>(
            [ "service", "cartocreds"; "kind", "legacy-session" ],
            KeychainItem.identity item
        )

        Assert.Equal("legacy-session", KeychainItem.key item)

    let token = KeychainItem.profileToken "eu" "https://gcp-europe-west1.api.carto.com"
    Assert.Equal("profile-token:eu", KeychainItem.key token)

    Assert.Equal<(string * string) list>(
        [ "service", "cartocreds"; "kind", "profile-token"; "account", "eu" ],
        KeychainItem.identity token
    )

[<Property(MaxTest = 20)>]
let ``two sides of the session agree on one key, and what one encrypts the other decrypts`` (plain: byte[]) =
    let ours = SecretSessionCipher.keyPair (RandomNumberGenerator.GetBytes SecretSessionCipher.PrivateBytes)

    let theirs =
        SecretSessionCipher.keyPair (RandomNumberGenerator.GetBytes SecretSessionCipher.PrivateBytes)

    let key = SecretSessionCipher.sessionKey ours (SecretSessionCipher.publicKey theirs)
    let same = SecretSessionCipher.sessionKey theirs (SecretSessionCipher.publicKey ours)
    let plain = if isNull plain then Array.empty else plain

    match key, same with
    | Ok key, Ok same ->
        let iv = RandomNumberGenerator.GetBytes 16
        let sealed' = SecretSessionCipher.encrypt key iv plain

        (key = same
         && key.Length = 16
         && SecretSessionCipher.decrypt same iv sealed' = Some plain
         && SecretSessionCipher.decrypt (Array.init 16 byte) iv sealed' <> Some plain)
        |@ $"one AES-128 key, the round trip, no other key: %d{plain.Length} bytes"
    | _ -> false |@ "a key pair's public value was refused"

[<Fact>]
let ``a peer value outside the group is refused`` () =
    let ours = SecretSessionCipher.keyPair (Array.create 128 7uy)

    for peer in [ Array.empty; [| 0uy |]; [| 1uy |]; Array.create 129 1uy; Array.create 128 0xFFuy ] do
        Assert.True(Result.isError (SecretSessionCipher.sessionKey ours peer))
