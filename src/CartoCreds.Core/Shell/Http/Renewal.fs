namespace CartoCreds.Core

open System
open System.Net
open System.Net.Http
open System.Threading
open System.Threading.Tasks

/// How a request is authenticated, and, for tokens from client credentials, how a refused token
/// is dropped so that the next one is exchanged afresh.
type Authenticate =
    {
        /// Adds the credentials to a request to their own origin; an error when no valid token is left.
        Attach: HttpRequestMessage -> CancellationToken -> ValueTask<Result<unit, TokenError>>
        /// Drops a refused token; `None` when a refusal cannot be mended (an access token, an API key).
        Drop: (string -> unit) option
    }

/// <summary>
/// SPEC §8's one rule for refused tokens, used by the `HttpClient` handler, by verification and by
/// the tool alike: a request answered 401 to a bearer token that this library attached and can
/// renew is sent once more with a freshly exchanged token (its body buffered for that); every
/// other answer is returned as it is.
/// </summary>
[<RequireQualifiedAccess>]
module Renewal =

    /// The bearer token this library attached and can renew; `None` when a 401 is to be returned as it is.
    let private renewable (authenticate: Authenticate) (request: HttpRequestMessage) (preset: bool) =
        match authenticate.Drop, request.Headers.Authorization with
        | Some drop, header when
            not preset && not (isNull header) && header.Scheme = "Bearer" && not (isNull header.Parameter)
            ->
            Some(drop, header.Parameter)
        | _ -> None

    /// How a request is authenticated by a C# `AuthenticateAsync` of the caller's own: no renewal.
    let ofAttach (attach: Func<HttpRequestMessage, CancellationToken, ValueTask>) : Authenticate =
        { Attach =
            fun request cancel ->
                let pending = attach.Invoke(request, cancel)

                if pending.IsCompletedSuccessfully then
                    ValueTask<_>(Ok())
                else
                    ValueTask<Result<unit, TokenError>>(
                        task {
                            do! pending
                            return Ok()
                        }
                    )
          Drop = None }

    /// A refused answer let go: the response disposed, the token it carried dropped from the
    /// session, the header removed so that the next attach puts a new one.
    let private refused (response: HttpResponseMessage) (request: HttpRequestMessage) (drop: unit -> unit) =
        response.Dispose()
        drop ()
        request.Headers.Authorization <- null

    /// Sends a request authenticated, renewing a refused token once.
    let sendAsync
        (authenticate: Authenticate)
        (send: Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>)
        (request: HttpRequestMessage)
        (cancel: CancellationToken)
        : Task<Result<HttpResponseMessage, TokenError>> =
        let attach () = (authenticate.Attach request cancel).AsTask()
        let sent () = TaskResult.ofTask (send.Invoke(request, cancel))

        taskResult {
            let preset = not (isNull request.Headers.Authorization)
            do! attach ()

            match renewable authenticate request preset with
            | None -> return! sent ()
            | Some(drop, token) ->
                if not (isNull request.Content) then
                    do! TaskResult.ofTask (task { do! request.Content.LoadIntoBufferAsync() })

                let! response = sent ()

                if response.StatusCode <> HttpStatusCode.Unauthorized then
                    return response
                else
                    refused response request (fun () -> drop token)
                    do! attach ()
                    return! sent ()
        }

    /// As `sendAsync`, for a synchronous send (`HttpClient.Send`): every step done on the caller's
    /// thread, blocking only where a token must be exchanged (never an await that would need a
    /// synchronization context to come back to).
    let send
        (authenticate: Authenticate)
        (send: Func<HttpRequestMessage, CancellationToken, HttpResponseMessage>)
        (request: HttpRequestMessage)
        (cancel: CancellationToken)
        : Result<HttpResponseMessage, TokenError> =
        let attach () =
            let pending = authenticate.Attach request cancel

            if pending.IsCompletedSuccessfully then
                pending.Result
            else
                pending.AsTask().GetAwaiter().GetResult()

        let buffered () =
            if not (isNull request.Content) then
                request.Content.LoadIntoBufferAsync().GetAwaiter().GetResult()

        let preset = not (isNull request.Headers.Authorization)

        result {
            do! attach ()

            match renewable authenticate request preset with
            | None -> return send.Invoke(request, cancel)
            | Some(drop, token) ->
                buffered ()
                let response = send.Invoke(request, cancel)

                if response.StatusCode <> HttpStatusCode.Unauthorized then
                    return response
                else
                    refused response request (fun () -> drop token)
                    do! attach ()
                    return send.Invoke(request, cancel)
        }
