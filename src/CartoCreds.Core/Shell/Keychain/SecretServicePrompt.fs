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

    /// `Prompt("")`: no parent window, the service places its dialog itself.
    let private promptMessage (connection: DBusConnection) (prompt: string) =
        SecretServiceWire.Message(
            connection,
            { Path = prompt; Interface = Interface; Member = "Prompt"; Signature = "s" },
            WriteArguments(fun writer -> writer.WriteString "")
        )

    /// Shows `prompt` and waits for the person: `Ok()` when they unlocked, `Dismissed` when they
    /// declined, `Unanswered` when they did not answer within `wait` (the prompt is then dismissed).
    let run (connection: DBusConnection) (timeout: TimeSpan) (wait: TimeSpan) (prompt: string) =
        let completed = TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously)

        let observe (notification: Notification<bool>) =
            if notification.HasValue then
                completed.TrySetResult notification.Value |> ignore

        let watching () =
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

        /// The person's answer, or, when none came within `wait`, the prompt dismissed.
        let answer () =
            task {
                try
                    let! dismissed = completed.Task.WaitAsync wait
                    return if dismissed then Error KeychainError.Dismissed else Ok()
                with :? TimeoutException ->
                    let dismiss = SecretServiceWire.NoArgumentMessage(connection, prompt, Interface, "Dismiss")

                    let! _ =
                        SecretServiceWire.Bounded(timeout, "Dismiss", task { do! connection.CallMethodAsync dismiss })

                    return Error(KeychainError.Unanswered wait.TotalSeconds)
            }

        taskResult {
            let! watch = SecretServiceWire.Bounded(timeout, "watching the unlock prompt", watching ())

            return!
                task {
                    use _ = watch

                    return!
                        taskResult {
                            let prompted = task { do! connection.CallMethodAsync(promptMessage connection prompt) }
                            do! SecretServiceWire.Bounded(timeout, "Prompt", prompted)
                            return! answer ()
                        }
                }
        }
