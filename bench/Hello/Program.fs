module Hello

[<EntryPoint>]
let main _ =
    System.Console.Out.WriteLine "hello"
    0
