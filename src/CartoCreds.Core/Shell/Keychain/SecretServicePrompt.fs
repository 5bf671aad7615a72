namespace CartoCreds.Core

open System
open System.Threading.Tasks
open Tmds.DBus.Protocol

/// <summary>
/// A Secret Service prompt (freedesktop Secret Service API 0.2, "Prompts"): the service's own
/// dialog, asking a person to unlock a collection. `Prompt` shows it; the service answers with the
/// signal `Completed` (dismissed or not) when the person is done. Shown only where there is a
/// display to show it on, and waited for at most `wait`, since a person answers it.
/// </summary>
[<RequireQualifiedAccess>]
module internal SecretServicePrompt =

    [<Literal>]
    let private Interface = "org.freedesktop.Secret.Prompt"

    /// `Completed`'s first argument: whether the person dismissed the prompt.
    let private readDismissed =
        MessageValueReader<bool>(fun message _ -> message.GetBodyReader().ReadBool())

    let private promptMessage (connection: DBusConnection) (prompt: string) =
        let mutable writer = connection.GetMessageWriter()

        try
            writer.WriteMethodCallHeader(
                SecretServiceWire.Destination,
                prompt,
                Interface,
                "Prompt",
                "s",
                MessageFlags.None
            )
            // No parent window: the service places its dialog itself.
            writer.WriteString ""
            writer.CreateMessage()
        finally
            writer.Dispose()

    /// Shows `prompt` and waits for the person: `Ok()` when they unlocked, `Dismissed` when they
    /// declined, `Unanswered` when they did not answer within `wait` (the prompt is then dismissed).
    let run (connection: DBusConnection) (timeout: TimeSpan) (wait: TimeSpan) (prompt: string) =
        task {
            let completed = TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)

            let observe (notification: Notification<bool>) =
                if notification.HasValue then
                    completed.TrySetResult notification.Value |> ignore

            match!
                SecretServiceWire.Bounded(
                    timeout,
                    "watching the unlock prompt",
                    connection
                        .WatchSignalAsync(
                            null,
                            prompt,
                            Interface,
                            "Completed",
                            readDismissed,
                            Action<Notification<bool>>(observe),
                            ObserverFlags.None,
                            false,
                            null
                        )
                        .AsTask()
                )
            with
            | Error e -> return Error e
            | Ok watch ->
                use _ = watch

                match!
                    SecretServiceWire.Bounded(
                        timeout,
                        "Prompt",
                        task { do! connection.CallMethodAsync(promptMessage connection prompt) }
                    )
                with
                | Error e -> return Error e
                | Ok() ->
                    try
                        let! dismissed = completed.Task.WaitAsync wait

                        return if dismissed then Error KeychainError.Dismissed else Ok()
                    with :? TimeoutException ->
                        let dismiss = SecretServiceWire.NoArgumentMessage(connection, prompt, Interface, "Dismiss")

                        let! _ =
                            SecretServiceWire.Bounded(
                                timeout,
                                "Dismiss",
                                task { do! connection.CallMethodAsync dismiss }
                            )

                        return Error(KeychainError.Unanswered wait.TotalSeconds)
        }
