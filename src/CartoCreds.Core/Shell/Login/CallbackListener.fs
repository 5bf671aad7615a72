namespace CartoCreds.Core

open System
open System.Net
open System.Net.Sockets
open System.Text
open System.Threading
open System.Threading.Tasks

/// <summary>
/// The redirect listener of one login (SPEC §7.5): `http://localhost:{port}/callback/`, bound to
/// 127.0.0.1 and ::1 only, so nothing off this machine can reach it. Each request's head is read to
/// a bound (8 KiB, 5 s) and answered at once: the callback with a page that sends the person back
/// to the terminal, anything else with 404. It stops when disposed: it is up no longer than the
/// login.
/// </summary>
type CallbackListener private (sockets: Socket list) =

    /// The most requests a login answers before it gives up on its callback.
    static let MaxRequests = 100

    /// The most of a request's head that is read.
    static let MaxHead = 8192

    static let respond (client: Socket) (status: string) (body: string) =
        let content = Encoding.UTF8.GetBytes body

        let head =
            "HTTP/1.1 "
            + status
            + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
            + string content.Length
            + "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"

        try
            client.Send(Array.append (Encoding.ASCII.GetBytes head) content) |> ignore
        with :? SocketException ->
            ()

    /// The request line's target, read within 5 s from a client: `None` when it sends no request.
    static let target (client: Socket) (cancel: CancellationToken) : Task<string option> =
        task {
            use timer = CancellationTokenSource.CreateLinkedTokenSource cancel
            timer.CancelAfter(TimeSpan.FromSeconds 5.0)
            let buffer = Array.zeroCreate<byte> MaxHead
            let mutable read = 0
            let mutable ended = false

            try
                while not ended && read < MaxHead do
                    let! n = client.ReceiveAsync(Memory(buffer, read, MaxHead - read), SocketFlags.None, timer.Token)

                    if n = 0 then
                        ended <- true
                    else
                        read <- read + n
                        ended <- Encoding.ASCII.GetString(buffer, 0, read).Contains "\r\n\r\n"
            with
            | :? OperationCanceledException
            | :? SocketException -> ()

            let head = Encoding.ASCII.GetString(buffer, 0, read)

            match head.Split("\r\n").[0].Split(' ') with
            | [| "GET"; target; version |] when version.StartsWith("HTTP/1.", StringComparison.Ordinal) ->
                return Some target
            | _ -> return None
        }

    /// A listener on `port` of 127.0.0.1 (and ::1 where the system has it); `None` when the port is
    /// in use.
    static member Start(port: int) : Result<CallbackListener, unit> =
        let bind (address: IPAddress) =
            let socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp)

            try
                if address.AddressFamily = AddressFamily.InterNetworkV6 then
                    socket.DualMode <- false

                socket.Bind(IPEndPoint(address, port))
                socket.Listen 16
                Ok(Some socket)
            with :? SocketException as e ->
                socket.Dispose()

                match e.SocketErrorCode with
                | SocketError.AddressAlreadyInUse
                | SocketError.AccessDenied -> Error()
                | _ -> Ok None // no IPv6 here

        match bind IPAddress.Loopback with
        | Error() -> Error()
        | Ok v4 ->
            match (if Socket.OSSupportsIPv6 then bind IPAddress.IPv6Loopback else Ok None) with
            | Error() ->
                v4 |> Option.iter _.Dispose()
                Error()
            | Ok v6 -> Ok(new CallbackListener(List.choose id [ v4; v6 ]))

    /// <summary>
    /// Answers requests until one is the callback of the login with `state` (its code, the
    /// server's refusal, or another login's answer); stray requests get 404 and the wait goes on,
    /// at most 100 of them. Ends early when `cancel` is cancelled.
    /// </summary>
    member _.WaitAsync(state: string, cancel: CancellationToken) : Task<Callback option> =
        task {
            let accepts = sockets |> List.map (fun s -> s, s.AcceptAsync(cancel).AsTask()) |> Array.ofList
            let mutable outcome = None
            let mutable answered = 0

            while outcome.IsNone && answered < MaxRequests && not cancel.IsCancellationRequested do
                let! finished = Task.WhenAny(accepts |> Array.map (fun (_, t) -> t :> Task))

                match accepts |> Array.tryFindIndex (fun (_, t) -> obj.ReferenceEquals(t, finished)) with
                | Some i when accepts[i] |> snd |> _.IsCompletedSuccessfully ->
                    let socket, accepted = accepts[i]
                    accepts[i] <- socket, socket.AcceptAsync(cancel).AsTask()
                    use client = accepted.Result
                    answered <- answered + 1

                    let loopback =
                        match client.RemoteEndPoint with
                        | :? IPEndPoint as remote -> IPAddress.IsLoopback remote.Address
                        | _ -> false

                    let! requested = if loopback then target client cancel else Task.FromResult None

                    match requested with
                    | Some path ->
                        let mark = path.IndexOf '?'
                        let route = if mark < 0 then path else path.Substring(0, mark)
                        let query = if mark < 0 then "" else path.Substring mark

                        match OAuthLogin.callback state route query with
                        | Callback.Stray -> respond client "404 Not Found" "<!doctype html><p>Not found.</p>"
                        | Callback.Code _ as code ->
                            respond client "200 OK" (OAuthLogin.page true)
                            outcome <- Some code
                        | other ->
                            respond client "200 OK" (OAuthLogin.page false)
                            outcome <- Some other
                    | None -> respond client "400 Bad Request" "<!doctype html><p>Bad request.</p>"
                | _ ->
                    // Cancelled, or the socket failed: counted, so a broken socket cannot spin.
                    answered <- answered + 1
                    do! Task.Delay(10)

            return outcome
        }

    interface IDisposable with
        member _.Dispose() =
            for socket in sockets do
                socket.Dispose()
