/// SPEC §7.3 and §7.4: one strictness for reading and writing. A save refuses every CARTO CLI file
/// a read refuses, with the same message; the token cache and carto-auth's caches are used only
/// when no other user could have written them; no planted link is followed where none may be.
module CartoCreds.Core.Tests.PlantedFileTests

open System
open System.IO
open System.Net.Http
open System.Threading
open System.Threading.Tasks
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Testing

let private now = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)

let private token = tokenCredentials

let private planted =
    """{"current_profile": "planted", "profiles": {"planted": {"token": "eyPlantedPlanted01", "api_base_url": "https://attacker.example"}}}"""

let private chown (owner: string) (path: string) = Processes.succeed "chown" [ "-h"; owner; path ]
let private mode (path: string) (bits: int) = File.SetUnixFileMode(path, enum<UnixFileMode> bits)

/// The message a strict read of the saved session gives, and the one a save gives, for one file.
let private readAndSaveMessages (box: Sandbox) : string * string =
    let host = box.Host []

    let read =
        match resolveCloud host now (Request.ofArguments CloudArguments.None) with
        | Error e -> Messages.resolveError e
        | Ok _ -> failwith "the planted file was read"

    let save =
        match CliProfilesDisk.save host (Some "mine") None (token "eyMineMineMine0001") with
        | Error e -> CallMessages.profileError e
        | Ok _ -> failwith "the planted file was saved over"

    read, save

/// Both refuse the file with the same words, and the file is as it was.
let private refusedAlike (box: Sandbox) (path: string) (exposure: string) =
    let before = File.ReadAllBytes path
    let read, save = readAndSaveMessages box
    let why = exposure + " (or set CARTOCREDS_INSECURE_PERMISSIONS=1 to use it all the same)"
    Assert.Equal("Invalid CARTO 3 credentials in Saved session (" + path + "): " + why + ".", read)
    Assert.Equal(why + "; nothing was changed", save)
    Assert.Equal<byte[]>(before, File.ReadAllBytes path)

[<RootFact>]
let ``a save refuses a CARTO CLI file owned by another user, as a read does, and leaves it theirs`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    File.WriteAllText(path, planted)
    chown "65534" path

    refusedAlike
        box
        path
        (path
         + " is owned by another user (uid 65534), who could replace your credentials. Fix it with: chown $(id -u) "
         + path)

    Assert.Equal("65534", (Processes.run "stat" [ "-c"; "%u"; path ] |> fun (_, out, _) -> out.Trim()))

[<UnixFact("Unix modes")>]
let ``a save refuses a CARTO CLI file others can write, as a read does`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    File.WriteAllText(path, planted)
    mode path 0o666

    refusedAlike
        box
        path
        (path
         + " is writable by other users (mode 0666); another user could replace your credentials. Fix it with: chmod go-w "
         + path)

[<UnixFact("Unix modes")>]
let ``a new CARTO CLI file is not made in a directory others can write, nor a lock file beside it`` () =
    use box = new Sandbox()
    let home = box.Path "home"
    Directory.CreateDirectory home |> ignore
    mode home 0o777
    let host = Host.ofVariables [ "HOME", home ]

    match CliProfilesDisk.save host None None (token "eyMineMineMine0001") with
    | Error e ->
        Assert.StartsWith(home + " is writable by other users (mode 0777)", CallMessages.profileError e)
        Assert.Empty(Directory.GetFileSystemEntries home)
    | Ok _ -> failwith "saved where another user could replace it"

[<UnixFact("Unix modes")>]
let ``in a sticky directory such as /tmp, the user's own file is neither refused nor warned about`` () =
    use box = new Sandbox()
    let shared = box.Path "shared"
    Directory.CreateDirectory shared |> ignore
    mode shared 0o1777
    let path = Path.Combine(shared, "cli.json")

    match CliProfilesDisk.save (box.Host []) (Some "prod") (Some path) (token "eyMineMineMine0001") with
    | Ok _ -> ()
    | Error e -> failwith (CallMessages.profileError e)

    Assert.Equal(None, (CodecDisk.read path).Exposure)

    match resolveCloud (box.Host []) now { (Request.ofArguments CloudArguments.None) with CredFile = Some path } with
    | Ok resolved -> Assert.Empty resolved.Warnings
    | Error e -> failwith (Messages.resolveError e)

