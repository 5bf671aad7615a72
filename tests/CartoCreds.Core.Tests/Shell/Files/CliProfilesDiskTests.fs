/// SPEC §7.3 for writers: the CARTO CLI file's read-modify-writes serialized by a lock across real
/// processes, read up to 1 MiB, never written past what a read accepts, a repeated key read last.
module CartoCreds.Core.Tests.CliProfilesDiskTests

open System
open System.Diagnostics
open System.IO
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

let private now = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)

let private token = tokenCredentials

let private tokenText (credentials: CloudCredentials) =
    match credentials.Grant with
    | Grant.AccessToken(t, _) -> CloudText.value t
    | Grant.ClientCredentials _ -> failwith "not a token"

let private profilesOf (path: string) : (string * string option) list =
    match CloudFile.decode (ReadOnlyMemory(File.ReadAllBytes path)) with
    | Ok(CloudFile.Profiles(_, profiles)) -> profiles |> List.map (fun (name, input) -> name, input.Token)
    | other -> failwithf "%s is not a CARTO CLI file: %A" path other

/// Writer processes, each saving its own profile `rounds` times, while a reader process decodes
/// the file all along: every profile is there at the end with its last token, and no read tore.
let private writersAtOnce (writers: int) (rounds: int) =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    let stop = box.Path "stop"
    let env = [ "HOME", box.Root ]
    let reader = Worker.start None env [ "profiles"; path; stop; "120" ]
    let names = [ for i in 1..writers -> "p" + string i ]

    let results =
        names
        |> List.map (fun name -> Worker.start None env [ "profile"; path; name; string rounds ])
        |> List.map Worker.finish

    File.WriteAllText(stop, "")
    let readCode, reads, readErrors = Worker.finish reader

    for code, _, errors in results do
        Assert.True((code = 0), "a writer failed: " + errors)

    Assert.True((readCode = 0), "a reader saw a torn or unreadable file: " + readErrors)
    Assert.True(int reads > 0, "the reader read nothing")
    let expected = names |> List.map (fun n -> n, Some(Worker.tokenOf n rounds)) |> List.sortBy fst
    Assert.Equal<(string * string option) list>(expected, profilesOf path |> List.sortBy fst)

[<UnixFact("the workers are started through bash")>]
let ``two processes saving two profiles at once keep both, round after round`` () =
    for _ in 1..5 do
        writersAtOnce 2 20

[<UnixFact("the workers are started through bash")>]
let ``eight processes saving eight profiles at once keep all eight, and no reader sees a torn file`` () =
    writersAtOnce 8 15

[<Fact>]
let ``a writer waits for the lock, then gives up naming it, and changes nothing`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"

    match FileLock.take path FileLock.wait with
    | Error e -> failwith (ValueMessages.storeError e)
    | Ok held ->
        use _ = held
        let clock = Stopwatch.StartNew()

        match FileLock.within path (TimeSpan.FromSeconds 0.5) (fun () -> Ok "ran") id with
        | Error e ->
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds 0.5, "gave up before the wait was over")

            Assert.Equal(
                "another process held the lock "
                + path
                + ".lock for 0.5 s while writing the file beside it; nothing was changed, try again",
                ValueMessages.storeError e
            )
        | Ok _ -> failwith "the work ran while another held the lock"

    Assert.False(File.Exists path)

[<Fact>]
let ``writers wait 10 s for the lock, as SPEC 7.3 says`` () =
    Assert.Equal(TimeSpan.FromSeconds 10.0, FileLock.wait)
    Assert.Equal("/home/ana/.carto_credentials.json.lock", FileLock.pathOf "/home/ana/.carto_credentials.json")

[<UnixFact("the workers are started through bash")>]
let ``a lock held by a writer that is killed never blocks the next save`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    let holder = Worker.start None [ "HOME", box.Root ] [ "hold"; path; "60" ]
    Assert.Equal("held", holder.StandardOutput.ReadLine())
    // While it lives, the lock is held.
    Assert.True(Result.isError (FileLock.within path (TimeSpan.FromSeconds 0.2) (fun () -> Ok()) id))
    holder.Kill()
    Assert.True(holder.WaitForExit 10_000, "the holder did not end")
    let clock = Stopwatch.StartNew()

    match CliProfilesDisk.save (box.Host []) (Some "mine") (Some path) (token "eyMineMineMine0001") with
    | Ok _ -> Assert.True(clock.Elapsed < TimeSpan.FromSeconds 5.0, "the save waited for a dead writer")
    | Error e -> failwith (CallMessages.profileError e)

