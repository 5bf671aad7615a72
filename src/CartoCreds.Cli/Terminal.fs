/// The console as the commands see it: the process's own, or writers and input that a test gives.
namespace CartoCreds.Cli

#nowarn "9" // a pointer to a pinned buffer, for write(2)

open System
open System.IO
open System.Runtime.InteropServices
open Microsoft.FSharp.NativeInterop

type Terminal =
    {
        Out: TextWriter
        Err: TextWriter
        /// Standard input, as bytes.
        OpenInput: unit -> Stream
        /// Whether a person types at standard input: a prompt can be shown and echo turned off.
        IsInteractive: bool
    }

/// A write to a standard stream that the system refused: the descriptor and its `errno`.
type StreamWriteFailed(fd: int, errno: int) =
    inherit IOException("write failed", errno)
    member _.Descriptor = fd
    member _.Errno = errno

    /// The reader of a pipe went away (`EPIPE`): what `| head -c1` does once it has read enough.
    member _.IsClosedPipe = errno = 32

    /// Why, in the project's words (never the platform's message).
    member _.Reason =
        match errno with
        | 28 -> "no space left on the device"
        | 122 -> "the disk quota is exceeded"
        | 5 -> "an input/output error"
        | 9 -> "it is not open for writing"
        | 27 -> "the file would be too large"
        | code -> "error " + string code

/// A standard stream written with write(2) at the descriptor's own offset, as a shell expects
/// (`{ echo a; cartocreds path; echo b; } > file` keeps all three in order): a `FileStream` over a
/// file would write at an offset of its own and overwrite what others wrote after.
type internal DescriptorStream(fd: int) =
    inherit Stream()

    [<DllImport("libc", EntryPoint = "write", SetLastError = true)>]
    static extern nativeint write(int fd, nativeint buffer, unativeint count)

    override _.CanRead = false
    override _.CanSeek = false
    override _.CanWrite = true
    override _.Length = raise (NotSupportedException())

    override _.Position
        with get () = raise (NotSupportedException())
        and set _ = raise (NotSupportedException())

    override _.Flush() = ()
    override _.Read(_: byte[], _: int, _: int) : int = raise (NotSupportedException())
    override _.Seek(_: int64, _: SeekOrigin) : int64 = raise (NotSupportedException())
    override _.SetLength(_: int64) = raise (NotSupportedException())

    override _.Write(buffer: byte[], offset: int, count: int) =
        use pinned = fixed buffer
        let start = NativePtr.toNativeInt pinned + nativeint offset
        let mutable written = 0

        while written < count do
            match write (fd, start + nativeint written, unativeint (count - written)) with
            | n when n > 0n -> written <- written + int n
            | -1n when Marshal.GetLastPInvokeError() = 4 -> () // EINTR
            | _ -> raise (StreamWriteFailed(fd, Marshal.GetLastPInvokeError()))

[<RequireQualifiedAccess>]
module Terminal =

    /// A writer of a standard stream straight to its descriptor. On Unix the runtime's console
    /// streams start its terminal handling on the first write, which puts the keypad in
    /// application mode (`ESC[?1h ESC=`) and never takes it out: the tool leaves the terminal as
    /// it found it.
    let private direct (fd: int) (console: unit -> TextWriter) : TextWriter =
        if OperatingSystem.IsWindows() then
            console ()
        else
            new StreamWriter(new DescriptorStream(fd), Text.UTF8Encoding false, 4096, AutoFlush = true)

    /// This process's console.
    let system () : Terminal =
        { Out = direct 1 (fun () -> Console.Out)
          Err = direct 2 (fun () -> Console.Error)
          OpenInput = Console.OpenStandardInput
          IsInteractive = not Console.IsInputRedirected }
