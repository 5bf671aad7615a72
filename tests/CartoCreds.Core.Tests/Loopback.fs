/// A real HTTP server on 127.0.0.1 that the tests start and stop (never a mocked handler), and a
/// clock the tests move by hand.
module CartoCreds.Core.Tests.Loopback

open System
open System.IO
open System.Net
open System.Net.Sockets
open System.Text
open System.Threading
open System.Threading.Tasks

/// A request as the server received it.
type Received = { Method: string; Path: string; ContentType: string; Body: string }

/// What the server answers: a status and a body, after an optional delay.
type Answer =
    { Status: int
      Body: string
      Delay: TimeSpan }

    static member Json (status: int) (body: string) = { Status = status; Body = body; Delay = TimeSpan.Zero }

/// An HTTP server on a free port of 127.0.0.1, answering every request with `answer`; it counts
/// and keeps what it received. Bounded: it stops when disposed, and each answer waits at most 30 s.
type Server(answer: Received -> Answer) =
    let port =
        let probe = new TcpListener(IPAddress.Loopback, 0)
        probe.Start()
        let port = (probe.LocalEndpoint :?> IPEndPoint).Port
        probe.Stop()
        port

    let listener = new HttpListener()
    let received = Collections.Concurrent.ConcurrentQueue<Received>()
    let stop = new CancellationTokenSource()

    do
        listener.Prefixes.Add("http://127.0.0.1:" + string port + "/")
        listener.Start()

    let serve (context: HttpListenerContext) =
        task {
            use reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)
            let! body = reader.ReadToEndAsync()

            let request =
                { Method = context.Request.HttpMethod
                  Path = context.Request.Url.AbsolutePath
                  ContentType = context.Request.ContentType |> Option.ofObj |> Option.defaultValue ""
                  Body = body }

            received.Enqueue request
            let reply = answer request

            if reply.Delay > TimeSpan.Zero then
                try
                    do! Task.Delay(min reply.Delay (TimeSpan.FromSeconds 30.0), stop.Token)
                with :? OperationCanceledException ->
                    ()

            try
                let bytes = Encoding.UTF8.GetBytes reply.Body
                context.Response.StatusCode <- reply.Status
                // One connection a request: a pooled connection that the listener has closed would
                // fail the next POST (which is not retried), and make the counts flaky.
                context.Response.KeepAlive <- false
                context.Response.ContentType <- "application/json"
                context.Response.ContentLength64 <- int64 bytes.Length
                do! context.Response.OutputStream.WriteAsync(bytes, 0, bytes.Length)
                context.Response.Close()
            with
            | :? HttpListenerException
            | :? ObjectDisposedException
            | :? InvalidOperationException -> ()
        }
        :> Task

    let loop =
        Task.Run(fun () ->
            task {
                while not stop.IsCancellationRequested do
                    try
                        let! context = listener.GetContextAsync()
                        serve context |> ignore
                    with
                    | :? HttpListenerException
                    | :? ObjectDisposedException -> ()
            }
            :> Task)

    member _.Url = "http://127.0.0.1:" + string port
    member _.Received = List.ofSeq received
    member _.Count = received.Count

    interface IDisposable with
        member _.Dispose() =
            stop.Cancel()
            // Close alone: after Stop, Close would look the endpoint up again, binding the port anew.
            try
                listener.Close()
            with :? HttpListenerException ->
                ()

            loop.Wait(TimeSpan.FromSeconds 5.0) |> ignore

/// A clock that moves only when told.
type ManualClock(start: DateTimeOffset) =
    inherit TimeProvider()
    let mutable now = start
    member _.Advance(by: TimeSpan) = now <- now + by
    override _.GetUtcNow() = now
