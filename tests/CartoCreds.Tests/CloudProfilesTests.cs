using System.Text;
using System.Text.Json;

namespace CartoCreds.Tests;

/// <summary>SPEC §7.6 from C#: <c>CloudProfiles.List</c> and <c>CloudProfiles.Use</c> over the CARTO CLI file in a sandboxed home.</summary>
public sealed class CloudProfilesTests
{
    private static string Jwt(DateTimeOffset expires) =>
        "eyJhbGciOiJub25lIn0." + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"exp\":{expires.ToUnixTimeSeconds()}}}")).TrimEnd('=') + ".c2ln";

    private static readonly DateTimeOffset Expiry = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds());

    private static string WriteFile(Sandbox box)
    {
        var path = box.Path(".carto_credentials.json");
        box.Write(
            path,
            "{\"current_profile\": \"prod\", \"editor\": \"vim\", \"profiles\": {"
            + "\"prod\": {\"token\": \"" + Jwt(Expiry) + "\", \"tenant_id\": \"gcp-us-east1\", \"user_email\": \"ana@example.com\"},"
            + "\"eu\": {\"token\": \"eu-token-0123456789\", \"api_base_url\": \"https://eu.example.org\"}}}");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    [Fact]
    public void List_gives_each_profile_in_the_file_order_with_its_url_email_and_expiry()
    {
        using var box = new Sandbox();
        WriteFile(box);

        var profiles = CloudProfiles.List();

        Assert.Equal(
            [
                new CloudProfile("prod", true, "https://gcp-us-east1.api.carto.com", "ana@example.com", Expiry),
                new CloudProfile("eu", false, "https://eu.example.org", null, null),
            ],
            profiles);
        Assert.False(profiles[0].NeedsRenewal(DateTimeOffset.UtcNow));
        Assert.True(profiles[0].NeedsRenewal(Expiry.AddMinutes(-59)));
        Assert.True(profiles[0].NeedsRenewal(Expiry));
        Assert.False(profiles[1].NeedsRenewal(DateTimeOffset.UtcNow));
    }

    [Fact]
    public void List_of_no_file_is_empty_and_of_another_file_is_an_error_naming_it()
    {
        using var box = new Sandbox();
        Assert.Empty(CloudProfiles.List());

        var other = box.Path("creds.json");
        box.Write(other, "{\"username\": \"ana\", \"api_key\": \"k\"}");
        var error = Assert.Throws<InvalidDataException>(() => CloudProfiles.List(other));
        Assert.StartsWith(other + " is not a CARTO CLI credentials file", error.Message);
    }

    [Fact]
    public void Use_makes_a_profile_current_keeping_every_other_key_and_a_missing_one_changes_nothing()
    {
        using var box = new Sandbox();
        var path = WriteFile(box);

        Assert.Equal(path, CloudProfiles.Use("eu"));
        using (var json = JsonDocument.Parse(File.ReadAllText(path)))
        {
            Assert.Equal("eu", json.RootElement.GetProperty("current_profile").GetString());
            Assert.Equal("vim", json.RootElement.GetProperty("editor").GetString());
        }

        Assert.Equal("eu", Assert.Single(CloudProfiles.List(), p => p.IsCurrent).Name);
        Assert.Equal("https://eu.example.org", new CloudCredentials().ApiBaseUrl);

        var before = File.ReadAllBytes(path);
        var error = Assert.Throws<ArgumentException>(() => CloudProfiles.Use("staging"));
        Assert.Equal(path + " has no profile 'staging'; it has 'prod', 'eu' (Parameter 'name')", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Throws<ArgumentException>(() => CloudProfiles.Use(" "));
    }
}
