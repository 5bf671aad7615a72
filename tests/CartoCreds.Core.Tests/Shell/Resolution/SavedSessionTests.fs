/// SPEC §4 on disk, and §2's shell: each test has its own temporary directory and host.
module CartoCreds.Core.Tests.SavedSessionTests

open System
open System.Diagnostics
open System.IO
open System.Text
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators
open CartoCreds.Core.Tests.Support

let private write (path: string) (text: string) =
    Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
    File.WriteAllText(path, text)

let private ana = make (Some "ana") (Some "0123456789abcdef") None
let private bob = make (Some "bob") None (Some "https://team.carto.com/u/bob")

let private loadError (host: Host) (path: string option) =
    match Shell.load host path with
    | Ok resolved -> failwithf "expected an error, got %O" resolved.Credentials
    | Error e -> e

// ---- loading ----

[<Fact>]
let ``save then load gives the same credentials, from the saved session`` () =
    use box = new Sandbox()
    let host = box.Host []
    let path = Shell.save host None ana |> ok |> ValueMessages.place
    Assert.Equal(box.SavedPath, path)
    let loaded = Shell.load host None |> ok
    Assert.Equal(ana, loaded.Credentials)
    Assert.Equal(Origin.At(Layer.SavedSession, Some path), loaded.Origin)

[<Fact>]
let ``every bad file is an error naming its path and what is wrong`` () =
    use box = new Sandbox()
    let host = box.Host []

    let expect (path: string) (problem: LayerProblem) =
        Assert.Equal(
            ResolveError.InvalidLayer(CredentialsKind.Legacy, Layer.File, path, problem),
            loadError host (Some path)
        )

    expect (box.Path "missing.json") (LayerProblem.Unreadable ReadError.NotFound)
    Directory.CreateDirectory(box.Path "dir.json") |> ignore
    expect (box.Path "dir.json") (LayerProblem.Unreadable ReadError.IsDirectory)
    write (box.Path "empty.json") ""
    expect (box.Path "empty.json") (LayerProblem.Undecodable DecodeError.Empty)
    write (box.Path "large.json") ("{\"username\": \"ana\", \"x\": \"" + String('x', 70000) + "\"}")

    expect
        (box.Path "large.json")
        (LayerProblem.Unreadable(ReadError.TooLarge(FileInfo(box.Path "large.json").Length, Codec.MaxFileSize)))

    write (box.Path "bad.json") "{\"username\": \"ana\",\n}"
    expect (box.Path "bad.json") (LayerProblem.Undecodable(DecodeError.NotJson(2L, 1L)))
    write (box.Path "types.json") "{\"username\": \"ana\", \"allow_non_secure\": 1}"

    expect
        (box.Path "types.json")
        (LayerProblem.Undecodable(DecodeError.BadField("$.allow_non_secure", "a boolean or null", "a number")))

[<Fact>]
let ``a file of exactly 64 KiB is read; one byte more is refused before parsing`` () =
    use box = new Sandbox()
    let body = "{\"username\": \"ana\", \"pad\": \"\"}"
    let padded (size: int) = body.Insert(body.Length - 2, String('p', size - body.Length))
    write (box.Path "max.json") (padded Codec.MaxFileSize)
    write (box.Path "over.json") (padded (Codec.MaxFileSize + 1))
    Assert.True(Shell.load (box.Host []) (Some(box.Path "max.json")) |> Result.isOk)

    Assert.Equal(
        ResolveError.InvalidLayer(
            CredentialsKind.Legacy,
            Layer.File,
            box.Path "over.json",
            LayerProblem.Unreadable(ReadError.TooLarge(int64 Codec.MaxFileSize + 1L, Codec.MaxFileSize))
        ),
        loadError (box.Host []) (Some(box.Path "over.json"))
    )

[<Fact>]
let ``with no saved session, FromFile() is an error and resolution lists the layer as absent`` () =
    use box = new Sandbox()
    let host = box.Host []

    Assert.Equal(
        ResolveError.InvalidLayer(
            CredentialsKind.Legacy,
            Layer.SavedSession,
            box.SavedPath,
            LayerProblem.Unreadable ReadError.NotFound
        ),
        loadError host None
    )

    match Shell.resolve host (Request.ofArguments Arguments.None) with
    | Error(ResolveError.NotFound(_, absent)) ->
        Assert.Equal((Layer.SavedSession, Absence.NoSavedFiles [ box.SavedPath ]), List.last absent)
    | other -> failwithf "%A" other

[<Fact>]
let ``when creds.json is missing the legacy cartocreds.json beside it is read`` () =
    use box = new Sandbox()
    let host = box.Host []
    let legacy = Path.Combine(box.ConfigDirectory, "cartocreds.json")
    write legacy "{\"username\": \"old\", \"key\": \"0123456789abcdef\"}"
    let resolved = Shell.resolve host (Request.ofArguments Arguments.None) |> ok
    Assert.Equal(make (Some "old") (Some "0123456789abcdef") None, resolved.Credentials)
    Assert.Equal(Some legacy, resolved.Origin.Location)
    Shell.save host None ana |> ok |> ignore
    Assert.Equal(ana, (Shell.resolve host (Request.ofArguments Arguments.None) |> ok).Credentials)

