/// `--verbose`: the library's log (SPEC §10) on stderr, from Debug up.
module CartoCreds.Cli.Verbose

open System
open System.IO
open Microsoft.Extensions.Logging

/// The level's word at the start of a line.
let private word (level: LogLevel) =
    match level with
    | LogLevel.Trace
    | LogLevel.Debug -> "debug: "
    | LogLevel.Information -> "info: "
    | LogLevel.Warning -> "warning: "
    | _ -> "error: "

/// Events the tool prints itself whether verbose or not (a file or cache another user could
/// change): under `--verbose` they are not said twice.
let private printedAnyway (id: EventId) = id.Name = "FileExposed" || id.Name = "CacheIgnored"

/// A logger that writes each message on a line of its own to `err`, level first.
type StderrLogger(err: TextWriter) =
    interface ILogger with
        member _.BeginScope<'State>(_: 'State) : IDisposable = null
        member _.IsEnabled(level: LogLevel) = level >= LogLevel.Debug && level <> LogLevel.None

        member this.Log<'State>
            (level: LogLevel, id: EventId, state: 'State, error: exn, formatter: Func<'State, exn, string>)
            =
            if (this :> ILogger).IsEnabled level && not (printedAnyway id) then
                err.WriteLine(word level + formatter.Invoke(state, error))
