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

// ---- base URL ----

[<Fact>]
let ``the host is lower-cased and every trailing slash removed`` () =
    Assert.Equal(
        Ok "https://johnsmith.carto.com",
        BaseUrl.create false "https://JohnSmith.carto.com/" |> Result.map BaseUrl.value
    )

    Assert.Equal(
        Ok "https://carto.example.org/user/Ana",
        BaseUrl.create false " https://CARTO.example.org/user/Ana/// " |> Result.map BaseUrl.value
    )

[<Spec>]
let ``normalization is idempotent`` (ValidBaseUrl url) =
    let once = BaseUrl.create true url |> ok |> BaseUrl.value
    let twice = BaseUrl.create true once |> ok |> BaseUrl.value
    (once = twice) |@ $"%A{once} -> %A{twice}"

[<Spec>]
let ``a normalized base URL has a lower-case scheme and host and no trailing slash`` (ValidBaseUrl url) =
    let normalized = BaseUrl.create true url |> ok |> BaseUrl.value
    let uri = Uri normalized

    (not (normalized.EndsWith '/')
     && normalized.StartsWith(uri.Scheme + "://" + uri.Host.ToLowerInvariant())
     && uri.Scheme = uri.Scheme.ToLowerInvariant())
    |@ normalized

[<Spec>]
let ``http is refused unless allow_non_secure is true`` (ValidBaseUrl url) =
    let http = "http://" + url.Trim().Substring(url.Trim().IndexOf "://" + 3)

    match BaseUrl.create false http, BaseUrl.create true http with
    | Error(ValueError.BaseUrlInsecure(Some shown)), Ok _ ->
        http.StartsWith(shown.TrimEnd '…') |@ $"%A{http}: %A{shown}"
    | refused, allowed -> false |@ $"%A{http}: %A{refused} / %A{allowed}"

[<Spec>]
let ``a URL with no scheme or another, user-info, a query, a fragment, no host, a bad host, port or path is refused as such``
    (InvalidBaseUrl(url, expected, is))
    (allowNonSecure: bool)
    =
    match BaseUrl.create allowNonSecure url with
    | Error e -> is e |@ $"%A{url}: {expected} expected, got %A{e}" |> Prop.collect expected
    | Ok _ -> false |@ $"%A{url} was accepted"

[<Fact>]
let ``each base URL error says what is wrong`` () =
    Assert.Equal(Error(ValueError.BaseUrlScheme(Some "ftp")), BaseUrl.create true "ftp://a.carto.com")
    Assert.Equal(Error ValueError.BaseUrlUserInfo, BaseUrl.create false "https://u:p@a.carto.com")
    Assert.Equal(Error ValueError.BaseUrlQuery, BaseUrl.create false "https://a.carto.com/?api_key=x")
    Assert.Equal(Error ValueError.BaseUrlFragment, BaseUrl.create false "https://a.carto.com/#top")
    Assert.Equal(Error ValueError.BaseUrlNotAbsolute, BaseUrl.create false "a.carto.com")
    Assert.Equal(Error ValueError.BaseUrlNotAbsolute, BaseUrl.create false "/etc/creds")

[<Spec>]
let ``without a base URL it is built from the username`` (ValidUsername name) =
    let credentials = make (Some name) None None
    BaseUrl.value credentials.BaseUrl = $"https://{name.ToLowerInvariant()}.carto.com"

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

// ---- the URL grammar ----

[<Fact>]
let ``the default port is dropped, another kept; an empty port is dropped`` () =
    let normalized url = BaseUrl.create true url |> Result.map BaseUrl.value
    Assert.Equal(Ok "https://a.carto.com", normalized "https://a.carto.com:443/")
    Assert.Equal(Ok "http://a.carto.com", normalized "http://a.carto.com:80")
    Assert.Equal(Ok "https://a.carto.com:8443/api", normalized "https://a.carto.com:08443/api/")
    Assert.Equal(Ok "https://a.carto.com", normalized "https://a.carto.com:")
    Assert.Equal(Ok "https://[::1]:8443", normalized "https://[::1]:8443")
    Assert.Equal(Ok "https://a.carto.com/u/an%20a", normalized "https://A.carto.com/u/an%20a")

[<Fact>]
let ``a malformed host, port or path is refused as such`` () =
    let refused url = BaseUrl.create true url |> error

    Assert.Equal(ValueError.BaseUrlHost(Some "a b.carto.com"), refused "https://a b.carto.com")
    Assert.Equal(ValueError.BaseUrlPort(Some "99999"), refused "https://a.carto.com:99999")
    Assert.Equal(ValueError.BaseUrlPort(Some "x"), refused "https://a.carto.com:x")
    Assert.Equal(ValueError.BaseUrlPath, refused "https://a.carto.com/a b")
    Assert.Equal(ValueError.BaseUrlHost(Some "[::1"), refused "https://[::1")
    Assert.Equal(ValueError.BaseUrlPath, refused "https://a.carto.com/%zz")
    Assert.Equal(ValueError.BaseUrlNotAbsolute, refused "1https://a.carto.com")
    Assert.Equal(ValueError.BaseUrlNotAbsolute, refused "https//a.carto.com")

[<Fact>]
let ``no host is said as such`` () =
    Assert.Equal(Error ValueError.BaseUrlNoHost, BaseUrl.create false "https://")
    Assert.Equal(Error ValueError.BaseUrlNoHost, BaseUrl.create false "https://:8443/x")

[<Fact>]
let ``hosts that URL parsers read differently are refused`` () =
    for url in
        [ "https://%65vil.com"
          "https://carto.com%40evil.com"
          "https://evil.com&.carto.com"
          "https://."
          "https://a..carto.com"
          "https://carto.com."
          "https://[:::::]"
          "https://[1.2.3.4]"
          "https://[fe80::1%25eth0]"
          "https://127.1"
          "https://0x7f.0.0.1"
          "https://1.2.3.04"
          "https://256.1.1.1"
          "https://" + String('a', 64) + ".carto.com"
          "https://" + String.replicate 60 "abcd." + "com"
          "https://" + String('a', 100000) ] do
        match BaseUrl.create true url with
        | Error(ValueError.BaseUrlHost _) -> ()
        | other -> failwithf "%s: %A" (url.Substring(0, min 60 url.Length)) other

    Assert.Equal(Error(ValueError.BaseUrlPort(Some "0")), BaseUrl.create true "https://a.carto.com:0")

[<Fact>]
let ``IPv4, IPv6 and names with underscores are hosts`` () =
    let normalized url = BaseUrl.create true url |> Result.map BaseUrl.value
    Assert.Equal(Ok "https://127.0.0.1:8443", normalized "https://127.0.0.1:8443")
    Assert.Equal(Ok "https://[::1]", normalized "https://[0:0:0:0:0:0:0:1]")
    Assert.Equal(Ok "https://[2001:db8::1]", normalized "https://[2001:DB8::1]/")
    Assert.Equal(Ok "https://team_a.carto.com", normalized "https://TEAM_A.carto.com")
    Assert.Equal(Ok "http://localhost:8080/user/ana", normalized "http://localhost:8080/user/ana")