[<UnixFact("flock is the lock of both paths on Unix")>]
let ``the flock lock and a share-none handle (the lock elsewhere) exclude each other`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"

    match FileLock.take path FileLock.wait with
    | Error e -> failwith (ValueMessages.storeError e)
    | Ok held ->
        use _ = held

        Assert.ThrowsAny<IOException>(fun () ->
            new FileStream(FileLock.pathOf path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None) |> ignore)
        |> ignore

    // Released: the share-none handle is had at once.
    use handle =
        new FileStream(FileLock.pathOf path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)

    Assert.True(handle.CanWrite)

// ---- bounds ----

/// A JWT-like token of about `length` characters, unique to `n`.
let private longToken (n: int) (length: int) = "eyJ" + string n + "." + String('x', length)

/// A compact CARTO CLI file of `count` profiles with tokens of `length` characters.
let private bigCliFile (count: int) (length: int) =
    let profiles =
        [ for i in 1..count ->
              "\"p" + string i + "\": {\"token\": \"" + longToken i length + "\", \"tenant_id\": \"gcp-us-east1\"}" ]

    "{\"current_profile\": \"p1\", \"profiles\": {" + String.concat ", " profiles + "}}"

[<Fact>]
let ``a 65 KB CARTO CLI file (44 profiles of 1.4 KB tokens) saved back past 64 KiB is read and deleted from`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    File.WriteAllText(path, bigCliFile 44 1420)
    Assert.True(FileInfo(path).Length < int64 Codec.MaxFileSize)
    let host = box.Host []

    match CliProfilesDisk.save host (Some "new") None (token "eyNewNewNewNew0001") with
    | Ok _ -> ()
    | Error e -> failwith (CallMessages.profileError e)

    Assert.True(FileInfo(path).Length > int64 Codec.MaxFileSize, "the save did not pass 64 KiB")
    Assert.Equal(45, (profilesOf path).Length)

    match resolveCloud host now (Request.ofArguments CloudArguments.None) with
    | Ok resolved -> Assert.Equal(longToken 1 1420, tokenText resolved.Credentials)
    | Error e -> failwith (Messages.resolveError e)

    match CliProfilesDisk.delete host (Some "p2") None with
    | Ok(Some(_, "p2")) -> Assert.Equal(44, (profilesOf path).Length)
    | other -> failwithf "%A" other

