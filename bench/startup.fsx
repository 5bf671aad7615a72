// Cold start-up of `cartocreds show --file F` and other commands (`status` against the loopback
// CARTO stand-in of the tests): the AOT binary, the managed build, and a bare AOT "hello" built
// the same way (the floor). Run by `dotnet fsi build.fsx bench`, after `publish`.
// Prints the median of each over RUNS runs (default 30), interleaved, and the ratios.
#r "../src/CartoCreds.Core/bin/Release/net10.0/Microsoft.Extensions.Logging.Abstractions.dll"
#r "../src/CartoCreds.Core/bin/Release/net10.0/CartoCreds.Core.dll"
#r "../tests/CartoCreds.Testing/bin/Release/net10.0/CartoCreds.Testing.dll"

open System
open System.Diagnostics
open System.IO

let root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))

let rid =
    match Environment.GetEnvironmentVariable "RID" with
    | null
    | "" -> "linux-x64"
    | r -> r

let runs =
    match Environment.GetEnvironmentVariable "RUNS" with
    | null
    | "" -> 30
    | n -> int n

let mutable variablesOf: string list -> (string * string) list = fun _ -> []

let run (program: string) (args: string list) =
    let info = ProcessStartInfo(program, args, RedirectStandardOutput = true, UseShellExecute = false)
    info.Environment["HOME"] <- root

    for name, value in variablesOf args do
        info.Environment[name] <- value

    let clock = Stopwatch.StartNew()
    use proc = Process.Start info
    proc.StandardOutput.ReadToEnd() |> ignore
    proc.WaitForExit()
    clock.Stop()

    if proc.ExitCode <> 0 then
        failwithf "%s exited with %d" program proc.ExitCode

    clock.Elapsed.TotalMilliseconds

let publish project output =
    let info =
        ProcessStartInfo(
            "dotnet",
            [ "publish"
              project
              "-c"
              "Release"
              "-r"
              rid
              "-p:PublishAot=true"
              "-o"
              output
              "-nologo"
              "-v"
              "quiet" ]
        )

    use proc = Process.Start info
    proc.WaitForExit()

    if proc.ExitCode <> 0 then
        failwithf "publish of %s failed" project

let aotDir = Path.Combine(root, "artifacts", "aot", rid)
let helloDir = Path.Combine(root, "artifacts", "aot-hello", rid)
let managedDir = Path.Combine(root, "artifacts", "managed")

if not (File.Exists(Path.Combine(aotDir, "cartocreds"))) then
    publish (Path.Combine(root, "src", "CartoCreds.Cli")) aotDir

publish (Path.Combine(root, "bench", "Hello")) helloDir

let managedInfo =
    ProcessStartInfo(
        "dotnet",
        [ "publish"
          Path.Combine(root, "src", "CartoCreds.Cli")
          "-c"
          "Release"
          "-o"
          managedDir
          "-nologo"
          "-v"
          "quiet" ]
    )

(using (Process.Start managedInfo) (fun p -> p.WaitForExit()))

let work = Directory.CreateTempSubdirectory("cartocreds-startup-").FullName
let file = Path.Combine(work, "creds.json")

File.WriteAllText(
    file,
    """{"username": "johnsmith", "api_key": "3f1e0c9a2b7d4e5f6a7b8c9d", "base_url": "https://johnsmith.carto.com", "allow_non_secure": false}"""
)

// `cloud token` answers from the disk cache: a token written there for the client of the variables.
let cloudHome = Path.Combine(work, "home")
let tokens = Path.Combine(cloudHome, ".config", "cartocreds", "tokens")
Directory.CreateDirectory tokens |> ignore

let cachedToken =
    let clientId =
        match CartoCreds.Core.CloudText.create CartoCreds.Core.CloudField.ClientId "m2m-client" with
        | Ok id -> id
        | Error _ -> failwith "bad client id"

    let secret =
        match CartoCreds.Core.CloudText.create CartoCreds.Core.CloudField.ClientSecret "secretsecretsecret" with
        | Ok s -> s
        | Error _ -> failwith "bad secret"

    let token =
        CartoCreds.Core.TokenExchange.token
            DateTimeOffset.UtcNow
            "eyCachedCachedCachedToken01"
            (Some(DateTimeOffset.UtcNow.AddHours 1.0))

    File.WriteAllBytes(
        Path.Combine(tokens, CartoCreds.Core.TokenCache.name "https://auth.carto.com" clientId),
        CartoCreds.Core.TokenCache.bytes "https://auth.carto.com" clientId secret "bench-salt" token
    )

let cloudVariables =
    [ "HOME", cloudHome; "CARTO_CLIENT_ID", "m2m-client"; "CARTO_CLIENT_SECRET", "secretsecretsecret" ]

// `status` and `cloud status` ask the loopback stand-in (a new connection a run, as a user's has).
let carto = new CartoCreds.Testing.CartoServer()
carto.Account.AcceptToken "eyStatusStatusStatusToken01"
let statusFile = Path.Combine(work, "status.json")

File.WriteAllText(
    statusFile,
    "{\"api_key\": \"" + carto.Account.ApiKey + "\", \"base_url\": \"" + carto.Url + "\", \"allow_non_secure\": true}"
)

let cloudStatusVariables =
    [ "HOME", cloudHome
      "CARTO_API_TOKEN", "eyStatusStatusStatusToken01"
      "CARTO_ACCOUNTS_URL", carto.Url ]

let candidates =
    [ "aot show", Path.Combine(aotDir, "cartocreds"), [ "show"; "--file"; file ]
      "aot path", Path.Combine(aotDir, "cartocreds"), [ "path" ]
      "aot cloud token", Path.Combine(aotDir, "cartocreds"), [ "cloud"; "token" ]
      "aot status", Path.Combine(aotDir, "cartocreds"), [ "status"; "--file"; statusFile ]
      "aot cloud status", Path.Combine(aotDir, "cartocreds"), [ "cloud"; "status" ]
      "managed show", "dotnet", [ Path.Combine(managedDir, "cartocreds.dll"); "show"; "--file"; file ]
      "aot hello (floor)", Path.Combine(helloDir, "hello"), [] ]

variablesOf <-
    fun args ->
        match args with
        | [ "cloud"; "status" ] -> cloudStatusVariables
        | "cloud" :: _ -> cloudVariables
        | _ -> []

// One warm-up each (page cache), then interleaved runs so drift hits all alike.
for _, program, args in candidates do
    run program args |> ignore

let times = candidates |> List.map (fun (name, _, _) -> name, ResizeArray<float>()) |> dict

for _ in 1..runs do
    for name, program, args in candidates do
        times[name].Add(run program args)

let median (xs: ResizeArray<float>) =
    let sorted = xs |> Seq.sort |> Array.ofSeq

    if sorted.Length % 2 = 1 then
        sorted[sorted.Length / 2]
    else
        (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0

let floor = median times["aot hello (floor)"]
printfn "cold start, median of %d runs (process start to exit, measured from .NET):" runs

for name, _, _ in candidates do
    let m = median times[name]
    printfn "  %-18s %8.2f ms   %5.2fx the floor" name m (m / floor)

let image = FileInfo(Path.Combine(aotDir, "cartocreds")).Length
printfn "AOT image: %.1f MB" (float image / 1048576.0)

(carto :> IDisposable).Dispose()
Directory.Delete(work, true)
