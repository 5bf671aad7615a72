/// The tool's Windows paths, run for real: a self-contained `win-x64` build under Wine, in a
/// private `WINEPREFIX` (SPEC §14's Windows bullet, §4, §7.3, §11). CARTOframes' location under
/// `%LOCALAPPDATA%`, a save, `show --all` and a delete; migration to the Credential Manager and
/// back; the keychain store's save, show, token and delete; four CARTO 3 profiles saved at once
/// under the share-none lock, and the lock held past its 10 s; a token exchanged against a
/// loopback server and served from the disk cache. The prefix is the test process's own: each
/// test starts by clearing what the last one left in its user profile.
module CartoCreds.Cli.Tests.WindowsToolTests

open System
open System.IO
open System.Threading.Tasks
open Xunit
open CartoCreds.Cli.Tests.Tool
open CartoCreds.Testing

/// The win-x64 build `build.fsx test` publishes where Wine is installed.
let private tool =
    repositoryRoot
    |> Option.map (fun root -> Path.Combine(root, "artifacts", "win-x64", "cartocreds.exe"))
    |> Option.filter File.Exists

type WindowsFactAttribute() as this =
    inherit FactAttribute()

    do
        match PrivateWine.missing, tool with
        | Some reason, _ -> this.Skip <- reason
        | None, None ->
            this.Skip <-
                "the win-x64 tool is not published (dotnet fsi build.fsx test publishes it where wine is installed)"
        | None, Some _ -> ()

/// The Windows user profile of the private prefix, as the Linux side sees it.
let private profile () =
    let prefix = PrivateWine.prefix ()
    let users = Path.Combine(prefix, "drive_c", "users")
    Directory.GetDirectories users |> Array.find (fun d -> Path.GetFileName d <> "Public")

/// What the last test left in the profile: the saved session, the CARTO CLI file, the setting.
let private reset () =
    let home = profile ()

    for dir in
        [ Path.Combine(home, "AppData", "Local", "cartoframes")
          Path.Combine(home, "AppData", "Local", "cartocreds")
          Path.Combine(home, "AppData", "Roaming", "cartocreds") ] do
        if Directory.Exists dir then
            Directory.Delete(dir, true)

    for file in [ Path.Combine(home, ".carto_credentials.json") ] do
        if File.Exists file then
            File.Delete file

let private run (variables: (string * string) list) (args: string list) =
    let code, out, err = PrivateWine.run tool.Value args variables

    { Code = code
      Out = out.Replace("\r\n", "\n")
      Err = err.Replace("\r\n", "\n") }

