/// SPEC §7.2 and §7.3 on disk: the CARTO 3 files found from the host, and profiles of the CARTO
/// CLI file written and removed with every other profile and key kept.
module CartoCreds.Core.Tests.CloudStoreTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

let private now = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)

let private token = tokenCredentials

let private cliPath (box: Sandbox) = box.Path ".carto_credentials.json"

let private cliFile =
    """{"current_profile": "prod", "profiles": {"prod": {"token": "eyProdProdProdProd01", "tenant_id": "gcp-us-east1", "user_email": "ana@example.com", "organization_id": "o-1"}, "eu": {"token": "eyEuEuEuEuEuEuEuEu02", "tenant_id": "gcp-europe-west1"}}, "unknown": {"kept": [1, 2, 3]}}"""

let private json (path: string) = JsonNode.Parse(File.ReadAllText path)

/// A string at a path of keys in a JSON document.
let private at (keys: string list) (node: JsonNode) : string =
    (keys |> List.fold (fun (n: JsonNode) (k: string) -> n[k]) node).GetValue<string>()

let private ok result =
    match result with
    | Ok value -> value
    | Error(e: ProfileError) -> failwith (CallMessages.profileError e)

[<Fact>]
let ``the saved session is found from the host: the CARTO CLI file, then carto-auth's caches`` () =
    use box = new Sandbox()
    let host = box.Host []
    File.WriteAllText(cliPath box, cliFile)

    match resolveCloud host now (Request.ofArguments CloudArguments.None) with
    | Ok resolved ->
        Assert.Equal(
            "CloudCredentials(token=****od01, api_base_url=https://gcp-us-east1.api.carto.com)",
            string resolved.Credentials
        )

        Assert.Equal("Saved session (" + cliPath box + ", profile prod)", Messages.origin resolved.Origin)
    | Error e -> failwith (Messages.resolveError e)

    File.Delete(cliPath box)
    Directory.CreateDirectory(box.Path ".carto-auth") |> ignore

    File.WriteAllText(
        box.Path(".carto-auth", "token_m2m.json"),
        """{"api_base_url": "https://gcp-us-east1.api.carto.com", "access_token": "eyCacheCacheCache03", "expiration": 1893456000}"""
    )

    match resolveCloud host now (Request.ofArguments CloudArguments.None) with
    | Ok resolved ->
        Assert.Equal(
            "Saved session (" + box.Path(".carto-auth", "token_m2m.json") + ")",
            Messages.origin resolved.Origin
        )
    | Error e -> failwith (Messages.resolveError e)

[<Fact>]
let ``saving a profile keeps every other profile and unknown key, in a private file`` () =
    use box = new Sandbox()
    File.WriteAllText(cliPath box, cliFile)
    let before = json (cliPath box)

    let path, name = CliProfilesDisk.save (box.Host []) (Some "eu") None (token "eyNewNewNewNewNew04") |> ok

    Assert.Equal((cliPath box, "eu"), (path, name))
    let after = json path
    Assert.True(JsonNode.DeepEquals(before["profiles"]["prod"], after["profiles"]["prod"]))
    Assert.True(JsonNode.DeepEquals(before["unknown"], after["unknown"]))
    Assert.Equal("prod", (after |> at [ "current_profile" ]))
    Assert.Equal("eyNewNewNewNewNew04", (after |> at [ "profiles"; "eu"; "token" ]))
    Assert.Equal("gcp-us-east1", (after |> at [ "profiles"; "eu"; "tenant_id" ]))

    if not (OperatingSystem.IsWindows()) then
        Assert.Equal(UnixFileMode.UserRead ||| UnixFileMode.UserWrite, File.GetUnixFileMode path)

[<Fact>]
let ``with no name the current profile is written; with none current, default, made current`` () =
    use box = new Sandbox()
    File.WriteAllText(cliPath box, cliFile)

    Assert.Equal(
        (cliPath box, "prod"),
        CliProfilesDisk.save (box.Host []) None None (token "eyNewNewNewNewNew05") |> ok
    )

    let fresh = box.Path "fresh.json"
    let eu = CloudCredentials.ofToken "eyNewNewNewNewNew06" (Some "https://carto.example.com/api")

    match eu with
    | Ok c -> Assert.Equal((fresh, "default"), CliProfilesDisk.save (box.Host []) None (Some fresh) c |> ok)
    | Error e -> failwithf "%A" e

    let written = json fresh
    Assert.Equal("default", (written |> at [ "current_profile" ]))
    Assert.Equal("https://carto.example.com/api", (written |> at [ "profiles"; "default"; "api_base_url" ]))

    match
        eu, resolveCloud (box.Host []) now { (Request.ofArguments CloudArguments.None) with CredFile = Some fresh }
    with
    | Ok saved, Ok resolved -> Assert.Equal(saved, resolved.Credentials)
    | _, Error e -> failwith (Messages.resolveError e)
    | Error e, _ -> failwithf "%A" e

[<Fact>]
let ``a file that is not a CARTO CLI file is never overwritten`` () =
    use box = new Sandbox()
    let path = box.Path "notes.json"

    for content in [ "{not json"; """{"client_id": "c", "client_secret": "s"}""" ] do
        File.WriteAllText(path, content)

        match CliProfilesDisk.save (box.Host []) None (Some path) (token "eyNewNewNewNewNew07") with
        | Error(ProfileError.NotACliFile(failed, _) as e) ->
            Assert.Equal(path, failed)
            Assert.EndsWith("; it was left as it is", CallMessages.profileError e)
        | other -> failwithf "%A" other

        Assert.Equal(content, File.ReadAllText path)

[<Fact>]
let ``client credentials are not saved in the CARTO CLI file`` () =
    use box = new Sandbox()

    match CloudCredentials.ofClientCredentials "client" "secretsecretsecret" None with
    | Ok c -> Assert.Equal(Error ProfileError.NotAToken, CliProfilesDisk.save (box.Host []) None None c)
    | Error e -> failwithf "%A" e

    Assert.False(File.Exists(cliPath box))

[<Fact>]
let ``deleting a profile keeps the others; the current one removed is current no more`` () =
    use box = new Sandbox()
    File.WriteAllText(cliPath box, cliFile)
    Assert.Equal(Some(cliPath box, "prod"), CliProfilesDisk.delete (box.Host []) None None |> ok)
    let after = json (cliPath box)
    Assert.Null(after["current_profile"])
    Assert.NotNull(after["profiles"]["eu"])
    Assert.Null(after["profiles"]["prod"])
    Assert.Equal(None, CliProfilesDisk.delete (box.Host []) (Some "staging") None |> ok)
    Assert.Equal(None, CliProfilesDisk.delete (box.Host []) None (Some(box.Path "none.json")) |> ok)

[<Fact>]
let ``the old single-profile format is written back as profiles, its profile default`` () =
    use box = new Sandbox()

    File.WriteAllText(
        cliPath box,
        """{"token": "eyOldOldOldOldOld08", "tenant_id": "gcp-us-east1", "user_email": "ana@example.com"}"""
    )

    Assert.Equal(
        (cliPath box, "default"),
        CliProfilesDisk.save (box.Host []) None None (token "eyNewNewNewNewNew09") |> ok
    )

    let after = json (cliPath box)
    Assert.Equal("ana@example.com", (after |> at [ "profiles"; "default"; "user_email" ]))
    Assert.Equal("eyNewNewNewNewNew09", (after |> at [ "profiles"; "default"; "token" ]))
