// A short tour of CartoCreds from C#: save, resolve and explain credentials.
// Everything happens in a temporary directory: this process points HOME and the configuration
// directory there (the library reads the environment at each use), so your real configuration
// is never touched. Run it with `dotnet run --project examples/CSharpQuickstart`.
using CartoCreds;

var home = Directory.CreateTempSubdirectory("cartocreds-tour-").FullName;
Environment.SetEnvironmentVariable("HOME", home);
Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", Path.Combine(home, ".config"));
Environment.SetEnvironmentVariable("LOCALAPPDATA", Path.Combine(home, "AppData", "Local"));
foreach (var name in new[] { "CARTO_USERNAME", "CARTO_API_KEY", "CARTO_BASE_URL" })
{
    Environment.SetEnvironmentVariable(name, null);
}

void Show(string title, Func<Credentials> resolve)
{
    Console.WriteLine($"\n== {title}");
    try
    {
        var creds = resolve();
        Console.WriteLine(creds);
        Console.WriteLine($"from {creds.Origin}");
    }
    catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
    {
        Console.WriteLine($"{e.GetType().Name}: {e.Message}");
    }
}

try
{
    // 1. Nothing saved yet: every layer says why it had nothing.
    Show("Nothing saved yet", () => new Credentials());

    // 2. Save credentials where CARTOframes keeps them (here, under the temporary home).
    var ana = new Credentials(username: "ana", apiKey: "3f1e0c9a2b7d4e5f");
    Console.WriteLine($"\n== Saved\n{ana.Save()}");

    // 3. The saved session is found; its key is masked whenever it is printed.
    Show("Resolved from the saved session", () => new Credentials());

    // 4. The environment outranks the saved session.
    Environment.SetEnvironmentVariable("CARTO_USERNAME", "team_account");
    Show("CARTO_USERNAME is set", () => new Credentials());
    Environment.SetEnvironmentVariable("CARTO_USERNAME", null);

    // 5. Arguments outrank both; a base URL alone gives the public key and derives the username.
    Show("A base URL as an argument", () => new Credentials(baseUrl: "https://Team.carto.com/u/bob/"));

    // 6. An invalid layer is an error that names it; lower layers are not used in its place.
    Show("An invalid argument", () => new Credentials(baseUrl: "ftp://carto.example.org"));

    // 7. Default and scoped credentials: the innermost set wins, else the default.
    DefaultCredentials.Set("default_user");
    Show("A Source with no credentials in a Map with none", () => CredentialScope.Resolve(null, null));
    Show("A Source with its own credentials", () => CredentialScope.Resolve(new Credentials("source_owner"), null));

    // 8. Delete the saved session; resolution explains itself again.
    Console.WriteLine($"\n== Deleted: {ana.Delete()}");
    Show("After delete", () => new Credentials());
}
finally
{
    Directory.Delete(home, recursive: true);
}
