/// SPEC §11 in the shell: which store a host uses, read from the action's own choice, the
/// variable, the configuration file, or the default, in that order.
module CartoCreds.Core.Tests.SecretStoresTests

open System.IO
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

let private configured (box: Sandbox) (store: SecretStore) (variables: (string * string) list) =
    let host = box.Host variables

    match SecretStores.writeChoice host store with
    | Ok path -> Assert.True(File.Exists path)
    | Error e -> failwithf "%A" e

    host

[<Fact>]
let ``the action's store wins over the variable and the configuration file, and says so`` () =
    use box = new Sandbox()
    let host = configured box SecretStore.File [ SecretStore.Variable, "file" ]
    Assert.Equal(Ok { Store = SecretStore.File; ChosenBy = StoreChosenBy.Variable }, SecretStores.choice host)

    let pinned = Host.withStore SecretStore.Keychain host
    Assert.Equal(Ok { Store = SecretStore.Keychain; ChosenBy = StoreChosenBy.Action }, SecretStores.choice pinned)
    // The host's variables are the same: the choice is a value, not a variable made up.
    Assert.Equal(Some "file", pinned.GetVariable SecretStore.Variable)

[<Fact>]
let ``without the action's store, the variable, then the configuration file, then the default choose`` () =
    use box = new Sandbox()
    let host = configured box SecretStore.Keychain []

    match SecretStores.choice host with
    | Ok { Store = SecretStore.Keychain; ChosenBy = StoreChosenBy.ConfigFile path } ->
        Assert.Equal(SecretStores.configPath host, Ok path)
    | other -> failwithf "%A" other

    use empty = new Sandbox()
    Assert.Equal(Ok { Store = SecretStore.File; ChosenBy = StoreChosenBy.Default }, SecretStores.choice (empty.Host []))

    // A variable that names no store is an error that names the variable, even with a file.
    match SecretStores.choice (box.Host [ SecretStore.Variable, "vault" ]) with
    | Error(StoreSettingError.NotAStore(StoreSettingSource.Variable, "vault")) -> ()
    | other -> failwithf "%A" other
