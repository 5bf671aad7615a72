namespace CartoCreds.Tests;

/// <summary>The seed guide, as a C# user walks through it.</summary>
public sealed class CredentialsTests
{
    private const string SecretKey = "9f8e7d6c5b4a3210";

    [Fact]
    public void Credentials_by_username_and_key()
    {
        using var box = new Sandbox();
        var creds = new Credentials("johnsmith", SecretKey);

        Assert.Equal("johnsmith", creds.Username());
        Assert.Equal(SecretKey, creds.Key());
        Assert.Equal("https://johnsmith.carto.com", creds.BaseUrl());
        Assert.False(creds.AllowNonSecure);
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.Arguments, "username, api_key"), creds.Origin);
    }

    [Fact]
    public void Credentials_by_base_url_derive_the_username()
    {
        using var box = new Sandbox();
        var organization = new Credentials(baseUrl: "https://Team.carto.com/u/ana/", apiKey: SecretKey);
        Assert.Equal("ana", organization.Username());
        Assert.Equal("https://team.carto.com/u/ana", organization.BaseUrl());

        var onPremises = new Credentials(baseUrl: "http://carto.local/user/bob", allowNonSecure: true);
        Assert.Equal("bob", onPremises.Username());
        Assert.True(onPremises.AllowNonSecure);
    }

    [Fact]
    public void Public_data_needs_no_key()
    {
        using var box = new Sandbox();
        var creds = new Credentials(username: "ana");
        Assert.Equal(Credentials.DefaultPublicApiKey, creds.Key());
        Assert.Equal("Credentials(username=ana, api_key=default_public, base_url=https://ana.carto.com)", creds.ToString());
    }

    [Fact]
    public void The_CARTOframes_0x_name_key_is_accepted()
    {
        using var box = new Sandbox();
        Assert.Equal(SecretKey, new Credentials(username: "ana", key: SecretKey).Key());
        Assert.Equal(SecretKey, new Credentials(username: "ana", key: SecretKey, apiKey: SecretKey).Key());
    }

    [Fact]
    public void From_a_saved_session()
    {
        using var box = new Sandbox();
        var saved = new Credentials("johnsmith", SecretKey);
        Assert.Equal(box.SavedPath, saved.Save());
        Assert.Equal(box.SavedPath, Credentials.DefaultPath);

        var resolved = new Credentials();
        Assert.Equal(saved, resolved);
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.SavedSession, box.SavedPath), resolved.Origin);
        Assert.Equal(saved, Credentials.FromFile());
    }

    [Fact]
    public void From_a_named_file()
    {
        using var box = new Sandbox();
        var path = new Credentials("team_account", SecretKey).Save(box.Path("team", "creds.json"));
        Assert.Equal(box.Path("team", "creds.json"), path);

        var creds = new Credentials(credFile: path);
        Assert.Equal("team_account", creds.Username());
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.File, path), creds.Origin);
        Assert.Equal(creds, Credentials.FromFile(path));
    }

    [Fact]
    public void From_the_environment_which_outranks_the_saved_session()
    {
        using var box = new Sandbox();
        new Credentials("saved_user", SecretKey).Save();
        using var env = box.With(("CARTO_USERNAME", "env_user"), ("CARTO_API_KEY", SecretKey));

        var creds = new Credentials();
        Assert.Equal("env_user", creds.Username());
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.Environment, "CARTO_USERNAME, CARTO_API_KEY"), creds.Origin);
        Assert.Equal("arg_user", new Credentials(username: "arg_user").Username());
    }

    [Fact]
    public void A_copy_is_equal_and_explicit()
    {
        using var box = new Sandbox();
        var original = new Credentials("ana", SecretKey);
        var copy = new Credentials(original);
        Assert.Equal(original, copy);
        Assert.True(original == copy);
        Assert.Equal(original.GetHashCode(), copy.GetHashCode());
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.Explicit, null), copy.Origin);
        Assert.Equal(original, Credentials.FromCredentials(original));
        copy.Key("another_key_entirely");
        Assert.NotEqual(original, copy);
        Assert.Equal(SecretKey, original.Key());
    }

    [Fact]
    public void Getters_and_setters_in_the_style_of_CARTOframes()
    {
        using var box = new Sandbox();
        var creds = new Credentials("ana", SecretKey);

        creds.Key("0000111122223333");
        Assert.Equal("0000111122223333", creds.Key());

        creds.Username("bob");
        Assert.Equal("bob", creds.Username());
        Assert.Equal("https://ana.carto.com", creds.BaseUrl());

        creds.BaseUrl("https://team.carto.com/u/cy/");
        Assert.Equal("https://team.carto.com/u/cy", creds.BaseUrl());
        Assert.Equal("bob", creds.Username());

        Assert.Equal(CredentialsLayer.Explicit, creds.Origin.Layer);
    }

    [Fact]
    public void Set_keeps_omitted_values_and_rebuilds_the_base_url_from_a_new_username()
    {
        using var box = new Sandbox();
        var creds = new Credentials(baseUrl: "https://team.carto.com/u/ana", apiKey: SecretKey);

        creds.Set(username: "bob");
        Assert.Equal("https://bob.carto.com", creds.BaseUrl());
        Assert.Equal(SecretKey, creds.Key());

        creds.Set(key: "1111222233334444");
        Assert.Equal("bob", creds.Username());
        Assert.Equal("1111222233334444", creds.Key());

        creds.Set(username: "cy", baseUrl: "https://carto.example.org/user/cy");
        Assert.Equal("https://carto.example.org/user/cy", creds.BaseUrl());
    }

    [Fact]
    public void A_setter_given_a_bad_value_throws_and_changes_nothing()
    {
        using var box = new Sandbox();
        var creds = new Credentials("ana", SecretKey);
        var before = new Credentials(creds);

        Assert.Throws<ArgumentNullException>("key", () => creds.Key(null!));
        Assert.Throws<ArgumentException>("key", () => creds.Key(""));
        Assert.Throws<ArgumentException>("key", () => creds.Key("has space"));
        Assert.Throws<ArgumentException>("username", () => creds.Username("ana.smith"));
        Assert.Throws<ArgumentNullException>("username", () => creds.Username(null!));
        Assert.Throws<ArgumentException>("baseUrl", () => creds.BaseUrl("http://ana.carto.com"));
        Assert.Throws<ArgumentException>("baseUrl", () => creds.BaseUrl("   "));
        var set = Assert.Throws<ArgumentException>("username", () => creds.Set(key: "fine_new_key", username: "-bad"));
        Assert.Equal("username '-bad' starts or ends with '-' (Parameter 'username')", set.Message);

        Assert.Equal(before, creds);
        Assert.Equal(CredentialsLayer.Arguments, creds.Origin.Layer);
    }

    [Fact]
    public void ToString_masks_the_key()
    {
        using var box = new Sandbox();
        var creds = new Credentials("ana", SecretKey);
        Assert.Equal("Credentials(username=ana, api_key=****3210, base_url=https://ana.carto.com)", creds.ToString());
        Assert.Equal("Credentials(username=ana, api_key=****, base_url=https://ana.carto.com)", new Credentials("ana", "short").ToString());
        Assert.DoesNotContain(SecretKey, $"{creds} {creds.Origin}");
    }

    [Fact]
    public void Save_load_delete_round_trip()
    {
        using var box = new Sandbox();
        var creds = new Credentials("ana", SecretKey);
        var path = creds.Save();
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal("600", Convert.ToString((int)File.GetUnixFileMode(path), 8));
        }

        Assert.Equal(creds, Credentials.FromFile());

        Assert.True(creds.Delete());
        Assert.False(File.Exists(path));
        Assert.False(creds.Delete());

        var named = creds.Save(box.Path("named.json"));
        Assert.True(creds.Delete(named));
        Assert.False(creds.Delete(named));
    }

    [Fact]
    public void Equal_credentials_have_equal_hashes_before_and_after_the_same_change()
    {
        using var box = new Sandbox();
        var a = new Credentials(username: "ana", apiKey: SecretKey);
        var b = new Credentials(username: "ana", apiKey: SecretKey);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        a.Key("another_key_0001");
        Assert.NotEqual(a, b);
        b.Key("another_key_0001");
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        var frozen = new Credentials(a);
        a.Key("third_key_000001");
        Assert.Equal(b, frozen);
    }

    [Fact]
    public void Setters_racing_on_two_threads_lose_no_change()
    {
        using var box = new Sandbox();
        var creds = new Credentials(username: "start", apiKey: "0123456789abcdef");
        using var barrier = new Barrier(2);
        for (var round = 0; round < 2_000; round++)
        {
            var key = $"key-{round:D6}-abcdef";
            var user = $"user{round}";
            var setKey = new Thread(() => { barrier.SignalAndWait(); creds.Key(key); });
            var setUser = new Thread(() => { barrier.SignalAndWait(); creds.Username(user); });
            setKey.Start();
            setUser.Start();
            Assert.True(setKey.Join(TimeSpan.FromSeconds(30)) && setUser.Join(TimeSpan.FromSeconds(30)), "the setters did not finish");
            Assert.Equal(key, creds.Key());
            Assert.Equal(user, creds.Username());
        }
    }
}
