// SPEC §11's cost at start: the AOT `cartocreds show` with the saved session in the keychain
// (gnome-keyring on a private session bus, as the tests start it) against the same with the file
// store, and against a bare AOT "hello" built the same way (the floor). After `build.fsx publish`
// and `bench/startup.fsx` (which builds the hello). Prints the medians of RUNS runs (default 30),
// interleaved; with BASELINE=path, another build's `show` with the keychain store in the same runs.
// Needs dbus-daemon and gnome-keyring-daemon; `secret-tool lookup` of the same item (libsecret) is
// timed as well when it is installed.
open System
open System.Diagnostics
open System.IO

let root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))

let runs =
    match Environment.GetEnvironmentVariable "RUNS" with
    | null
    | "" -> 30
    | n -> int n

let tool = Path.Combine(root, "artifacts", "aot", "linux-x64", "cartocreds")
let hello = Path.Combine(root, "artifacts", "aot-hello", "linux-x64", "hello")

for program in [ tool; hello ] do
    if not (File.Exists program) then
        failwithf "%s is missing: run 'dotnet fsi build.fsx publish' and 'dotnet fsi bench/startup.fsx' first" program

let work = Directory.CreateTempSubdirectory("cartocreds-keychain-bench-").FullName
let home = Directory.CreateDirectory(Path.Combine(work, "home")).FullName
let runtime = Directory.CreateDirectory(Path.Combine(work, "run")).FullName
let config = Path.Combine(work, "bus.conf")

File.WriteAllText(
    config,
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">"
    + "<busconfig><type>session</type><listen>unix:path="
    + Path.Combine(runtime, "bus")
    + "</listen><auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
    + "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>"
)

let environment (info: ProcessStartInfo) (variables: (string * string) list) =
    info.Environment.Clear()
    info.Environment["PATH"] <- Environment.GetEnvironmentVariable "PATH"
    info.Environment["HOME"] <- home
    info.Environment["XDG_RUNTIME_DIR"] <- runtime

    for name, value in variables do
        info.Environment[name] <- value

let busInfo =
    ProcessStartInfo(
        "dbus-daemon",
        [ "--config-file=" + config; "--nofork"; "--print-address=1" ],
        RedirectStandardOutput = true
    )

environment busInfo List.empty
let bus = Process.Start busInfo
let address = bus.StandardOutput.ReadLine()

let keyringInfo =
    ProcessStartInfo(
        "gnome-keyring-daemon",
        [ "--unlock"; "--components=secrets"; "--foreground" ],
        RedirectStandardInput = true,
        RedirectStandardOutput = true,
        RedirectStandardError = true
    )

environment keyringInfo [ ("DBUS_SESSION_BUS_ADDRESS", address) ]
let keyring = Process.Start keyringInfo
keyring.StandardInput.Write "bench-keyring-password"
keyring.StandardInput.Close()

// The daemons and the directory go when the script ends, whether it finishes or fails.
AppDomain.CurrentDomain.ProcessExit.Add(fun _ ->
    for child in [ keyring; bus ] do
        if not child.HasExited then
            child.Kill true
            child.WaitForExit()

    Directory.Delete(work, true))

let run (program: string) (args: string list) (variables: (string * string) list) (input: string) =
    let info =
        ProcessStartInfo(
            program,
            args,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        )

    environment
        info
        ([ "DBUS_SESSION_BUS_ADDRESS", address; "XDG_CONFIG_HOME", Path.Combine(home, "config") ] @ variables)

    let clock = Stopwatch.StartNew()
    use proc = Process.Start info
    proc.StandardInput.Write(input: string)
    proc.StandardInput.Close()
    let errors = proc.StandardError.ReadToEndAsync()
    proc.StandardOutput.ReadToEnd() |> ignore
    proc.WaitForExit()
    clock.Stop()
    proc.ExitCode, errors.Result, clock.Elapsed.TotalMilliseconds

let keychain = [ ("CARTOCREDS_STORE", "keychain") ]

let baseline =
    match Environment.GetEnvironmentVariable "BASELINE" with
    | null
    | "" -> None
    | path -> Some path

// The same session saved in both stores (the keychain's once the keyring answers); saved by the
// baseline as well, in case it names its item otherwise.
let rec saved program attempts =
    match run program [ "save"; "--username"; "bench"; "--api-key-stdin" ] keychain "bench-api-key-0123456789" with
    | 0, _, _ -> ()
    | _, errors, _ when attempts > 0 ->
        Threading.Thread.Sleep 200
        saved program (attempts - 1)
    | _, errors, _ -> failwith ("the keychain save failed: " + errors)

saved tool 50
baseline |> Option.iter (fun program -> saved program 0)

match run tool [ "save"; "--username"; "bench"; "--api-key-stdin" ] [] "bench-api-key-0123456789" with
| 0, _, _ -> ()
| _, errors, _ -> failwith ("the file save failed: " + errors)

// libsecret's own `secret-tool lookup` of the same item, for reference, when it is installed.
let secretTool =
    let onPath =
        Environment.GetEnvironmentVariable("PATH").Split(Path.PathSeparator)
        |> Array.map (fun directory -> Path.Combine(directory, "secret-tool"))
        |> Array.tryFind File.Exists

    match onPath with
    | Some program ->
        [ ("secret-tool lookup", program, [ "lookup"; "service"; "cartocreds"; "kind"; "legacy-session" ], []) ]
    | None -> []

let candidates =
    [ "aot show, keychain", tool, [ "show" ], keychain
      "aot show, file", tool, [ "show" ], []
      "aot hello (floor)", hello, [], [] ]
    @ secretTool
    @ (baseline |> Option.map (fun program -> "baseline, keychain", program, [ "show" ], keychain) |> Option.toList)

for name, program, args, variables in candidates do
    match run program args variables "" with
    | 0, _, _ -> ()
    | code, errors, _ -> failwithf "%s exited with %d: %s" name code errors

let times = candidates |> List.map (fun (name, _, _, _) -> name, ResizeArray<float>()) |> dict

for _ in 1..runs do
    for name, program, args, variables in candidates do
        let _, _, ms = run program args variables ""
        times[name].Add ms

let median (xs: ResizeArray<float>) =
    let sorted = xs |> Seq.sort |> Array.ofSeq

    if sorted.Length % 2 = 1 then
        sorted[sorted.Length / 2]
    else
        (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0

let floor = median times["aot hello (floor)"]
let file = median times["aot show, file"]
printfn "cold start, median of %d runs (process start to exit):" runs

for name, _, _, _ in candidates do
    let m = median times[name]
    printfn "  %-20s %8.2f ms   %5.2fx the floor   %+6.2f ms over the file store" name m (m / floor) (m - file)
