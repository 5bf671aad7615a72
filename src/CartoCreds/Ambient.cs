using CartoCreds.Core;

namespace CartoCreds;

/// <summary>
/// The host (environment variables and operating system) the facade reads: this process's, unless
/// a caller in the same asynchronous flow put another in place (the tests do, so that they never
/// read the real environment or home directory).
/// </summary>
internal static class Ambient
{
    private static readonly AsyncLocal<Host?> Override = new();

    public static Host Host => Override.Value ?? HostModule.current;

    public static IDisposable Use(Host host)
    {
        var previous = Override.Value;
        Override.Value = host;
        return new Restore(previous);
    }

    private sealed class Restore(Host? previous) : IDisposable
    {
        public void Dispose() => Override.Value = previous;
    }
}
