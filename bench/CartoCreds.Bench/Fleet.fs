/// SPEC §7.7's fleet, measured: many instances of the worker example (`examples/CartoWorker`, its
/// Native AOT build), each on a "machine" of its own (its own home: no disk in common), sharing one
/// redis-server, against the loopback CARTO stand-in issuing short-lived tokens. Each lists the
/// connections every second. The stand-in counts the exchanges and when they came: the fleet
/// should exchange once, then once per renewal period, however many instances there are.
///
///   dotnet run -c Release --project bench/CartoCreds.Bench -- fleet [INSTANCES] [LIFETIME_S] [PERIODS]
///
/// SPEC §12's fleet: the same workers each hand out an API Access Token of one grant from an
/// `ApiAccessTokenBroker` every second; the stand-in counts the tokens created. A fleet should
/// create one, then about one per half-lifetime.
///
///   dotnet run -c Release --project bench/CartoCreds.Bench -- fleet-brokers [INSTANCES] [LIFETIME_S] [HALF_LIVES]
module CartoCreds.Bench.Fleet

open System
open System.Diagnostics
open System.IO
open System.Threading
open CartoCreds.Testing

let private root () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then
            failwith "run from inside the repository"
        elif File.Exists(Path.Combine(dir.FullName, "CartoCreds.Functional.sln")) then
            dir.FullName
        else
            up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

type private Instance =
    { Process: Process
      Home: string
      mutable Listings: int
      mutable Failures: string list }

let private start (worker: string) (settings: (string * string) list) (n: int) =
    let home = Directory.CreateTempSubdirectory("cartocreds-fleet-").FullName

    let info =
        ProcessStartInfo(worker, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false)

    for name in info.Environment.Keys |> Seq.filter (fun k -> k.StartsWith "CARTO") |> List.ofSeq do
        info.Environment.Remove name |> ignore

    info.Environment["HOME"] <- home
    info.Environment["XDG_CONFIG_HOME"] <- Path.Combine(home, "config")

    for name, value in settings do
        info.Environment[name] <- value

    let instance = { Process = Process.Start info; Home = home; Listings = 0; Failures = [] }

    instance.Process.OutputDataReceived.Add(fun line ->
        if not (isNull line.Data) && (line.Data.StartsWith "carto_dw" || line.Data.StartsWith "api token") then
            Interlocked.Increment(&instance.Listings) |> ignore)

    instance.Process.ErrorDataReceived.Add(fun line ->
        match line.Data with
        | null -> ()
        | text when text.StartsWith "warn:" || text.StartsWith "fail:" || text.StartsWith "CARTO" ->
            lock instance (fun () -> instance.Failures <- $"instance {n}: {text}" :: instance.Failures)
        | _ -> ())

    instance.Process.BeginOutputReadLine()
    instance.Process.BeginErrorReadLine()
    instance

/// Runs the fleet and prints what it measured; the exit code says whether each renewal period saw one exchange.
let run (argv: string list) =
    let number index fallback = argv |> List.tryItem index |> Option.map int |> Option.defaultValue fallback
    let instances = number 0 20
    let lifetime = number 1 120
    let periods = number 2 3
    let worker = Path.Combine(root (), "artifacts", "aot-worker", "linux-x64", "CartoWorker")

    if not (File.Exists worker) then
        failwith "the AOT worker is missing: run 'dotnet fsi build.fsx publish' first"

    // When a token is renewed (TokenExchange.refreshAt): half its life when that is under 10 minutes.
    let refresh = if lifetime < 600 then float lifetime / 2.0 else float lifetime - 300.0
    let duration = TimeSpan.FromSeconds(refresh * float periods + 10.0)

    use redis = RedisServer.start ()
    use server = new CartoServer()
    server.Account.TokenLifetime <- lifetime

    let settings =
        [ "Carto__ClientId", server.Account.ClientId
          "Carto__ClientSecret", server.Account.ClientSecret
          "Carto__ApiBaseUrl", server.Url
          "CARTO_AUTH_URL", server.Url
          "Carto__ShareTokens", "true"
          "ConnectionStrings__Redis", redis.Configuration
          "Worker__Every", "00:00:01" ]

    printfn
        "%d instances, tokens of %d s (renewed after %.0f s, less up to a quarter by jitter), %.0f s"
        instances
        lifetime
        refresh
        duration.TotalSeconds

    let clock = Stopwatch.StartNew()
    let fleet = [ for n in 1..instances -> start worker settings n ]
    let exchanges = Collections.Generic.List<float>()
    let mutable seen = 0

    while clock.Elapsed < duration do
        let issued = server.Account.IssuedCount

        for _ in seen + 1 .. issued do
            exchanges.Add clock.Elapsed.TotalSeconds

        seen <- issued
        Thread.Sleep 50

    for instance in fleet do
        if not instance.Process.HasExited then
            instance.Process.Kill()

        instance.Process.WaitForExit()

    let exited = fleet |> List.filter (fun i -> i.Process.ExitCode <> 137 && i.Process.ExitCode <> -1)
    let failures = fleet |> List.collect (fun i -> List.rev i.Failures)
    let listings = fleet |> List.sumBy (fun i -> i.Listings)

    for instance in fleet do
        instance.Process.Dispose()
        Directory.Delete(instance.Home, true)

    let times = List.ofSeq exchanges
    let gaps = times |> List.pairwise |> List.map (fun (a, b) -> b - a)
    // One exchange per period: no two exchanges closer than the earliest a jittered instance falls due.
    let periodic = gaps |> List.forall (fun gap -> gap >= refresh * 0.75 - 1.0)

    printfn "exchanges: %d, at %s s" times.Length (times |> List.map (sprintf "%.1f") |> String.concat ", ")
    printfn "gaps between them: %s s" (gaps |> List.map (sprintf "%.1f") |> String.concat ", ")

    printfn
        "renewal periods covered: %d (+ the first exchange); listings served: %d; instances that stopped early: %d"
        gaps.Length
        listings
        exited.Length

    for failure in failures |> List.truncate 20 do
        printfn "  %s" failure

    printfn "warnings or failures logged: %d" failures.Length

    if periodic && failures.IsEmpty && exited.IsEmpty then
        printfn "one exchange per renewal period, plus the first"
        0
    else
        printfn "MORE THAN ONE EXCHANGE IN A PERIOD, OR A FAILURE"
        1

