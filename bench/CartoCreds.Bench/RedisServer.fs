/// A redis-server started on a free loopback port with nothing saved, for the shared cache's
/// benchmark and the fleet measurement (SPEC §7.7); disposed, it stops.
module CartoCreds.Bench.RedisServer

open System
open System.Diagnostics
open System.Net
open System.Net.Sockets

type Running(child: Process, port: int) =
    member _.Port = port

    /// StackExchange.Redis's configuration string for it.
    member _.Configuration = $"127.0.0.1:{port},abortConnect=false"

    interface IDisposable with
        member _.Dispose() =
            if not child.HasExited then
                child.Kill()
                child.WaitForExit 10_000 |> ignore

            child.Dispose()

/// Starts one, listening within 10 s; fails saying what to install when there is none.
let start () =
    let probe = new TcpListener(IPAddress.Loopback, 0)
    probe.Start()
    let port = (probe.LocalEndpoint :?> IPEndPoint).Port
    probe.Stop()

    let info =
        ProcessStartInfo(
            "redis-server",
            [ "--port"; string port; "--bind"; "127.0.0.1"; "--save"; ""; "--appendonly"; "no" ],
            RedirectStandardOutput = true,
            UseShellExecute = false
        )

    let child =
        try
            Process.Start info
        with :? ComponentModel.Win32Exception ->
            failwith "redis-server is not installed (apt install redis-server): this measurement needs one"

    child.OutputDataReceived.Add ignore
    child.BeginOutputReadLine()
    let clock = Stopwatch.StartNew()

    let rec listening () =
        try
            use client = new TcpClient()
            client.Connect(IPAddress.Loopback, port)
        with :? SocketException when clock.Elapsed < TimeSpan.FromSeconds 10.0 && not child.HasExited ->
            Threading.Thread.Sleep 50
            listening ()

    listening ()
    new Running(child, port)