[<Collection("the tool under Wine")>]
type WindowsToolTests() =

    [<WindowsFact>]
    member _.``the saved session is CARTOframes' file under LOCALAPPDATA; save, show --all and delete use it``() =
        PrivateWine.boot ()
        reset ()
        let path = run [] [ "path" ]
        Assert.Equal(0, path.Code)
        Assert.Matches(@"^C:\\users\\[^\\]+\\AppData\\Local\\cartoframes\\cartoframes\\creds\.json\n$", path.Out)

        let saved = run [] [ "save"; "--username"; "alice"; "--api-key"; "0123456789abcdef" ]
        Assert.True((saved.Code = 0), saved.Err)
        Assert.EndsWith(path.Out, saved.Out.Substring(saved.Out.IndexOf " to " + 4))
        let file = Path.Combine(profile (), "AppData", "Local", "cartoframes", "cartoframes", "creds.json")
        Assert.True(File.Exists file)

        let all = run [] [ "show"; "--all" ]
        Assert.Equal(0, all.Code)
        Assert.Matches(@"Saved session\s+used", all.Out)
        Assert.DoesNotContain("0123456789abcdef", all.Out + all.Err)

        let deleted = run [] [ "delete" ]
        Assert.Equal(0, deleted.Code)
        Assert.StartsWith("Deleted C:\\users\\", deleted.Out)
        Assert.False(File.Exists file)

    [<WindowsFact>]
    member _.``config store migrate moves the saved session to the Credential Manager and back, byte for byte``() =
        PrivateWine.boot ()
        reset ()
        Assert.Equal(0, (run [] [ "save"; "--username"; "alice"; "--api-key"; "0123456789abcdef" ]).Code)
        let file = Path.Combine(profile (), "AppData", "Local", "cartoframes", "cartoframes", "creds.json")
        let original = File.ReadAllBytes file

        let there = run [] [ "config"; "store"; "migrate"; "--to"; "keychain" ]
        Assert.True((there.Code = 0), there.Err)
        Assert.Contains("to the keychain (Windows Credential Manager)", there.Out)
        Assert.False(File.Exists file)

        let shown = run [] [ "show" ]
        Assert.True((shown.Code = 0), shown.Err)
        Assert.Contains("alice", shown.Out)

        let back = run [] [ "config"; "store"; "migrate"; "--to"; "file" ]
        Assert.True((back.Code = 0), back.Err)
        Assert.Equal<byte[]>(original, File.ReadAllBytes file)
        Assert.Equal(0, (run [] [ "delete" ]).Code)

    [<WindowsFact>]
    member _.``four CARTO 3 profiles saved at once by four processes all land in the CARTO CLI file``() =
        PrivateWine.boot ()
        reset ()
        let names = [ "first"; "second"; "third"; "fourth" ]

        let save (name: string) =
            Task.Run(fun () ->
                run
                    []
                    [ "cloud"
                      "save"
                      "--profile"
                      name
                      "--tenant-id"
                      "gcp-us-east1"
                      "--token"
                      "token-of-" + name + "-0001" ])

        let all = Task.WhenAll(names |> List.map save).Result

        for r in all do
            Assert.True((r.Code = 0), r.Err)

        // Each read-modify-write held the share-none lock: none lost another's profile.
        let file = File.ReadAllText(Path.Combine(profile (), ".carto_credentials.json"))

        for name in names do
            Assert.Contains("\"token-of-" + name + "-0001\"", file)

        let listed = run [] [ "cloud"; "list" ]

        for name in names do
            Assert.Contains(name, listed.Out)

    [<WindowsFact>]
    member _.``a CARTO CLI file lock held past 10 s is waited for, then given up with the lock's name; nothing changed``
        ()
        =
        PrivateWine.boot ()
        reset ()

        let save (token: string) =
            run [] [ "cloud"; "save"; "--profile"; "eu"; "--tenant-id"; "gcp-us-east1"; "--token"; token ]

        Assert.Equal(0, (save "token-before-lock-0001").Code)
        let file = Path.Combine(profile (), ".carto_credentials.json")
        let original = File.ReadAllBytes file
        let lockFile = "C:\\users\\" + Path.GetFileName(profile ()) + "\\.carto_credentials.json.lock"

        Assert.True(File.Exists(file + ".lock"))

        // cmd holds the lock file open for about 14 s, so no share-none handle can be taken.
        use holder = PrivateWine.start "cmd.exe" [ "/c"; "ping -n 15 127.0.0.1 > nul < " + lockFile ]
        Threading.Thread.Sleep 2000
        let watch = Diagnostics.Stopwatch.StartNew()
        let refused = save "token-during-lock-0002"
        watch.Stop()
        Assert.Equal(1, refused.Code)
        Assert.Contains("another process held the lock " + lockFile + " for 10 s", refused.Err)
        // The wait is a loop against its deadline: no stack overflow, and no longer than asked.
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds 9.5, TimeSpan.FromSeconds 14.0)
        Assert.Equal<byte[]>(original, File.ReadAllBytes file)

        Assert.True(holder.WaitForExit 30_000)
        let saved = save "token-after-lock-0003"
        Assert.True((saved.Code = 0), saved.Err)
        Assert.Contains("token-after-lock-0003", File.ReadAllText file)

    [<WindowsFact>]
    member _.``with the keychain store, save, show, cloud token and delete use the Credential Manager``() =
        PrivateWine.boot ()
        reset ()
        let keychain = [ "CARTOCREDS_STORE", "keychain" ]
        let saved = run keychain [ "save"; "--username"; "alice"; "--api-key"; "0123456789abcdef" ]
        Assert.True((saved.Code = 0), saved.Err)
        Assert.Contains("the keychain (Windows Credential Manager)", saved.Out)
        let file = Path.Combine(profile (), "AppData", "Local", "cartoframes", "cartoframes", "creds.json")
        Assert.False(File.Exists file)

        let shown = run keychain [ "show" ]
        Assert.True((shown.Code = 0), shown.Err)
        Assert.Contains("alice", shown.Out)
        Assert.DoesNotContain("0123456789abcdef", shown.Out)

        let cloud =
            run
                keychain
                [ "cloud"
                  "save"
                  "--profile"
                  "eu"
                  "--tenant-id"
                  "gcp-europe-west1"
                  "--token"
                  "token-in-the-keychain-0001" ]

        Assert.True((cloud.Code = 0), cloud.Err)
        let cli = File.ReadAllText(Path.Combine(profile (), ".carto_credentials.json"))
        Assert.DoesNotContain("token-in-the-keychain-0001", cli)
        Assert.Contains("gcp-europe-west1", cli)

        let token = run keychain [ "cloud"; "token"; "--profile"; "eu" ]
        Assert.True((token.Code = 0), token.Err)
        Assert.Equal("token-in-the-keychain-0001\n", token.Out)

        // With the file store the profile has no token to give, and says where it may be.
        Assert.Equal(1, (run [] [ "cloud"; "token"; "--profile"; "eu" ]).Code)

        Assert.Equal(0, (run keychain [ "cloud"; "delete"; "--profile"; "eu" ]).Code)
        Assert.Equal(1, (run keychain [ "cloud"; "token"; "--profile"; "eu" ]).Code)
        let deleted = run keychain [ "delete" ]
        Assert.True((deleted.Code = 0), deleted.Err)
        Assert.Equal(1, (run keychain [ "show" ]).Code)

    [<WindowsFact>]
    member _.``cloud token exchanges against a loopback token server once, then serves the disk cache``() =
        PrivateWine.boot ()
        reset ()
        use server = new CartoServer()

        let variables =
            [ "CARTO_CLIENT_ID", server.Account.ClientId
              "CARTO_CLIENT_SECRET", server.Account.ClientSecret
              "CARTO_AUTH_URL", server.Url ]

        let first = run variables [ "cloud"; "token" ]
        Assert.True((first.Code = 0), first.Err)
        let second = run variables [ "cloud"; "token" ]
        Assert.Equal(first.Out, second.Out)
        Assert.StartsWith("stand-in-token-", first.Out)
        Assert.Equal(1, server.Received |> List.filter (fun r -> r.Path = "/oauth/token") |> List.length)
        Assert.DoesNotContain(server.Account.ClientSecret, first.Err + second.Err)

    [<WindowsFact>]
    member _.``a save over a creds.json another program holds open waits for it, then says so and loses nothing``() =
        PrivateWine.boot ()
        reset ()
        Assert.Equal(0, (run [] [ "save"; "--username"; "alice"; "--api-key"; "0123456789abcdef" ]).Code)
        let file = Path.Combine(profile (), "AppData", "Local", "cartoframes", "cartoframes", "creds.json")
        let original = File.ReadAllBytes file
        let shown = (run [] [ "path" ]).Out.Trim()

        // cmd holds the file open as its input for about 8 s, as a reader that shares no deletion does.
        use holder = PrivateWine.start "cmd.exe" [ "/c"; "ping -n 9 127.0.0.1 > nul < " + shown ]
        Threading.Thread.Sleep 3000
        let watch = Diagnostics.Stopwatch.StartNew()
        let refused = run [] [ "save"; "--username"; "bob"; "--api-key"; "0123456789abcdef" ]
        watch.Stop()
        Assert.Equal(1, refused.Code)

        Assert.Contains(
            "could not write "
            + shown
            + ": another program has it open (close it, then try again); the previous file is unchanged",
            refused.Err
        )

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds 1.9, TimeSpan.FromSeconds 5.0)
        Assert.Equal<byte[]>(original, File.ReadAllBytes file)
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName file, "*.tmp"))

        // Once it is closed, the same save goes through.
        Assert.True(holder.WaitForExit 30_000)
        let saved = run [] [ "save"; "--username"; "bob"; "--api-key"; "0123456789abcdef" ]
        Assert.True((saved.Code = 0), saved.Err)
        Assert.Contains("\"bob\"", File.ReadAllText file)
