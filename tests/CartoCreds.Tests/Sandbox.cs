using CartoCreds.Core;

namespace CartoCreds.Tests;

/// <summary>
/// A temporary directory, removed afterwards, and a host whose home and configuration directory are
/// inside it: the facade reads this host, never the real environment or home directory.
/// </summary>
internal sealed class Sandbox : IDisposable
{
    private readonly IDisposable _host;

    public Sandbox(params (string Name, string Value)[] variables)
    {
        Root = Directory.CreateTempSubdirectory("cartocreds-cs-").FullName;
        _host = Ambient.Use(HostFor(variables));
    }

    public string Root { get; }

    public string SavedPath => Path("config", "cartoframes", "creds.json");

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Replaces the variables the facade sees (home and configuration directory stay).</summary>
    public IDisposable With(params (string Name, string Value)[] variables) => Ambient.Use(HostFor(variables));

    public void Write(string path, string text)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public void Dispose()
    {
        _host.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private Host HostFor((string Name, string Value)[] variables) =>
        HostModule.ofVariables(
            new[] { ("HOME", Root), ("XDG_CONFIG_HOME", Path("config")) }
                .Concat(variables)
                .Select(v => Tuple.Create(v.Item1, v.Item2)));
}
