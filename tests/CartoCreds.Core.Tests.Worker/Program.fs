/// A child process for the store's tests.
///   save PATH USERNAME KEY      saves once, prints the path written
///   write PATH COUNT            saves COUNT times, alternating a short and a long value
///   read PATH STOPFILE SECONDS  loads until STOPFILE exists; every load must give one of the two values
///   profile PATH NAME ROUNDS    saves the CARTO CLI profile NAME ROUNDS times (token NAME-ROUND-…)
///   profiles PATH STOPFILE SECONDS  reads the CARTO CLI file until STOPFILE exists; each read must decode
///   hold PATH SECONDS           takes the lock of PATH, prints "held", and keeps it SECONDS
///   token STARTFILE             resolves CARTO 3 credentials from the environment, prints "ready",
///                               waits for STARTFILE, then gets a token and prints it
module CartoCreds.Core.Tests.Worker

open System
open System.Diagnostics
open System.IO
open CartoCreds.Core
open Microsoft.Extensions.Logging.Abstractions

let private create username key baseUrl =
    match Credentials.create { Username = username; ApiKey = key; BaseUrl = baseUrl; AllowNonSecure = false } with
    | Ok c -> c
    | Error e -> failwith (ValueMessages.valueErrors e)

/// Two values of very different sizes, so that a torn file cannot pass for either.
let short = create (Some "a") None None

let long =
    create (Some(String('b', 63))) (Some(String('k', 4000))) (Some("https://team.carto.com/u/" + String('b', 63)))

let private write path count =
    for i in 1..count do
        match CodecDisk.save path (if i % 2 = 0 then short else long) with
        | Ok _ -> ()
        | Error e -> failwith (ValueMessages.storeError e)

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

/// The token a profile writer saves in a round: its name, the round, and padding.
let tokenOf (name: string) (round: int) = name + "-" + string round + "-" + String('t', 400)

let private saveProfile path name rounds =
    for round in 1..rounds do
        match CloudCredentials.ofToken (tokenOf name round) None with
        | Error e -> failwithf "%A" e
        | Ok credentials ->
            match CliProfilesDisk.save Host.current (Some name) (Some path) credentials with
            | Ok _ -> ()
            | Error e -> failwith (CallMessages.profileError e)

    0

let private readProfiles path stopFile (seconds: float) =
    let clock = Stopwatch.StartNew()
    let mutable reads = 0
    let mutable failure = None

    while failure.IsNone && not (File.Exists stopFile) && clock.Elapsed.TotalSeconds < seconds do
        match (Disk.readUpTo CloudFile.MaxCliFileSize path).Content with
        | Error ReadError.NotFound -> ()
        | Error e -> failure <- Some(ValueMessages.readError e)
        | Ok bytes ->
            match CloudFile.decode bytes with
            | Ok(CloudFile.Profiles _) -> reads <- reads + 1
            | Ok _ -> failure <- Some "not a CARTO CLI file"
            | Error e -> failure <- Some(ValueMessages.decodeError Layer.File e)

    match failure with
    | Some message ->
        eprintfn "read %d times, then: %s" reads message
        1
    | None ->
        printfn "%d" reads
        0

let private hold path (seconds: float) =
    match FileLock.take path FileLock.wait with
    | Error e ->
        eprintfn "%s" (ValueMessages.storeError e)
        1
    | Ok held ->
        use _ = held
        printfn "held"
        Console.Out.Flush()
        Threading.Thread.Sleep(TimeSpan.FromSeconds seconds)
        0

let private token (startFile: string) =
    let request = Request.ofArguments CloudArguments.None

    match Shell.resolveCloudLogged NullLogger.Instance Host.current DateTimeOffset.UtcNow request with
    | Error e ->
        eprintfn "%s" (Messages.resolveError e)
        1
    | Ok resolution ->
        let session = CloudSession.Create(Host.current, resolution, SessionOptions.Default)
        printfn "ready"
        Console.Out.Flush()
        let clock = Stopwatch.StartNew()

        while not (File.Exists startFile) && clock.Elapsed.TotalSeconds < 60.0 do
            Threading.Thread.Sleep 2

        match session.GetTokenAsync(Threading.CancellationToken.None).AsTask().Result with
        | Ok token ->
            printfn "%s" token.Value
            0
        | Error e ->
            eprintfn "%s" (CallMessages.tokenError e)
            1

[<EntryPoint>]
let main argv =
    match List.ofArray argv with
    | [ "save"; path; username; key ] ->
        match CodecDisk.save path (create (Some username) (Some key) None) with
        | Ok written ->
            printfn "%s" written
            0
        | Error e ->
            eprintfn "%s" (ValueMessages.storeError e)
            1
    | [ "write"; path; count ] -> write path (int count)
    | [ "read"; path; stopFile; seconds ] -> read path stopFile (float seconds)
    | [ "profile"; path; name; rounds ] -> saveProfile path name (int rounds)
    | [ "profiles"; path; stopFile; seconds ] -> readProfiles path stopFile (float seconds)
    | [ "hold"; path; seconds ] -> hold path (float seconds)
    | [ "token"; startFile ] -> token startFile
    | _ ->
        eprintfn "usage: save PATH USERNAME KEY | write PATH COUNT | read PATH STOPFILE SECONDS"
        2
