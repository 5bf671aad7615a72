/// SPEC §1: the credential value.
module CartoCreds.Core.Tests.DomainTests

open System
open Xunit
open FsCheck.FSharp
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

let private input username apiKey baseUrl allowNonSecure =
    { Username = username
      ApiKey = apiKey
      BaseUrl = baseUrl
      AllowNonSecure = allowNonSecure }

// ---- username ----

[<Spec>]
let ``a username of 1-63 letters, digits, '_' and '-' not at either end is accepted as given`` (ValidUsername name) =
    Username.create (" " + name + " ") |> Result.map Username.value = Ok name

[<Spec>]
let ``any other username is refused`` (InvalidUsername name) =
    match Username.create name with
    | Error(ValueError.UsernameTooLong _ | ValueError.UsernameCharacter _ | ValueError.UsernameHyphenAtEdge _) -> true
    | _ -> false

[<Fact>]
let ``a username of 63 characters is accepted and one of 64 is refused`` () =
    Assert.True(Username.create (String('a', 63)) |> Result.isOk)
    Assert.Equal(Error(ValueError.UsernameTooLong(Some(String('a', 40) + "…"), 64)), Username.create (String('a', 64)))

// ---- API key ----

[<Spec>]
let ``an API key of printable ASCII is accepted, trimmed`` (ValidApiKey key) =
    ApiKey.create ("\t" + key + " ") |> Result.map ApiKey.value = Ok key

[<Spec>]
let ``an API key with any character but printable ASCII inside is refused, naming its kind and position``
    (InvalidApiKey key)
    =
    let position = key |> Seq.findIndex (fun c -> c < '!' || c > '~')

    match ApiKey.create key with
    | Error(ValueError.ApiKeyCharacter(_, at)) -> (at = position + 1) |@ $"%A{key}: {at}"
    | other -> false |@ $"%A{key}: %A{other}"

[<Fact>]
let ``invisible characters in a key are named by their kind`` () =
    let kind text =
        match ApiKey.create text with
        | Error(ValueError.ApiKeyCharacter(kind, position)) -> Some(kind, position)
        | _ -> None

    Assert.Equal(Some(CharacterKind.Format, 1), kind "\uFEFFabcdef")
    Assert.Equal(Some(CharacterKind.Format, 4), kind "abc\u200Bdef")
    Assert.Equal(Some(CharacterKind.Format, 4), kind "abc\u00ADdef")
    Assert.Equal(Some(CharacterKind.Format, 4), kind "abc\u202Edef")
    Assert.Equal(Some(CharacterKind.Surrogate, 4), kind ("abc" + string (char 0xD800) + "def"))
    Assert.Equal(Some(CharacterKind.NonAscii, 2), kind "aé")
    Assert.Equal(Some(CharacterKind.Control, 2), kind "a\u007fb")
    Assert.Equal(Some(CharacterKind.Whitespace, 2), kind "a b")

[<Spec>]
let ``the API key defaults to default_public`` (ValidUsername name) =
    (make (Some name) None None).ApiKey = ApiKey.defaultPublic

[<Spec>]
let ``an empty or whitespace-only input counts as not given`` (ValidUsername name) (blank: bool) =
    let nothing = if blank then Some "  \t " else Some ""
    let credentials = Credentials.create (input (Some name) nothing nothing false) |> ok
    credentials = make (Some name) None None

// ---- masking ----

[<Spec>]
let ``a key of 12 or more characters is shown as **** and its last 4`` (SecretKey key) =
    let masked = ApiKey.mask (ok (ApiKey.create key))
    (masked = "****" + key.Substring(key.Length - 4)) |@ masked

[<Fact>]
let ``default_public is shown as is and a short key as ****`` () =
    Assert.Equal("default_public", ApiKey.mask ApiKey.defaultPublic)
    Assert.Equal("****", ApiKey.mask (ok (ApiKey.create "abcdefghijk")))
    Assert.Equal("****ijkl", ApiKey.mask (ok (ApiKey.create "abcdefghijkl")))

[<Spec>]
let ``the text form masks the key and never shows a secret one`` (SecretKey key) (ValidUsername name) =
    let credentials = make (Some name) (Some key) None
    let text = string credentials
    let printed = sprintf "%A" credentials

    (text =
        $"Credentials(username={name}, api_key=****{key.Substring(key.Length - 4)}, base_url=https://{name.ToLowerInvariant()}.carto.com)"
     && not (printed.Contains key))
    |@ $"%A{text} / %A{printed}"