/// Runs a fleet of brokers for `HALF_LIVES` half-lifetimes and prints the tokens created; the exit
/// code says whether they were at most one more than the half-lives covered.
let brokers (argv: string list) =
    let number index fallback = argv |> List.tryItem index |> Option.map int |> Option.defaultValue fallback
    let instances = number 0 20
    let lifetime = number 1 300
    let halfLives = number 2 3
    let worker = Path.Combine(root (), "artifacts", "aot-worker", "linux-x64", "CartoWorker")

    if not (File.Exists worker) then
        failwith "the AOT worker is missing: run 'dotnet fsi build.fsx publish' first"

    let duration = TimeSpan.FromSeconds(float lifetime / 2.0 * float halfLives + 10.0)
    use redis = RedisServer.start ()
    use server = new CartoServer()

    let settings =
        [ "Carto__ClientId", server.Account.ClientId
          "Carto__ClientSecret", server.Account.ClientSecret
          "Carto__ApiBaseUrl", server.Url
          "CARTO_AUTH_URL", server.Url
          "Carto__ShareTokens", "true"
          "ConnectionStrings__Redis", redis.Configuration
          "Worker__Every", "00:00:01"
          "Worker__BrokerGrant", "carto_dw=project.dataset.table"
          "Worker__TokenLifetime", TimeSpan.FromSeconds(float lifetime).ToString "c" ]

    printfn
        "%d brokers, tokens of %d s (replaced after %d s), %.0f s"
        instances
        lifetime
        (lifetime / 2)
        duration.TotalSeconds

    let clock = Stopwatch.StartNew()
    let fleet = [ for n in 1..instances -> start worker settings n ]
    let created = Collections.Generic.List<float>()
    let mutable seen = 0

    while clock.Elapsed < duration do
        let count = server.Account.ApiTokensCreated

        for _ in seen + 1 .. count do
            created.Add clock.Elapsed.TotalSeconds

        seen <- count
        Thread.Sleep 50

    for instance in fleet do
        if not instance.Process.HasExited then
            instance.Process.Kill()

        instance.Process.WaitForExit()

    let exited = fleet |> List.filter (fun i -> i.Process.ExitCode <> 137 && i.Process.ExitCode <> -1)
    let failures = fleet |> List.collect (fun i -> List.rev i.Failures)
    let handedOut = fleet |> List.sumBy (fun i -> i.Listings)

    for instance in fleet do
        instance.Process.Dispose()
        Directory.Delete(instance.Home, true)

    let times = List.ofSeq created

    printfn "tokens created: %d, at %s s" times.Length (times |> List.map (sprintf "%.1f") |> String.concat ", ")
    printfn "listings and tokens handed out: %d; instances that stopped early: %d" handedOut exited.Length

    for failure in failures |> List.truncate 20 do
        printfn "  %s" failure

    printfn "warnings or failures logged: %d" failures.Length

    if times.Length <= halfLives + 1 && failures.IsEmpty && exited.IsEmpty then
        printfn "at most one token per half-lifetime, plus the first"
        0
    else
        printfn "MORE TOKENS THAN HALF-LIVES PLUS ONE, OR A FAILURE"
        1
