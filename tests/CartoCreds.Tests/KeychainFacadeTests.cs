using CartoCreds.Core;
using CartoCreds.Testing;
using Microsoft.FSharp.Core;

namespace CartoCreds.Tests;

/// <summary>
/// SPEC §11 through the C# facade: with the keychain chosen, <c>Save()</c>, <c>FromFile()</c> and
/// <c>Delete()</c> keep CARTOframes' getter/setter API and use the keychain (gnome-keyring on a
/// private session bus); a keychain that cannot be reached is an exception that changes nothing.
/// </summary>
public sealed class KeychainFacadeTests
{
    /// <summary>A test that needs the private keyring: skipped, with the reason, where it cannot run.</summary>
    private sealed class KeyringFactAttribute : FactAttribute
    {
        public KeyringFactAttribute()
        {
            if (FSharpOption<string>.get_IsSome(PrivateKeyring.missing))
            {
                Skip = PrivateKeyring.missing.Value;
            }
        }
    }

    /// <summary>Waits (at most 10 s) until the keyring answers.</summary>
    private static async Task Ready(PrivateKeyring.Bus bus)
    {
        IKeychain keychain = new SecretServiceKeychain(FSharpOption<string>.Some(bus.Address), TimeSpan.FromSeconds(5));
        var probe = new KeychainItem(KeychainKind.LegacySession, "probe", "");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while ((await keychain.Find(probe)).IsError)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "the private keyring did not answer within 10 s");
            await Task.Delay(100);
        }
    }

    [KeyringFact]
    public async Task With_the_keychain_chosen_save_load_and_delete_use_it_and_creds_json_is_not_written()
    {
        using var bus = new PrivateKeyring.Bus(true);
        await Ready(bus);
        using var box = new Sandbox(("CARTOCREDS_STORE", "keychain"), ("DBUS_SESSION_BUS_ADDRESS", bus.Address));

        var creds = new Credentials("alice", "facade-keychain-key-0001");
        Assert.Equal("the keychain (Secret Service)", creds.Save());
        Assert.False(File.Exists(box.SavedPath));

        var loaded = Credentials.FromFile();
        Assert.Equal("alice", loaded.Username());
        Assert.Equal("facade-keychain-key-0001", loaded.Key());
        Assert.DoesNotContain("facade-keychain-key-0001", loaded.ToString());

        Assert.True(creds.Delete());
        Assert.False(creds.Delete());
        var missing = Assert.Throws<FileNotFoundException>(() => Credentials.FromFile());
        Assert.Contains("the keychain (Secret Service)", missing.Message);
    }

    [KeyringFact]
    public async Task With_the_keychain_chosen_a_CARTO_3_profile_keeps_its_token_there_and_resolves_from_it()
    {
        using var bus = new PrivateKeyring.Bus(true);
        await Ready(bus);
        using var box = new Sandbox(("CARTOCREDS_STORE", "keychain"), ("DBUS_SESSION_BUS_ADDRESS", bus.Address));
        const string token = "eyFacadeProfileToken0003";
        var cli = box.Path(".carto_credentials.json");

        var saved = CloudCredentials.FromToken(token, "https://gcp-europe-west1.api.carto.com").Save("eu");
        Assert.Equal(cli, saved);
        Assert.DoesNotContain(token, File.ReadAllText(cli));
        Assert.Contains("gcp-europe-west1", File.ReadAllText(cli));

        var resolved = new CloudCredentials(profile: "eu");
        Assert.Equal(token, (await resolved.GetAccessTokenAsync()).Value);
        Assert.Equal(CredentialsLayer.SavedSession, resolved.Origin.Layer);
        Assert.Equal(cli + " and the keychain (Secret Service)", resolved.Origin.Location);
        Assert.Equal("eu", resolved.Origin.Profile);

        Assert.True(CloudCredentials.DeleteProfile("eu"));
        var gone = Assert.Throws<InvalidDataException>(() => new CloudCredentials(profile: "eu"));
        Assert.DoesNotContain(token, gone.Message);
    }

    [KeyringFact]
    public void A_keychain_that_cannot_be_reached_is_an_error_that_changes_nothing()
    {
        using var box = new Sandbox(("CARTOCREDS_STORE", "keychain"));
        var creds = new Credentials("alice", "facade-keychain-key-0002");

        var error = Assert.Throws<IOException>(() => creds.Save());
        Assert.StartsWith("keychain: no D-Bus session bus", error.Message);
        Assert.Contains("nothing was changed", error.Message);
        Assert.DoesNotContain("facade-keychain-key-0002", error.Message);
        Assert.False(File.Exists(box.SavedPath));
    }
}
