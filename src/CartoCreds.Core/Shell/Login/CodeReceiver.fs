namespace CartoCreds.Core

open System
open System.Threading
open System.Threading.Tasks

/// How one login gets its authorization code (SPEC §7.5): the browser brings it to a listener on
/// loopback, up only while the login waits; or the person pastes what CARTO showed at
/// `OAuthLogin.CodeRedirect` (`cloud login --code`), when no browser runs on this machine.
/// Either way the URL is shown, then opened, and the wait is bounded by the login's timeout.
[<RequireQualifiedAccess>]
module CodeReceiver =

    /// The redirect URI a receipt uses, in the authorize URL and again in the token request.
    let redirect (receipt: CodeReceipt) : string =
        match receipt with
        | CodeReceipt.Listener port -> OAuthLogin.redirectUri port
        | CodeReceipt.Pasted _ -> OAuthLogin.CodeRedirect

    /// Shows the URL, then opens it; a browser that fails to open is not the login's failure
    /// (the URL was shown).
    let private present (request: LoginRequest) (url: Uri) (cancel: CancellationToken) =
        request.Show url

        let opening =
            try
                request.OpenBrowser url cancel
            with e ->
                Task.FromException e

        opening.ContinueWith(fun (t: Task) -> t.Exception |> ignore) |> ignore

    /// What the listener's answer means to the login.
    let private ofCallback (callback: Callback) : Result<string, LoginError> =
        match callback with
        | Callback.Code code -> OAuthLogin.code code
        | Callback.StateMismatch
        | Callback.Stray -> Error LoginError.StateMismatch
        | Callback.Denied(error, description) ->
            Error(LoginError.Denied(Refused.terminalSafe error, description |> Option.map Refused.terminalSafe))

    /// What was pasted, read as the login's code; a refusal's words made terminal-safe.
    let private ofPasted (state: string) (text: string) : Result<string, LoginError> =
        match OAuthLogin.pasted state text with
        | Error(LoginError.Denied(error, description)) ->
            Error(LoginError.Denied(Refused.terminalSafe error, description |> Option.map Refused.terminalSafe))
        | other -> other

    /// <summary>
    /// Shows and opens `url` (the authorize URL for `redirect request.Receipt`), then waits at most
    /// `request.Timeout` (or until `cancel`) for the code of the login whose `state` this is.
    /// </summary>
    let receive
        (request: LoginRequest)
        (url: Uri)
        (state: string)
        (cancel: CancellationToken)
        : Task<Result<string, LoginError>> =
        task {
            use timer = new CancellationTokenSource(request.Timeout)
            use linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token)
            let seconds = request.Timeout.TotalSeconds

            match request.Receipt with
            | CodeReceipt.Listener port ->
                match CallbackListener.Start port with
                | Error() -> return Error(LoginError.PortInUse port)
                | Ok listener ->
                    use _ = listener
                    // Listening before the browser is told: its answer may come at once.
                    let waiting = listener.WaitAsync(state, linked.Token)
                    present request url linked.Token
                    let! outcome = waiting
                    linked.Cancel() // a browser still at work is told the login is over

                    match outcome with
                    | None when cancel.IsCancellationRequested -> return Error LoginError.Cancelled
                    | None -> return Error(LoginError.TimedOut seconds)
                    | Some callback -> return ofCallback callback
            | CodeReceipt.Pasted read ->
                present request url linked.Token

                let reading =
                    try
                        read url linked.Token
                    with e ->
                        Task.FromException<string option> e

                try
                    // A reader that does not heed the token is left behind when time is up.
                    match! reading.WaitAsync linked.Token with
                    | None -> return Error LoginError.Cancelled
                    | Some text -> return ofPasted state text
                with :? OperationCanceledException ->
                    if cancel.IsCancellationRequested then
                        return Error LoginError.Cancelled
                    else
                        return Error(LoginError.CodeTimedOut seconds)
        }
