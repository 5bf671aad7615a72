namespace CartoCreds.Testing

open System
open System.Collections.Concurrent
open Microsoft.Extensions.Logging

/// One line a logger was given.
type LogLine =
    { Category: string
      Level: LogLevel
      Event: string
      Message: string }

    override this.ToString() = string this.Level + " " + this.Event + ": " + this.Message

/// A logger, and a logger provider for a host, that keep every line at every level, for tests to
/// read: which events were logged, and whether any line holds a secret.
type CapturedLog() =
    let lines = ConcurrentQueue<LogLine>()

    let logger (category: string) =
        { new ILogger with
            member _.BeginScope<'State>(_: 'State) : IDisposable = null
            member _.IsEnabled(level: LogLevel) = level <> LogLevel.None

            member _.Log<'State>
                (level: LogLevel, id: EventId, state: 'State, error: exn, formatter: Func<'State, exn, string>)
                =
                let text = formatter.Invoke(state, error)
                // An exception logged with a line is part of what the line says.
                let text = if isNull error then text else text + "\n" + error.ToString()

                lines.Enqueue
                    { Category = category
                      Level = level
                      Event = (if isNull id.Name then string id.Id else id.Name)
                      Message = text } }

    let own = logger "CartoCreds"

    /// The logger of the category `CartoCreds`.
    member _.Logger: ILogger = own

    /// Every line so far, in order.
    member _.Lines: LogLine list = List.ofSeq lines

    /// The lines of the library's own category.
    member this.Library: LogLine list = this.Lines |> List.filter (fun line -> line.Category = "CartoCreds")

    /// The events logged so far, by name, in order.
    member this.Events: string list = this.Library |> List.map _.Event

    /// Each line that holds one of `secrets` (or its first 12 characters, for long ones), with the secret.
    member this.Leaks(secrets: string seq) : (string * LogLine) list =
        let probes =
            secrets
            |> Seq.filter (fun s -> s.Length >= 6)
            |> Seq.collect (fun s -> if s.Length > 12 then [ s; s.Substring(0, 12) ] else [ s ])
            |> List.ofSeq

        [ for line in this.Lines do
              for probe in probes do
                  if line.Message.Contains(probe, StringComparison.Ordinal) then
                      yield probe, line ]

    /// A provider for a host's logging: every category's lines are kept here.
    member _.Provider: ILoggerProvider =
        { new ILoggerProvider with
            member _.CreateLogger(category: string) = logger category
            member _.Dispose() = () }
