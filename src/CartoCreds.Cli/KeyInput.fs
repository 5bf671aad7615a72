/// How `cartocreds` takes a key or token: one bounded line of standard input, or a prompt at a
/// terminal that does not echo what is typed.
module CartoCreds.Cli.KeyInput

open System
open CartoCreds.Core

/// The most standard input is read for a key: one line of at most this many bytes.
[<Literal>]
let private MaxKeyLine = 4096

/// One line of standard input, without its line ending or a leading UTF-8 byte-order mark; at
/// most `MaxKeyLine` bytes are read, so a stream with no end (`< /dev/zero`) is refused at once.
let private readLine (option: string) (input: IO.Stream) : Result<string, string> =
    let buffer = Array.zeroCreate<byte>(MaxKeyLine + 1)
    let mutable filled = 0
    let mutable ended = false

    while not ended && filled < buffer.Length do
        let n = input.Read(buffer, filled, buffer.Length - filled)

        if n = 0 then
            ended <- true
        else
            ended <- Array.IndexOf(buffer, '\n'B, filled, n) >= 0
            filled <- filled + n

    let lineEnd =
        match Array.IndexOf(buffer, '\n'B, 0, filled) with
        | -1 -> filled
        | n -> n

    if lineEnd > MaxKeyLine then
        Error(
            option
            + ": the first line of standard input is longer than "
            + string MaxKeyLine
            + " bytes; nothing was saved."
        )
    else
        let start =
            if lineEnd >= 3 && buffer[0] = 0xEFuy && buffer[1] = 0xBBuy && buffer[2] = 0xBFuy then
                3
            else
                0

        Ok(Text.Encoding.UTF8.GetString(buffer, start, lineEnd - start).TrimEnd('\r'))

[<Literal>]
let private cancelled = "cancelled; nothing was saved."

/// Ctrl-D, as a terminal that has closed reads.
let private endOfInput = ConsoleKeyInfo('\u0004', ConsoleKey.D, false, false, true)

/// Reads a line typed at the terminal without echoing it: Enter ends it, Backspace takes back a
/// character; at most `MaxKeyLine` characters. Ctrl-C is read as a key, not a signal, so that the
/// terminal is put back as it was before the tool says "cancelled" and leaves; Ctrl-D, or a
/// terminal that closes, cancels the same way.
let private readHiddenByConsole (terminal: Terminal) : Result<string, string> =
    let typed = Text.StringBuilder()
    let mutable finished = false
    let mutable error = None
    let controlC = Console.TreatControlCAsInput
    Console.TreatControlCAsInput <- true

    try
        while not finished do
            let key =
                try
                    Console.ReadKey(intercept = true)
                with :? InvalidOperationException ->
                    endOfInput

            match key.Key with
            | ConsoleKey.Enter -> finished <- true
            | ConsoleKey.Backspace ->
                if typed.Length > 0 then
                    typed.Length <- typed.Length - 1
            // Ctrl-C, and Ctrl-D (end of input, SPEC §6): only an empty line means the default.
            | _ when key.KeyChar = '\u0003' || key.KeyChar = '\u0004' ->
                error <- Some cancelled
                finished <- true
            | _ when typed.Length >= MaxKeyLine ->
                error <- Some("the key typed is longer than " + string MaxKeyLine + " characters; nothing was saved.")
                finished <- true
            | _ when key.KeyChar <> '\u0000' -> typed.Append key.KeyChar |> ignore
            | _ -> ()
    finally
        Console.TreatControlCAsInput <- controlC

    terminal.Err.WriteLine()

    match error with
    | Some message -> Error message
    | None -> Ok(typed.ToString())

/// A line typed without echo: through termios on Linux (the runtime's console is never started,
/// so the terminal is left as it was found), else by the console's keys.
let private readHidden (terminal: Terminal) : Result<string, string> =
    match (if RawInput.available () then RawInput.readHidden MaxKeyLine else None) with
    | Some read ->
        terminal.Err.WriteLine()

        read
        |> Result.mapError (fun cancelledByUser ->
            if cancelledByUser then
                cancelled
            else
                "the key typed is longer than " + string MaxKeyLine + " characters; nothing was saved.")
    | None -> readHiddenByConsole terminal

/// Asks for a login's code on stderr and reads it: without echo at a terminal, else standard
/// input's first line (bounded). `None` when cancelled (Ctrl-C, Ctrl-D, the end of input) or too
/// long, said on stderr.
let pastedCode (terminal: Terminal) (question: string) : string option =
    let line =
        if terminal.IsInteractive then
            terminal.Err.Write question
            readHidden terminal
        else
            use input = terminal.OpenInput()
            readLine "--code" input

    match line with
    | Ok text -> Some text
    | Error message when message = cancelled -> None
    | Error message ->
        terminal.Err.WriteLine message
        None

/// Asks for a key on stderr and reads it without echo; an empty answer is `None` (the default key).
let prompt (terminal: Terminal) (question: string) : Result<string option, string> =
    terminal.Err.Write question
    readHidden terminal |> Result.map Input.given

/// A key from standard input: typed without echo at a terminal, else its first line (bounded).
let fromStdinFor (terminal: Terminal) (option: string) (what: string) (nothing: string) : Result<string, string> =
    let line =
        if terminal.IsInteractive then
            terminal.Err.Write(what + ": ")
            readHidden terminal
        else
            use input = terminal.OpenInput()
            readLine option input

    line
    |> Result.bind (fun line ->
        match Input.given line with
        | Some key -> Ok key
        | None -> Error(option + ": standard input held no " + what + "; " + nothing))

/// A secret read from standard input for a save: hidden when typed, else one line.
let fromStdin (terminal: Terminal) (option: string) (what: string) : Result<string, string> =
    fromStdinFor terminal option what "nothing was saved."
