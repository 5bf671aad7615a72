/// SPEC §7.3 and §11, pure: a profile saved with its token kept elsewhere (the keychain), and the
/// tokens of a CARTO CLI file taken out and put back by a migration.
module CartoCreds.Core.Tests.CliProfilesTests

open System
open System.Text
open System.Text.Json.Nodes
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support
open CartoCreds.Core.Tests.Generators

let private path = "/home/ana/.carto_credentials.json"

let private exp = DateTimeOffset(2026, 12, 8, 9, 30, 0, TimeSpan.Zero)

let private ok result =
    match result with
    | Ok value -> value
    | Error(e: ProfileError) -> failwith (CallMessages.profileError e)

let private existing =
    """{"current_profile": "prod", "profiles": {"prod": {"token": "eyOldOldOldOld0001", "tenant_id": "gcp-us-east1", "expires_at": "2026-01-01T00:00:00Z", "user_email": "ana@example.com"}, "eu": {"token": "eyEuEuEuEuEuEu0002", "tenant_id": "gcp-europe-west1"}}, "unknown": [1, 2]}"""

let private node (bytes: byte[]) = JsonNode.Parse(Encoding.UTF8.GetString bytes)

/// The node at a path of keys; null where there is none.
let private at (keys: string list) (root: JsonNode) : JsonNode =
    keys |> List.fold (fun (n: JsonNode) (k: string) -> if isNull n then null else n[k]) root

let private textAt keys root = (at keys root).GetValue<string>()

let private bytesOf (text: string) = Some(ReadOnlyMemory(Encoding.UTF8.GetBytes text))

[<Fact>]
let ``a profile saved with its token elsewhere keeps everything but the token, and its expiry as expires_at`` () =
    let token = jwtExpiring exp "signature-0003"

    let bytes, name =
        CliProfiles.saveTo TokenPlace.Elsewhere [] path (bytesOf existing) None (tokenCredentials token) |> ok

    let root = node bytes
    Assert.Equal("prod", name)
    Assert.False(Encoding.UTF8.GetString(bytes).Contains "signature-0003", "the token was written to the file")
    Assert.Null((at [ "profiles"; "prod"; "token" ] root))
    Assert.Equal("2026-12-08T09:30:00Z", (at [ "profiles"; "prod"; "expires_at" ] root).GetValue<string>())
    Assert.Equal("ana@example.com", (at [ "profiles"; "prod"; "user_email" ] root).GetValue<string>())
    Assert.Equal("eyEuEuEuEuEuEu0002", (at [ "profiles"; "eu"; "token" ] root).GetValue<string>())
    Assert.Equal("[1,2]", (at [ "unknown" ] root).ToJsonString())

    // `cloud list` still tells the profile's URL and when its token ends.
    match ProfileList.read (ReadOnlyMemory bytes) with
    | Ok(prod :: _) ->
        Assert.Equal(Ok "https://gcp-us-east1.api.carto.com", prod.ApiBaseUrl)
        Assert.Equal(Some exp, prod.ExpiresOn)
    | other -> failwithf "%A" other

    // A token that says no expiry leaves no stale one behind.
    let bytes, _ =
        CliProfiles.saveTo TokenPlace.Elsewhere [] path (bytesOf existing) None (tokenCredentials "eyNotAJwtNotAJwt04")
        |> ok

    Assert.Null((at [ "profiles"; "prod"; "expires_at" ] (node bytes)))

    // In the file, as before: the token written.
    let bytes, _ =
        CliProfiles.saveTo TokenPlace.InFile [] path (bytesOf existing) None (tokenCredentials token) |> ok

    Assert.Equal(token, (at [ "profiles"; "prod"; "token" ] (node bytes)).GetValue<string>())

/// A CARTO CLI file of profiles with tokens (JWTs or not) or none, and keys beside them.
let private files =
    gen {
        let! count = Gen.choose (1, 5)

        let! profiles =
            Gen.listOfLength
                count
                (gen {
                    let! kind = Gen.elements [ "jwt"; "opaque"; "none" ]
                    let! hours = Gen.choose (1, 1000)
                    return kind, hours
                })

        return
            profiles
            |> List.mapi (fun i (kind, hours) ->
                let name = "p" + string i

                let token =
                    match kind with
                    | "jwt" -> Some(jwtExpiring (exp.AddHours(float hours)) ("sig" + string i))
                    | "opaque" -> Some("eyOpaqueOpaque" + string (1000 + i))
                    | _ -> None

                name, token)
    }

let private textOf (profiles: (string * string option) list) =
    profiles
    |> List.map (fun (name, token) ->
        let token = token |> Option.map (fun t -> "\"token\": \"" + t + "\", ") |> Option.defaultValue ""

        "\"" + name + "\": {" + token + "\"tenant_id\": \"gcp-us-east1\", \"org\": \"o-" + name + "\"}")
    |> String.concat ", "
    |> fun body -> "{\"current_profile\": \"p0\", \"profiles\": {" + body + "}, \"kept\": true}"

let private tokensIn (bytes: ReadOnlyMemory<byte>) =
    match CloudFile.decode bytes with
    | Ok(CloudFile.Profiles(_, profiles)) -> profiles |> List.map (fun (name, input) -> name, input.Token)
    | other -> failwithf "%A" other

[<Property(MaxTest = 200)>]
let ``tokens taken out and put back leave every profile as it was, and a JWT's expiry while out`` () =
    Prop.forAll (Arb.fromGen files) (fun profiles ->
        let original = ReadOnlyMemory(Encoding.UTF8.GetBytes(textOf profiles))
        let withTokens = profiles |> List.choose (fun (n, t) -> t |> Option.map (fun t -> n, t))

        let out = CliProfiles.setTokens path original (withTokens |> List.map (fun (n, _) -> n, None)) |> ok

        let back =
            CliProfiles.setTokens path (ReadOnlyMemory out) (withTokens |> List.map (fun (n, t) -> n, Some t)) |> ok

        let outRoot = node out

        let expiriesKept =
            withTokens
            |> List.forall (fun (name, token) ->
                let written = (at [ "profiles"; name; "expires_at" ] outRoot)

                match Jwt.expiry token with
                | Some at ->
                    not (isNull written) && written.GetValue<string>() = at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")
                | None -> isNull written)

        let othersKept =
            profiles
            |> List.forall (fun (name, _) -> (at [ "profiles"; name; "org" ] outRoot).GetValue<string>() = "o-" + name)
            && (at [ "kept" ] outRoot).GetValue<bool>()

        ((tokensIn (ReadOnlyMemory out) |> List.forall (snd >> Option.isNone)) |@ "a token stayed in the file")
        .&. ((tokensIn (ReadOnlyMemory back) = tokensIn original) |@ "the tokens put back differ")
        .&. (expiriesKept |@ "expires_at is not the token's expiry")
        .&. (othersKept |@ "another key changed"))

[<Fact>]
let ``a profile the file does not hold is left out of a migration, and a file that is not the CARTO CLI's is refused``
    ()
    =
    let original = ReadOnlyMemory(Encoding.UTF8.GetBytes existing)
    let bytes = CliProfiles.setTokens path original [ "gone", Some "eyGoneGoneGone0005" ] |> ok
    Assert.Null((at [ "profiles"; "gone" ] (node bytes)))

    match
        CliProfiles.setTokens
            path
            (ReadOnlyMemory(Encoding.UTF8.GetBytes """{"client_id": "c", "client_secret": "s"}"""))
            [ "prod", None ]
    with
    | Error(ProfileError.NotACliFile(p, _)) -> Assert.Equal(path, p)
    | other -> failwithf "%A" other
