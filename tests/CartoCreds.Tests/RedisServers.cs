#if NET10_0_OR_GREATER
using System.Net;
using System.Net.Sockets;
using Garnet;
using Garnet.server;

namespace CartoCreds.Tests;

// Redis-protocol servers the tests start on a free loopback port and stop (SPEC §7.7's fleet):
// Garnet in this process, and Debian's redis-server when it is installed.

/// <summary>A Garnet server on a loopback port; disposed, it stops.</summary>
internal sealed class LoopbackGarnet : IDisposable
{
    private readonly GarnetServer _server;

    public LoopbackGarnet(int? port = null)
    {
        Port = port ?? FreePort();
        _server = new GarnetServer(new GarnetServerOptions
        {
            EndPoints = [new IPEndPoint(IPAddress.Loopback, Port)],
        });
        _server.Start();
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=500,syncTimeout=500,asyncTimeout=500";

    public void Dispose() => _server.Dispose();

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}

/// <summary>A redis-server of Debian's, started on a free loopback port with nothing saved; disposed, it stops.</summary>
internal sealed class LoopbackRedis : IDisposable
{
    private readonly System.Diagnostics.Process _process;

    private LoopbackRedis(System.Diagnostics.Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=500,syncTimeout=500,asyncTimeout=500";

    public static LoopbackRedis Start()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var info = new System.Diagnostics.ProcessStartInfo(
            "redis-server",
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = System.Diagnostics.Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Listening within 10 s, or the test fails saying so.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return new LoopbackRedis(process, port);
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                Thread.Sleep(50);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}

/// <summary>A test that needs redis-server on the PATH: skipped, with the reason, when it is not.</summary>
internal sealed class RedisServerFactAttribute : FactAttribute
{
    public RedisServerFactAttribute()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator)
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "redis-server")));
        if (!found)
        {
            Skip = "redis-server is not installed (.ci/run installs it with apt when it can)";
        }
    }
}
#endif
