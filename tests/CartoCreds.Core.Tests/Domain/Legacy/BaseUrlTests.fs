/// SPEC §1: the base URL, its normalization and its grammar.
module CartoCreds.Core.Tests.BaseUrlTests

open System
open Xunit
open FsCheck.FSharp
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

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