[<Fact>]
let ``the text form shows None for a missing username`` () =
    let credentials = make None None (Some "https://carto.example.org")

    Assert.Equal(
        "Credentials(username=None, api_key=default_public, base_url=https://carto.example.org)",
        string credentials
    )

// ---- username derivation ----

[<Spec>]
let ``without a username it is derived from /u/{name}, /user/{name} or {name}.carto.com`` (ValidUsername name) =
    let derive url = (make None None (Some url)).Username |> Option.map Username.value
    let cloud = name.ToLowerInvariant().Replace("_", "").Trim('-')

    (derive $"https://team.carto.com/u/{name}" = Some name
     && derive $"https://carto.example.org/user/{name}/" = Some name
     && (cloud = "" || cloud.Contains "--" || derive $"https://{cloud}.carto.com" = Some cloud))
    |@ name

[<Fact>]
let ``a base URL that names no user gives no username`` () =
    Assert.Equal(None, (make None None (Some "https://carto.example.org/api")).Username)
    Assert.Equal(None, (make None None (Some "https://a.b.carto.com")).Username)

[<Fact>]
let ``the organization path wins over the cloud host`` () =
    let credentials = make None None (Some "https://team.carto.com/u/ana")
    Assert.Equal(Some "ana", credentials.Username |> Option.map Username.value)

[<Spec>]
let ``an explicitly given username always wins`` (ValidUsername name) (ValidBaseUrl url) =
    let credentials = Credentials.create (input (Some name) None (Some url) true) |> ok
    credentials.Username = Some(ok (Username.create name))

[<Fact>]
let ``neither a username nor a base URL is refused`` () =
    Assert.Equal(Error [ ValueError.UsernameOrBaseUrlMissing ], Credentials.create (input None (Some "key") None false))

[<Fact>]
let ``every invalid field is reported at once`` () =
    let errors = Credentials.create (input (Some "a.b") (Some "a b") (Some "ftp://x") false) |> error

    Assert.Equal<ValueError list>(
        [ ValueError.UsernameCharacter(Some "a.b", '.')
          ValueError.ApiKeyCharacter(CharacterKind.Whitespace, 2)
          ValueError.BaseUrlScheme(Some "ftp") ],
        errors
    )

// ---- equality ----

[<Spec>]
let ``equality compares all four fields after normalization`` (c: Credentials) (SecretKey key) =
    let same = Credentials.create (Credentials.toInput c) |> ok
    let otherKey = Credentials.withApiKey key c |> ok
    let otherUser = Credentials.withUsername "someone_else_entirely" c |> ok
    let otherUrl = Credentials.withBaseUrl "https://elsewhere.example.org" c |> ok

    let otherSecurity =
        Credentials.create { Credentials.toInput c with AllowNonSecure = not c.AllowNonSecure }

    (same = c
     && otherKey <> c
     && otherUser <> c
     && otherUrl <> c
     && (match otherSecurity with
         | Ok other -> other <> c
         | Error _ -> c.AllowNonSecure))
    |@ string c

// ---- setters ----

[<Spec>]
let ``a setter given an invalid value is refused, even with valid values beside it``
    (c: Credentials)
    (InvalidUsername name)
    (InvalidBaseUrl(url, _, _))
    (InvalidApiKey key)
    =
    // The values are immutable: the facade's setters, which change state, are tested to change nothing.
    Result.isError (Credentials.withUsername name c)
    && Result.isError (Credentials.withBaseUrl url c)
    && Result.isError (Credentials.withApiKey key c)
    && Result.isError (Credentials.update (Some "fine_key") (Some name) None c)
    && Result.isError (Credentials.update None None (Some url) c)

[<Spec>]
let ``set with a new username and no base URL rebuilds the base URL; omitted fields keep their values``
    (c: Credentials)
    (ValidUsername name)
    =
    let updated = Credentials.update None (Some name) None c |> ok

    (updated.ApiKey = c.ApiKey
     && updated.AllowNonSecure = c.AllowNonSecure
     && BaseUrl.value updated.BaseUrl = $"https://{name.ToLowerInvariant()}.carto.com"
     && Credentials.update None None None c = Ok c)
    |@ string updated

[<Spec>]
let ``the base URL setter leaves the username as it is, and the username setter the base URL``
    (c: Credentials)
    (ValidUsername name)
    =
    let byUrl = Credentials.withBaseUrl "https://other.carto.com" c |> ok
    let byName = Credentials.withUsername name c |> ok
    byUrl.Username = c.Username && byName.BaseUrl = c.BaseUrl