[<Fact>]
let ``a save that would pass the 1 MiB read bound fails and leaves the file as it was`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"
    // Nearly as many profiles as a compact file holds under the bound (names of up to 3 digits
    // make a profile up to 4 characters longer than the second one): written back indented, it is over.
    let perProfile = (bigCliFile 2 1400).Length - (bigCliFile 1 1400).Length + 4
    File.WriteAllText(path, bigCliFile ((CloudFile.MaxCliFileSize - 4000) / perProfile) 1400)
    let before = File.ReadAllBytes path
    Assert.True(before.Length < CloudFile.MaxCliFileSize)

    match CliProfilesDisk.save (box.Host []) (Some "one-more") None (token (longToken 0 1400)) with
    | Error(ProfileError.TooLarge(where, size) as e) ->
        Assert.Equal(path, where)

        Assert.Equal(
            path
            + ": the file would be "
            + string size
            + " bytes; a CARTO CLI credentials file is at most 1048576 bytes (remove profiles you no longer use: cartocreds cloud delete --profile NAME); nothing was changed",
            CallMessages.profileError e
        )
    | other -> failwithf "expected the save to be refused: %A" other

    Assert.Equal<byte[]>(before, File.ReadAllBytes path)

[<Fact>]
let ``a CARTO CLI file past 1 MiB is refused by name, and carto-auth's file past 64 KiB too`` () =
    use box = new Sandbox()
    let cli = box.Path ".carto_credentials.json"
    File.WriteAllText(cli, bigCliFile 800 1400)

    match resolveCloud (box.Host []) now (Request.ofArguments CloudArguments.None) with
    | Error e ->
        Assert.EndsWith("bytes; a CARTO CLI credentials file is at most 1048576 bytes.", Messages.resolveError e)
    | Ok _ -> failwith "read past the bound"

    let m2m = box.Path "m2m.json"

    File.WriteAllText(
        m2m,
        "{\"client_id\": \"id-1\", \"client_secret\": \"s3cr3t-0001\", \"padding\": \"" + String('x', 70_000) + "\"}"
    )

    match resolveCloud (box.Host []) now { (Request.ofArguments CloudArguments.None) with CredFile = Some m2m } with
    | Error e -> Assert.EndsWith("bytes; a credentials file is at most 65536 bytes.", Messages.resolveError e)
    | Ok _ -> failwith "carto-auth's file was read past 64 KiB"

/// Saves of profiles with tokens of many sizes, some large enough to reach the bound.
let private saves: Gen<(string * int) list> =
    Gen.listOf (Gen.zip (Gen.elements [ "default"; "prod"; "eu"; "a-b"; "x1" ]) (Gen.choose (1, 300_000)))

[<Property(MaxTest = 60)>]
let ``a file CartoCreds wrote, CartoCreds reads back: every save under the bound decodes to what was saved`` () =
    Prop.forAll (Arb.fromGen saves) (fun steps ->
        let mutable file: ReadOnlyMemory<byte> option = None
        let mutable expected: Map<string, string> = Map.empty

        steps
        |> List.forall (fun (name, length) ->
            let text = longToken length length

            match CliProfiles.save "f" file (Some name) (token text) with
            | Error(ProfileError.TooLarge(_, size)) -> size > CloudFile.MaxCliFileSize
            | Error e -> failwith (CallMessages.profileError e)
            | Ok(bytes, _) ->
                file <- Some(ReadOnlyMemory bytes)
                expected <- expected.Add(name, text)

                bytes.Length <= CloudFile.MaxCliFileSize
                && match CloudFile.decode (ReadOnlyMemory bytes) with
                   | Ok(CloudFile.Profiles(_, profiles)) ->
                       (profiles |> List.map (fun (n, i) -> n, i.Token) |> Map.ofList) =
                           (expected |> Map.map (fun _ t -> Some t))
                   | _ -> false)
        |> Prop.label "saved, then decoded")

// ---- repeated keys ----

[<Fact>]
let ``a key repeated in the CARTO CLI file counts once, the last one, when read and when written`` () =
    use box = new Sandbox()
    let path = box.Path ".carto_credentials.json"

    File.WriteAllText(
        path,
        """{"current_profile": "old", "profiles": {"prod": 5, "prod": {"token": "eyFirstFirstFirst1", "token": "eyLastLastLastLast1", "tenant_id": "gcp-us-east1"}, "eu": {"token": "eyEuEuEuEuEuEuEu01"}}, "current_profile": "prod"}"""
    )

    let host = box.Host []

    match resolveCloud host now (Request.ofArguments CloudArguments.None) with
    | Ok resolved -> Assert.Equal("eyLastLastLastLast1", tokenText resolved.Credentials)
    | Error e -> failwith (Messages.resolveError e)

    match CliProfilesDisk.save host (Some "eu") None (token "eyEuNewEuNewEuNew2") with
    | Ok _ -> ()
    | Error e -> failwith (CallMessages.profileError e)

    let written = File.ReadAllText path
    Assert.Equal(1, Text.RegularExpressions.Regex.Matches(written, "\"current_profile\"").Count)
    Assert.Equal(1, Text.RegularExpressions.Regex.Matches(written, "\"prod\":").Count)

    Assert.Equal<(string * string option) list>(
        [ "prod", Some "eyLastLastLastLast1"; "eu", Some "eyEuNewEuNewEuNew2" ],
        profilesOf path
    )