[<Fact>]
let ``the default location is read from the host at each use`` () =
    use box = new Sandbox()
    Shell.save (box.Host [ "XDG_CONFIG_HOME", box.Path "one" ]) None ana |> ok |> ignore
    Shell.save (box.Host [ "XDG_CONFIG_HOME", box.Path "two" ]) None bob |> ok |> ignore
    Assert.Equal(ana, (Shell.load (box.Host [ "XDG_CONFIG_HOME", box.Path "one" ]) None |> ok).Credentials)
    Assert.Equal(bob, (Shell.load (box.Host [ "XDG_CONFIG_HOME", box.Path "two" ]) None |> ok).Credentials)

    Assert.Equal(
        Ok(box.Path("two", "cartoframes", "creds.json")),
        Shell.defaultPath (box.Host [ "XDG_CONFIG_HOME", box.Path "two" ])
    )

[<Fact>]
let ``a file CARTOframes 1.x saved at the default location is picked up with no configuration`` () =
    use box = new Sandbox()
    // The bytes Python's json.dump writes for Credentials('johnsmith', 'abc…').save().
    write
        box.SavedPath
        """{"username": "johnsmith", "api_key": "abcdefghijklmnop1234", "base_url": "https://johnsmith.carto.com", "allow_non_secure": false}"""

    let resolved = Shell.resolve (box.Host []) (Request.ofArguments Arguments.None) |> ok
    Assert.Equal(make (Some "johnsmith") (Some "abcdefghijklmnop1234") None, resolved.Credentials)

// ---- the shell reaches only the layers it needs ----

[<Fact>]
let ``the shell does not touch the disk or the environment for a layer that is not reached`` () =
    use box = new Sandbox()
    let asked = Collections.Generic.List<string>()

    let host =
        { Host.current with
            GetVariable =
                fun name ->
                    asked.Add name
                    None }

    let resolved =
        Shell.resolve
            host
            { (Request.ofArguments Arguments.None) with
                Arguments = { Arguments.None with Username = Some "ana" }
                CredFile = (Some(box.Path "not-read.json")) }
        |> ok

    Assert.Equal(Layer.Arguments, resolved.Origin.Layer)
    Assert.Empty asked
    write (box.Path "team.json") "{\"username\": \"team\"}"

    let fromFile =
        Shell.resolve
            host
            { (Request.ofArguments Arguments.None) with
                CredFile = (Some(box.Path "team.json")) }
        |> ok

    Assert.Equal(Layer.File, fromFile.Origin.Layer)
    Assert.Empty asked

[<Fact>]
let ``the environment outranks the saved session, and arguments outrank the environment`` () =
    use box = new Sandbox()
    Shell.save (box.Host []) None ana |> ok |> ignore
    let host = box.Host [ "CARTO_USERNAME", "bob"; "CARTO_API_KEY", "fedcba9876543210" ]
    let fromEnvironment = Shell.resolve host (Request.ofArguments Arguments.None) |> ok
    Assert.Equal(make (Some "bob") (Some "fedcba9876543210") None, fromEnvironment.Credentials)
    Assert.Equal(Some "CARTO_USERNAME, CARTO_API_KEY", fromEnvironment.Origin.Location)

    let fromArguments =
        Shell.resolve
            host
            { (Request.ofArguments Arguments.None) with
                Arguments = { Arguments.None with Username = Some "cy" } }
        |> ok

    Assert.Equal(make (Some "cy") None None, fromArguments.Credentials)

// ---- saving ----

let private mode (path: string) = File.GetUnixFileMode path

[<UnixFact("Unix modes")>]
let ``save creates missing directories 0700 and the file 0600`` () =
    use box = new Sandbox()
    let path = Shell.save (box.Host []) None ana |> ok |> ValueMessages.place
    Assert.Equal(UnixFileMode.UserRead ||| UnixFileMode.UserWrite, mode path)
    let rwx = UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute
    Assert.Equal(rwx, mode box.ConfigDirectory)
    Assert.Equal(rwx, mode (box.Path ".config"))

[<Fact>]
let ``save returns the full path, and overwrites an existing file`` () =
    use box = new Sandbox()
    let relative = Path.GetRelativePath(Environment.CurrentDirectory, box.Path("a", "creds.json"))
    Assert.Equal(box.Path("a", "creds.json"), CodecDisk.save relative ana |> ok)
    CodecDisk.save relative bob |> ok |> ignore
    Assert.Equal(bob, (Shell.load (box.Host []) (Some relative) |> ok).Credentials)

