namespace CartoCreds.Tests;

/// <summary>The default credentials are process-wide: these tests run one at a time.</summary>
[CollectionDefinition(nameof(Defaults), DisableParallelization = true)]
public sealed class Defaults;

/// <summary>SPEC §3: default credentials and scopes, from C#.</summary>
[Collection(nameof(Defaults))]
public sealed class DefaultsTests : IDisposable
{
    private const string SecretKey = "9f8e7d6c5b4a3210";

    public DefaultsTests() => DefaultCredentials.Unset();

    public void Dispose() => DefaultCredentials.Unset();

    [Fact]
    public void Unset_gives_null()
    {
        Assert.Null(DefaultCredentials.Get());
    }

    [Fact]
    public void Set_from_a_credentials_value()
    {
        using var box = new Sandbox();
        var creds = new Credentials("ana", SecretKey);
        DefaultCredentials.Set(creds);
        Assert.Equal(creds, DefaultCredentials.Get());
        Assert.Equal(creds.Origin, DefaultCredentials.Get()!.Origin);

        creds.Key("changed_after_setting");
        Assert.Equal(SecretKey, DefaultCredentials.Get()!.Key());

        DefaultCredentials.Unset();
        Assert.Null(DefaultCredentials.Get());
    }

    [Fact]
    public void Set_from_a_username_with_or_without_a_key()
    {
        using var box = new Sandbox();
        DefaultCredentials.Set("ana", SecretKey);
        Assert.Equal(new Credentials("ana", SecretKey), DefaultCredentials.Get());
        DefaultCredentials.Set("bob");
        Assert.Equal(Credentials.DefaultPublicApiKey, DefaultCredentials.Get()!.Key());
    }

    [Fact]
    public void Set_from_a_base_url_as_the_first_argument()
    {
        using var box = new Sandbox();
        DefaultCredentials.Set("https://team.carto.com/u/ana", SecretKey);
        var creds = DefaultCredentials.Get()!;
        Assert.Equal("ana", creds.Username());
        Assert.Equal("https://team.carto.com/u/ana", creds.BaseUrl());
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.Arguments, "api_key, base_url"), creds.Origin);
    }

    [Fact]
    public void Set_from_a_json_path_reads_it_as_a_file()
    {
        using var box = new Sandbox();
        var path = new Credentials("team_account", SecretKey).Save(box.Path("team.json"));
        DefaultCredentials.Set(path);
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.File, path), DefaultCredentials.Get()!.Origin);
        DefaultCredentials.Unset();
        DefaultCredentials.Set(filePath: path);
        Assert.Equal("team_account", DefaultCredentials.Get()!.Username());
    }

    [Fact]
    public void Set_with_nothing_reads_the_saved_session()
    {
        using var box = new Sandbox();
        Assert.Throws<FileNotFoundException>(() => DefaultCredentials.Set());
        new Credentials("ana", SecretKey).Save();
        DefaultCredentials.Set();
        Assert.Equal(new CredentialsOrigin(CredentialsLayer.SavedSession, box.SavedPath), DefaultCredentials.Get()!.Origin);
    }

    [Fact]
    public void A_failed_set_leaves_the_previous_default()
    {
        using var box = new Sandbox();
        DefaultCredentials.Set("ana", SecretKey);
        Assert.Throws<ArgumentException>(() => DefaultCredentials.Set("ana.smith"));
        Assert.Throws<ArgumentException>(() => DefaultCredentials.Set(apiKey: SecretKey));
        Assert.Throws<FileNotFoundException>(() => DefaultCredentials.Set(box.Path("missing.json")));
        var both = Assert.Throws<ArgumentException>(() => DefaultCredentials.Set("ana", filePath: box.Path("x.json")));
        Assert.Equal("Invalid credentials in Arguments (file_path, username): give only one of file_path or username.", both.Message);
        Assert.Equal("ana", DefaultCredentials.Get()!.Username());
    }

    [Fact]
    public void Per_object_credentials_override_the_default()
    {
        using var box = new Sandbox();
        var map = new Credentials("map_owner");
        var layer = new Credentials("layer_owner");
        var source = new Credentials("source_owner");
        DefaultCredentials.Set("default_user");

        Assert.Same(source, CredentialScope.Resolve(source, layer, map));
        Assert.Same(layer, CredentialScope.Resolve(null, layer, map));
        Assert.Same(map, CredentialScope.Resolve(null, null, map));
        Assert.Equal("default_user", CredentialScope.Resolve(null, null, null).Username());
        Assert.Equal("default_user", CredentialScope.Resolve().Username());
    }

    [Fact]
    public void With_no_scope_and_no_default_the_scope_throws()
    {
        var error = Assert.Throws<CredentialsNotFoundException>(() => CredentialScope.Resolve(null, null));
        Assert.Equal(
            "No credentials: none are set on this object or its enclosing objects, and no default credentials are set. "
            + "Pass credentials to the object, or set default credentials.",
            error.Message);
    }

    [Fact]
    public void Many_threads_setting_and_getting_always_see_a_whole_value()
    {
        using var box = new Sandbox();
        var values = Enumerable.Range(0, 8).Select(i => new Credentials($"user_{i}", $"key_{i}_0123456789")).ToArray();
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 4000, i =>
        {
            if (i % 2 == 0)
            {
                DefaultCredentials.Set(values[i % values.Length]);
            }
            else if (DefaultCredentials.Get() is { } current)
            {
                seen.Add($"{current.Username()} {current.Key()}");
            }
        });

        Assert.NotEmpty(seen);
        Assert.All(seen, pair => Assert.Contains(values, v => $"{v.Username()} {v.Key()}" == pair));
    }
}
