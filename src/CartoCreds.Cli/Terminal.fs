/// The console as the commands see it: the process's own, or writers and input that a test gives.
namespace CartoCreds.Cli

open System
open System.IO

type Terminal =
    {
        Out: TextWriter
        Err: TextWriter
        /// Standard input, as bytes.
        OpenInput: unit -> Stream
        /// Whether a person types at standard input: a prompt can be shown and echo turned off.
        IsInteractive: bool
    }

[<RequireQualifiedAccess>]
module Terminal =

    /// This process's console.
    let system () : Terminal =
        { Out = Console.Out
          Err = Console.Error
          OpenInput = Console.OpenStandardInput
          IsInteractive = not Console.IsInputRedirected }
