/// SPEC §9: the platform of hosted options, given or inferred from the fields that are set.
module CartoCreds.Core.Tests.HostedPlatformTests

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

let private legacyFields = Gen.subListOf [ "Username"; "ApiKey"; "BaseUrl"; "AllowNonSecure" ]
let private cloudFields = Gen.subListOf [ "Token"; "ClientId"; "ClientSecret"; "ApiBaseUrl"; "Profile" ]

let private given = Gen.elements [ None; Some CredentialsKind.Legacy; Some CredentialsKind.Cloud ]

[<Property(MaxTest = 500)>]
let ``the platform is the one named, else Cloud for CARTO 3 fields alone, else Legacy; never a mix`` () =
    Prop.forAll (Arb.fromGen (Gen.zip3 given legacyFields cloudFields)) (fun (platform, legacy, cloud) ->
        let expected =
            match platform with
            | Some CredentialsKind.Legacy when not cloud.IsEmpty ->
                Error(PlatformError.Contradicted(CredentialsKind.Legacy, cloud))
            | Some CredentialsKind.Cloud when not legacy.IsEmpty ->
                Error(PlatformError.Contradicted(CredentialsKind.Cloud, legacy))
            | Some named -> Ok named
            | None when not legacy.IsEmpty && not cloud.IsEmpty -> Error(PlatformError.Both(legacy, cloud))
            | None when not cloud.IsEmpty -> Ok CredentialsKind.Cloud
            | None -> Ok CredentialsKind.Legacy

        let actual = HostedPlatform.infer platform legacy cloud
        (actual = expected) |@ sprintf "%A %A %A: %A" platform legacy cloud actual)

[<Fact>]
let ``a mix of fields is named in the message, field by field`` () =
    match HostedPlatform.infer None [ "ApiKey" ] [ "Token"; "Profile" ] with
    | Error e ->
        Assert.Equal(
            "both legacy (ApiKey) and CARTO 3 (Token, Profile) options are set; for CARTO 3 remove ApiKey, or for the legacy platform remove Token, Profile.",
            CallMessages.platformError e
        )
        // Either advice, followed, is accepted: no second error.
        Assert.Equal(Ok CredentialsKind.Cloud, HostedPlatform.infer None [] [ "Token"; "Profile" ])
        Assert.Equal(Ok CredentialsKind.Legacy, HostedPlatform.infer None [ "ApiKey" ] [])
    | Ok p -> Assert.Fail(sprintf "%A" p)