[<LinuxFact("FIFOs and link loops as Linux reports them")>]
let ``a save refuses a FIFO or a link loop in place of the CARTO CLI file, at once`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    Processes.succeed "mkfifo" [ path ]
    let save () = CliProfilesDisk.save (box.Host []) None None (token "eyMineMineMine0001")

    match Task.Run(save).Wait(TimeSpan.FromSeconds 10.0), save () with
    | true, Error(ProfileError.Unreadable(_, ReadError.NotRegular)) -> ()
    | waited, other -> failwithf "waited: %b, %A" waited other

    File.Delete path
    File.CreateSymbolicLink(path, box.Path "loop") |> ignore
    File.CreateSymbolicLink(box.Path "loop", path) |> ignore

    match save () with
    | Error(ProfileError.Unreadable(_, ReadError.Unreadable IoProblem.TooManyLinks)) -> ()
    | other -> failwithf "%A" other

[<RootFact>]
let ``links planted before and during saves never write another user's file`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    let victim = box.Path "victim.json"
    File.WriteAllText(victim, planted)
    chown "65534" victim
    // Before: the CARTO CLI file is a link to the other user's file; the lock file, a link too.
    File.CreateSymbolicLink(path, victim) |> ignore
    let host = box.Host []

    match CliProfilesDisk.save host (Some "mine") None (token "eyMineMineMine0001") with
    | Error(ProfileError.Exposed(Exposure.OwnedByOther(_, 65534L))) -> ()
    | other -> failwithf "%A" other

    File.Delete path
    File.Delete(FileLock.pathOf path) // left by the save above, as lock files are
    File.CreateSymbolicLink(FileLock.pathOf path, victim) |> ignore

    match CliProfilesDisk.save host (Some "mine") None (token "eyMineMineMine0001") with
    | Error(ProfileError.Store(StoreError.SaveFailed(where, IoProblem.TooManyLinks))) ->
        Assert.Equal(FileLock.pathOf path, where)
    | other -> failwithf "%A" other

    File.Delete(FileLock.pathOf path)
    // During: another thread plants the link again and again while saves run, for a bounded time.
    use stop = new CancellationTokenSource(TimeSpan.FromSeconds 20.0)

    let planter =
        Task.Run(fun () ->
            let mutable plants = 0

            while not stop.IsCancellationRequested && plants < 100_000 do
                try
                    File.Delete path
                    File.CreateSymbolicLink(path, victim) |> ignore
                with _ ->
                    ()

                plants <- plants + 1
                Thread.Sleep 1)

    for i in 1..100 do
        CliProfilesDisk.save host (Some "mine") None (token ("eyMineMineMine" + string (1000 + i))) |> ignore

    stop.Cancel()
    planter.Wait(TimeSpan.FromSeconds 30.0) |> ignore
    Assert.Equal(planted, File.ReadAllText victim)

[<UnixTheory("umask and Unix modes")>]
[<InlineData("000")>]
[<InlineData("022")>]
[<InlineData("077")>]
let ``a profile saved by another process is 0600 in new 0700 directories whatever the umask`` (umask: string) =
    use box = new Sandbox()
    let path = box.Path("new", "dir", "cli.json")

    let code, _, errors =
        Worker.start (Some umask) [ "HOME", box.Root ] [ "profile"; path; "prod"; "1" ] |> Worker.finish

    Assert.True((code = 0), errors)
    Assert.Equal(enum<UnixFileMode> 0o600, File.GetUnixFileMode path)
    Assert.Equal(enum<UnixFileMode> 0o700, File.GetUnixFileMode(box.Path "new"))
    Assert.Equal(enum<UnixFileMode> 0o700, File.GetUnixFileMode(box.Path("new", "dir")))
    Assert.Equal(0, int (File.GetUnixFileMode(FileLock.pathOf path)) &&& 0o077)

[<AsAnotherUserFact>]
let ``as an unprivileged user, a save refuses the CARTO CLI file another user planted in the home directory`` () =
    use box = new Sandbox()
    mode box.Root 0o755
    // The worker, copied where the unprivileged user can reach it (the checkout may be private).
    let tool = box.Path "tool"
    Directory.CreateDirectory tool |> ignore

    for file in Directory.GetFiles AppContext.BaseDirectory do
        let name = Path.GetFileName file

        if
            name.StartsWith "CartoCreds.Core.Tests.Worker." || name = "CartoCreds.Core.dll" || name = "FSharp.Core.dll"
        then
            File.Copy(file, Path.Combine(tool, name))

    Processes.succeed "chmod" [ "-R"; "a+rX"; tool ]
    let home = box.Path "home"
    Directory.CreateDirectory home |> ignore
    Processes.succeed "chown" [ "65534:65534"; home ]
    let path = Path.Combine(home, ".carto_credentials.json")
    File.WriteAllText(path, planted)
    Processes.succeed "chown" [ "65533"; path ]

    let code, out, errors =
        Processes.run
            "/usr/bin/setpriv"
            [ "--reuid=65534"
              "--regid=65534"
              "--clear-groups"
              "--"
              "/usr/bin/env"
              "-i"
              "HOME=" + home
              "PATH=/usr/bin:/bin"
              "DOTNET_CLI_TELEMETRY_OPTOUT=1"
              "dotnet"
              Path.Combine(tool, "CartoCreds.Core.Tests.Worker.dll")
              "profile"
              path
              "mine"
              "1" ]

    Assert.True((code <> 0), "the save succeeded: " + out)

    Assert.Contains(
        path
        + " is owned by another user (uid 65533), who could replace your credentials. Fix it with: chown $(id -u) "
        + path
        + " (or set CARTOCREDS_INSECURE_PERMISSIONS=1 to use it all the same); nothing was changed",
        errors
    )

    Assert.Equal(planted, File.ReadAllText path)
