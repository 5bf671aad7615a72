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

    /// A writer of a standard stream straight to its descriptor. On Unix the runtime's console
    /// writers start its terminal handling on the first write, which puts the keypad in
    /// application mode (`ESC[?1h ESC=`) and never takes it out: the tool leaves the terminal as
    /// it found it. A descriptor that is closed gets the console's writer.
    let private direct (fd: int) (console: unit -> TextWriter) : TextWriter =
        if OperatingSystem.IsWindows() then
            console ()
        else
            try
                let handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(nativeint fd, false)
                let stream = new FileStream(handle, FileAccess.Write, 1)
                new StreamWriter(stream, Text.UTF8Encoding false, 4096, AutoFlush = true)
            with
            | :? IOException
            | :? ArgumentException
            | :? UnauthorizedAccessException -> console ()

    /// This process's console.
    let system () : Terminal =
        { Out = direct 1 (fun () -> Console.Out)
          Err = direct 2 (fun () -> Console.Error)
          OpenInput = Console.OpenStandardInput
          IsInteractive = not Console.IsInputRedirected }
