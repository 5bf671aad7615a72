/// SPEC §7.6, pure: the profiles of a CARTO CLI file as listed, how soon a token must be renewed
/// (a property over any expiry), and `makeCurrent`, which keeps every other profile and key.
module CartoCreds.Core.Tests.ProfileListTests

open System
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core

let private bytes (text: string) = ReadOnlyMemory(Encoding.UTF8.GetBytes text)

let private ok result =
    match result with
    | Ok value -> value
    | Error e -> failwithf "%A" e

let private now = DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero)

[<Property(MaxTest = 500)>]
let ``a token is expired at its expiry, due for renewal within the hour before it, valid before that`` (minutes: int) =
    let at = now.AddMinutes(float (minutes % 10000))

    match ProfileList.freshness now (Some at) with
    | Freshness.Expired t -> (t = at && at <= now) |> Prop.label "expired"
    | Freshness.ExpiresSoon t -> (t = at && at > now && at <= now.AddHours 1.0) |> Prop.label "soon"
    | Freshness.Valid -> (at > now.AddHours 1.0) |> Prop.label "valid"

[<Fact>]
let ``a token of unknown expiry is valid, and says nothing`` () =
    Assert.Equal(Freshness.Valid, ProfileList.freshness now None)
    Assert.Equal(None, ProfileList.renewal now "prod" None)

    Assert.Equal(
        Some "the token expired at 2026-12-02 11:00 UTC; log in again with: cartocreds cloud login --profile prod",
        ProfileList.renewal now "prod" (Some(now.AddHours -1.0))
    )

[<Fact>]
let ``the profiles are listed in the file's order, a repeated name once where it last is, the old format as default``
    ()
    =
    let listed =
        ProfileList.read (
            bytes
                "{\"current_profile\": \"b\", \"profiles\": {\"a\": {\"token\": \"t-a-0123456789\", \"tenant_id\": \"gcp-us-east1\"}, \"b\": {\"token\": \"t-b-0123456789\", \"api_base_url\": \"ftp://x\", \"user_email\": \"b@x\"}, \"a\": {\"token\": \"t-a2-0123456789\", \"tenant_id\": \"gcp-europe-west1\"}}}"
        )
        |> ok

    Assert.Equal<string list>([ "b"; "a" ], listed |> List.map _.Name)
    Assert.Equal(Ok "https://gcp-europe-west1.api.carto.com", listed[1].ApiBaseUrl)
    Assert.True(listed[0].IsCurrent)
    Assert.False(listed[1].IsCurrent)
    Assert.True(Result.isError listed[0].ApiBaseUrl)
    Assert.Equal(Some "b@x", listed[0].Email)

    let old = ProfileList.read (bytes "{\"token\": \"t-old-0123456789\", \"user_email\": \"o@x\"}") |> ok
    let single = Assert.Single old
    Assert.Equal("default", single.Name)
    Assert.Equal(Some "o@x", single.Email)

[<Fact>]
let ``makeCurrent sets current_profile only; a missing profile lists those there are`` () =
    let before =
        "{\"current_profile\": \"a\", \"x\": [1, 2], \"profiles\": {\"a\": {\"token\": \"t-a-0123456789\"}, \"b\": {\"token\": \"t-b-0123456789\", \"extra\": true}}}"

    let after = CliProfiles.makeCurrent "/f.json" (Some(bytes before)) "b" |> ok |> Encoding.UTF8.GetString
    use json = Text.Json.JsonDocument.Parse after
    Assert.Equal("b", json.RootElement.GetProperty("current_profile").GetString())
    Assert.Equal(2, json.RootElement.GetProperty("x").GetArrayLength())
    Assert.True(json.RootElement.GetProperty("profiles").GetProperty("b").GetProperty("extra").GetBoolean())

    match CliProfiles.makeCurrent "/f.json" (Some(bytes before)) "c" with
    | Error(ProfileError.NoSuchProfile("/f.json", "c", [ "a"; "b" ]) as e) ->
        Assert.Equal("/f.json has no profile 'c'; it has 'a', 'b'", CallMessages.profileError e)
    | other -> Assert.Fail(sprintf "%A" other)