[<Fact>]
let ``saving to a path that is a directory is an error that leaves the directory alone`` () =
    use box = new Sandbox()
    let dir = box.Path "creds.json"
    write (Path.Combine(dir, "inside.txt")) "keep"
    Assert.Equal(Error(StoreError.IsDirectory dir), CodecDisk.save dir ana)
    Assert.Equal("keep", File.ReadAllText(Path.Combine(dir, "inside.txt")))
    Assert.Single(Directory.GetFileSystemEntries dir) |> ignore

[<Fact>]
let ``a save into a directory that is a file fails and leaves that file byte for byte`` () =
    use box = new Sandbox()
    let previous = CodecDisk.save (box.Path "creds.json") ana |> ok
    let before = File.ReadAllBytes previous

    match CodecDisk.save (Path.Combine(previous, "creds.json")) bob with
    | Error(StoreError.SaveFailed(path, _)) -> Assert.Equal(Path.Combine(previous, "creds.json"), path)
    | other -> failwithf "%A" other

    Assert.Equal<byte[]>(before, File.ReadAllBytes previous)
    Assert.Equal<string[]>([| previous |], Directory.GetFileSystemEntries box.Root)

[<LockableFact>]
let ``a save that fails over an existing file leaves it byte for byte and no temporary file`` () =
    use box = new Sandbox()
    let path = CodecDisk.save (box.Path("locked", "creds.json")) ana |> ok
    let before = File.ReadAllBytes path

    match Processes.lockDirectory (box.Path "locked") with
    | None -> failwith "the directory could not be locked, though LockableFact found it could"
    | Some unlock ->
        try
            match CodecDisk.save path bob with
            | Error(StoreError.SaveFailed(failed, reason)) ->
                Assert.Equal(path, failed)
                Assert.Contains(path, ValueMessages.storeError (StoreError.SaveFailed(failed, reason)))
            | other -> failwithf "expected a failed save, got %A" other
        finally
            unlock ()

    Assert.Equal<byte[]>(before, File.ReadAllBytes path)
    Assert.Equal<string[]>([| path |], Directory.GetFileSystemEntries(box.Path "locked"))

[<Fact>]
let ``a path no file can have is an error, not an exception`` () =
    match CodecDisk.save "" ana, CodecDisk.delete "bad\u0000name" with
    | Error(StoreError.SaveFailed("", _)), Error(StoreError.DeleteFailed("bad\u0000name", _)) -> ()
    | other -> failwithf "%A" other

[<Fact>]
let ``many saves leave no temporary files`` () =
    use box = new Sandbox()

    for i in 1..50 do
        CodecDisk.save (box.Path "creds.json") (if i % 2 = 0 then ana else bob) |> ok |> ignore

    Assert.Equal<string[]>([| box.Path "creds.json" |], Directory.GetFileSystemEntries box.Root)

[<Fact>]
let ``the file is written with exactly the four keys of CARTOframes 1.x`` () =
    use box = new Sandbox()
    let path = CodecDisk.save (box.Path "creds.json") bob |> ok

    Assert.Equal(
        "{\n  \"username\": \"bob\",\n  \"api_key\": \"default_public\",\n  \"base_url\": \"https://team.carto.com/u/bob\",\n  \"allow_non_secure\": false\n}\n",
        File.ReadAllText path
    )

// ---- deleting ----

[<Fact>]
let ``delete removes the file and says so; a missing file is not an error`` () =
    use box = new Sandbox()
    let host = box.Host []
    Shell.save host None ana |> ok |> ignore
    Assert.Equal(Ok true, Shell.delete host None)
    Assert.False(File.Exists box.SavedPath)
    Assert.Equal(Ok false, Shell.delete host None)
    Assert.Equal(Ok false, Shell.delete host (Some(box.Path "never.json")))

[<Fact>]
let ``deleting the saved session also removes the legacy file that would take its place`` () =
    use box = new Sandbox()
    let host = box.Host []
    write (Path.Combine(box.ConfigDirectory, "cartocreds.json")) "{\"username\": \"old\"}"
    Shell.save host None ana |> ok |> ignore
    Assert.Equal(Ok true, Shell.delete host None)
    Assert.True(Shell.resolve host (Request.ofArguments Arguments.None) |> Result.isError)

[<Fact>]
let ``deleting a directory is refused`` () =
    use box = new Sandbox()
    Directory.CreateDirectory(box.Path "d.json") |> ignore
    Assert.Equal(Error(StoreError.IsDirectory(box.Path "d.json")), CodecDisk.delete (box.Path "d.json"))
    Assert.True(Directory.Exists(box.Path "d.json"))

[<Fact>]
let ``without HOME the default location is unknown, and save says which variable is missing`` () =
    let host = Host.ofVariables []
    Assert.Equal(Error(StoreError.NoLocation(LocationError.VariableNotSet "HOME")), Shell.save host None ana)
