/// A child process for the store's tests.
///   save PATH USERNAME KEY      saves once, prints the path written
///   write PATH COUNT            saves COUNT times, alternating a short and a long value
///   read PATH STOPFILE SECONDS  loads until STOPFILE exists; every load must give one of the two values
module CartoCreds.Core.Tests.Worker

open System
open System.Diagnostics
open System.IO
open CartoCreds.Core

let private create username key baseUrl =
    match Credentials.create { Username = username; ApiKey = key; BaseUrl = baseUrl; AllowNonSecure = false } with
    | Ok c -> c
    | Error e -> failwith (Messages.valueErrors e)

/// Two values of very different sizes, so that a torn file cannot pass for either.
let short = create (Some "a") None None

let long =
    create (Some(String('b', 63))) (Some(String('k', 4000))) (Some("https://team.carto.com/u/" + String('b', 63)))

let private write path count =
    for i in 1..count do
        match Store.save path (if i % 2 = 0 then short else long) with
        | Ok _ -> ()
        | Error e -> failwith (Messages.storeError e)

    0

let private read path stopFile (seconds: float) =
    let clock = Stopwatch.StartNew()
    let mutable loads = 0
    let mutable failure = None

    while failure.IsNone && not (File.Exists stopFile) && clock.Elapsed.TotalSeconds < seconds do
        match Shell.load Host.current (Some path) with
        | Ok resolved when resolved.Credentials = short || resolved.Credentials = long -> loads <- loads + 1
        | Ok resolved -> failure <- Some $"unexpected credentials {resolved.Credentials}"
        | Error e -> failure <- Some(Messages.resolveError e)

    match failure with
    | Some message ->
        eprintfn "read %d times, then: %s" loads message
        1
    | None ->
        printfn "%d" loads
        0

[<EntryPoint>]
let main argv =
    match List.ofArray argv with
    | [ "save"; path; username; key ] ->
        match Store.save path (create (Some username) (Some key) None) with
        | Ok written ->
            printfn "%s" written
            0
        | Error e ->
            eprintfn "%s" (Messages.storeError e)
            1
    | [ "write"; path; count ] -> write path (int count)
    | [ "read"; path; stopFile; seconds ] -> read path stopFile (float seconds)
    | _ ->
        eprintfn "usage: save PATH USERNAME KEY | write PATH COUNT | read PATH STOPFILE SECONDS"
        2
