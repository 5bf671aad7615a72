/// Linux: a hidden line read at the terminal through termios, so that a prompt never starts the
/// runtime's console handling, which sets the keypad's application mode (`ESC[?1h ESC=`) and never
/// resets it. The terminal's own settings are put back however the read ends.
module internal CartoCreds.Cli.RawInput

#nowarn "9" // pointers to pinned buffers, for the system calls below

open System
open System.Runtime.InteropServices
open Microsoft.FSharp.NativeInterop

[<DllImport("libc", EntryPoint = "tcgetattr", SetLastError = true)>]
extern int private tcgetattr(int fd, nativeint termios)

[<DllImport("libc", EntryPoint = "tcsetattr", SetLastError = true)>]
extern int private tcsetattr(int fd, int actions, nativeint termios)

[<DllImport("libc", EntryPoint = "read", SetLastError = true)>]
extern nativeint private readFd(int fd, nativeint buffer, unativeint count)

[<DllImport("libc", EntryPoint = "isatty")>]
extern int private isatty(int fd)

[<DllImport("libc", EntryPoint = "ioctl")>]
extern int private ioctl(int fd, unativeint request, nativeint argument)

/// glibc's `struct termios` is 60 bytes on every Linux architecture; room to spare.
let private termiosSize = 128
let private localFlags = 12 // c_lflag, after c_iflag, c_oflag and c_cflag
let private controlChars = 17 // c_cc, after c_line
let private vtime = 5
let private vmin = 6
let private isig = 0o1u
let private icanon = 0o2u
let private echo = 0o10u
let private tcsaFlush = 2
let private eIntr = 4

/// What a key read as bytes means to the prompt.
[<RequireQualifiedAccess>]
type Key =
    | Byte of byte
    | Enter
    | Erase
    | Cancel
    /// An escape sequence (an arrow, a function key): not part of a key.
    | Ignored

let private get (fd: int) (buffer: byte[]) =
    use pinned = fixed buffer
    tcgetattr (fd, NativePtr.toNativeInt pinned) = 0

let private set (fd: int) (buffer: byte[]) =
    use pinned = fixed buffer
    tcsetattr (fd, tcsaFlush, NativePtr.toNativeInt pinned) = 0

/// One byte of standard input; `None` at its end, or when the terminal has gone.
let private readByte () : byte option =
    let one = Array.zeroCreate<byte> 1
    use pinned = fixed one
    let mutable result = None
    let mutable again = true

    while again do
        match readFd (0, NativePtr.toNativeInt pinned, 1un) with
        | 1n ->
            result <- Some one[0]
            again <- false
        | -1n when Marshal.GetLastPInvokeError() = eIntr -> ()
        | _ -> again <- false

    result

/// The next key: Enter, Backspace or Delete, Ctrl-C or Ctrl-D (or the end of input), a byte of
/// text, or an escape sequence read to its end.
let private nextKey () : Key =
    match readByte () with
    | None
    | Some 3uy
    | Some 4uy -> Key.Cancel
    | Some 13uy
    | Some 10uy -> Key.Enter
    | Some 127uy
    | Some 8uy -> Key.Erase
    | Some 27uy ->
        // CSI and SS3 sequences end with a byte from '@' to '~'; at most 16 bytes are read.
        match readByte () with
        | Some b when b = byte '[' || b = byte 'O' ->
            let mutable n = 0
            let mutable ended = false

            while not ended && n < 16 do
                match readByte () with
                | Some b when b >= 0x40uy && b <= 0x7Euy -> ended <- true
                | Some _ -> n <- n + 1
                | None -> ended <- true

            Key.Ignored
        | _ -> Key.Ignored
    | Some b when b < 0x20uy -> Key.Ignored
    | Some b -> Key.Byte b

/// The width of the terminal at standard output, asked of the terminal itself (`TIOCGWINSZ`)
/// rather than of the runtime's console, which would start its terminal handling to answer.
let columns () : int option =
    if OperatingSystem.IsLinux() && isatty 1 = 1 then
        let size = Array.zeroCreate<byte> 8 // struct winsize: rows, columns, then pixels
        use pinned = fixed size

        if ioctl (1, 0x5413un, NativePtr.toNativeInt pinned) = 0 then
            Some(int (BitConverter.ToUInt16(size, 2))) |> Option.filter (fun n -> n > 0)
        else
            None
    else
        None

/// Whether this read is used: Linux, with a terminal at standard input.
let available () = OperatingSystem.IsLinux() && isatty 0 = 1

/// The terminal's settings while a hidden read is under way, to put back if the tool ends first.
let private pending: byte[] option ref = ref None

/// Puts back the terminal's settings if a hidden read is still under way (a login that timed out
/// while a code was being pasted): the tool never leaves the terminal without echo.
let restore () =
    match lock pending (fun () -> pending.Value) with
    | Some original -> set 0 original |> ignore
    | None -> ()

/// Reads a line without echo, up to `limit` bytes: `Ok` the text, `Error true` when cancelled,
/// `Error false` when it is longer than `limit`; `None` when the terminal's settings could not be
/// read or changed (the caller then reads another way).
let readHidden (limit: int) : Result<string, bool> option =
    let original = Array.zeroCreate<byte> termiosSize

    if not (get 0 original) then
        None
    else
        let quiet = Array.copy original
        let flags = BitConverter.ToUInt32(quiet, localFlags) &&& ~~~(echo ||| icanon ||| isig)
        BitConverter.TryWriteBytes(Span(quiet, localFlags, 4), flags) |> ignore
        quiet[controlChars + vmin] <- 1uy
        quiet[controlChars + vtime] <- 0uy

        if not (set 0 quiet) then
            None
        else
            lock pending (fun () -> pending.Value <- Some original)

            try
                let typed = ResizeArray<byte>()
                let mutable outcome = None

                while outcome.IsNone do
                    match nextKey () with
                    | Key.Enter -> outcome <- Some(Ok(Text.Encoding.UTF8.GetString(typed.ToArray())))
                    | Key.Cancel -> outcome <- Some(Error true)
                    | Key.Erase ->
                        // A whole character: its UTF-8 continuation bytes, then its first byte.
                        while typed.Count > 0 && typed[typed.Count - 1] &&& 0xC0uy = 0x80uy do
                            typed.RemoveAt(typed.Count - 1)

                        if typed.Count > 0 then
                            typed.RemoveAt(typed.Count - 1)
                    | Key.Byte _ when typed.Count >= limit -> outcome <- Some(Error false)
                    | Key.Byte b -> typed.Add b
                    | Key.Ignored -> ()

                outcome
            finally
                lock pending (fun () -> pending.Value <- None)
                set 0 original |> ignore
