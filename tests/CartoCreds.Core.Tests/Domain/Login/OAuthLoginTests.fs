/// SPEC §7.5's pure decisions: the PKCE pair from given random bytes (RFC 7636's own example), the
/// authorize URL, what a request to the listener is (as properties over any state, path and
/// query), the token request; a tenant's config.yaml read with a YAML library; how a browser is
/// started.
module CartoCreds.Core.Tests.OAuthLoginTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core

/// RFC 7636, appendix B: these 32 octets make this verifier, whose S256 challenge is this.
let private rfcOctets =
    [| 116uy
       24uy
       223uy
       180uy
       151uy
       153uy
       224uy
       37uy
       79uy
       250uy
       96uy
       125uy
       216uy
       173uy
       187uy
       186uy
       22uy
       212uy
       37uy
       77uy
       105uy
       214uy
       191uy
       240uy
       91uy
       88uy
       5uy
       88uy
       83uy
       132uy
       141uy
       121uy |]

[<Fact>]
let ``the verifier and challenge are RFC 7636's for its example's octets, and state is the next 16 bytes`` () =
    let secrets = OAuthLogin.secrets (Array.append rfcOctets (Array.init 16 byte))
    Assert.Equal("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", secrets.Verifier)
    Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", secrets.Challenge)
    Assert.Equal("AAECAwQFBgcICQoLDA0ODw", secrets.State)
    Assert.Equal("LoginSecrets(****)", string secrets)
    Assert.Throws<ArgumentException>(fun () -> OAuthLogin.secrets [| 1uy |] |> ignore) |> ignore

[<Property(MaxTest = 300)>]
let ``any 48 bytes make a verifier of 43 unreserved characters, its S256 challenge and a state of 128 bits`` () =
    Prop.forAll (Gen.arrayOfLength 48 (Gen.choose (0, 255) |> Gen.map byte) |> Arb.fromGen) (fun bytes ->
        let secrets = OAuthLogin.secrets bytes
        let unreserved (text: string) = text |> Seq.forall (fun c -> Char.IsAsciiLetterOrDigit c || "-._~".Contains c)

        ((secrets.Verifier.Length = 43) |> Prop.label "verifier length")
        .&. (unreserved secrets.Verifier |> Prop.label "verifier characters")
        .&. ((secrets.Challenge = OAuthLogin.challenge secrets.Verifier) |> Prop.label "challenge")
        .&. ((secrets.State.Length = 22 && unreserved secrets.State) |> Prop.label "state"))

[<Fact>]
let ``the authorize URL carries every parameter SPEC §7.5 names, escaped`` () =
    let secrets = OAuthLogin.secrets (Array.append rfcOctets (Array.zeroCreate 16))

    Assert.Equal(
        "https://auth.carto.com/authorize?client_id=abc&response_type=code&audience=carto-cloud-native-api"
        + "&redirect_uri=http%3A%2F%2Flocalhost%3A10000%2Fcallback%2F&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        + "&code_challenge_method=S256&state=AAAAAAAAAAAAAAAAAAAAAA&organization=acme%20%26%20co",
        OAuthLogin.authorizeUrl "https://auth.carto.com" "abc" (OAuthLogin.redirectUri 10000) secrets (Some "acme & co")
    )

    Assert.Equal(OAuthLogin.DefaultClientId, OAuthLogin.clientId (fun _ -> None))
    Assert.Equal("mine", OAuthLogin.clientId (fun name -> if name = "CARTO_OAUTH_CLIENT_ID" then Some "mine" else None))

[<Fact>]
let ``a callback is the code with the login's state, the refusal with it, another login's answer, or stray`` () =
    let state = "s-0123456789abcdefghijk"
    let decide = OAuthLogin.callback state
    Assert.Equal(Callback.Code "c1", decide "/callback/" ("?code=c1&state=" + state))
    Assert.Equal(Callback.Code "c+1 2", decide "/callback" ("?state=" + state + "&code=c%2B1+2"))

    Assert.Equal(
        Callback.Denied("access_denied", Some "no way"),
        decide "/callback/" ("?error=access_denied&error_description=no%20way&state=" + state)
    )

    Assert.Equal(Callback.StateMismatch, decide "/callback/" "?code=c1&state=other")
    Assert.Equal(Callback.StateMismatch, decide "/callback/" "?code=c1")
    Assert.Equal(Callback.StateMismatch, decide "/callback/" "?error=access_denied")
    Assert.Equal(Callback.Stray, decide "/callback/" "")
    Assert.Equal(Callback.Stray, decide "/favicon.ico" ("?code=c1&state=" + state))
    // A repeated parameter counts once, the last.
    Assert.Equal(Callback.Code "c2", decide "/callback/" ("?code=c1&state=" + state + "&code=c2"))

[<Property(MaxTest = 500)>]
let ``no state but the login's own lets a code or a refusal through`` (given: NonNull<string>) (code: NonEmptyString) =
    let state = "s-0123456789abcdefghijk"
    let given = given.Get

    let query = "?code=" + Uri.EscapeDataString code.Get + "&state=" + Uri.EscapeDataString given

    match OAuthLogin.callback state "/callback/" query with
    | Callback.Code _ -> (given = state) |> Prop.label "a code with the login's state"
    | Callback.StateMismatch -> (given <> state) |> Prop.label "another state"
    | Callback.Stray -> String.IsNullOrWhiteSpace code.Get |> Prop.label "no code"
    | Callback.Denied _ -> false |> Prop.label "a refusal from a code"

[<Fact>]
let ``a pasted code is the bare code, or the whole URL whose state, when there, is the login's`` () =
    let state = "s-0123456789abcdefghijk"
    let paste = OAuthLogin.pasted state
    let bad = LoginError.BadCode
    Assert.Equal(Ok "c0de-1", paste "  c0de-1 \r")
    // One rule for a code, bare or taken from a URL: no space nor control character.
    Assert.Equal(Error(bad CodeProblem.Characters), paste ("https://app.carto.com/auth/token?code=c+1&state=" + state))

    Assert.Equal(Error(bad CodeProblem.Characters), paste "https://app.carto.com/auth/token?code=c1%1B%5B2J")

    Assert.Equal(Error(bad CodeProblem.Characters), paste "https://app.carto.com/auth/token?code=c1%0Ainjected")

    Assert.Equal(Error(bad CodeProblem.Characters), OAuthLogin.code "c1\u001b")
    Assert.Equal(Ok "c1", paste "https://app.carto.com/auth/token?code=c1")
    Assert.Equal(Error LoginError.StateMismatch, paste "https://app.carto.com/auth/token?code=c1&state=other")
    Assert.Equal(Error LoginError.StateMismatch, paste "https://app.carto.com/auth/token?code=c1&state=")

    Assert.Equal(
        Error(LoginError.Denied("access_denied", Some "no")),
        paste ("HTTPS://app.carto.com/auth/token?error=access_denied&error_description=no&state=" + state)
    )

    Assert.Equal(Error(bad CodeProblem.NothingPasted), paste "  ")
    Assert.Equal(Error(bad CodeProblem.NoCodeInUrl), paste ("https://app.carto.com/auth/token?state=" + state))
    Assert.Equal(Error(bad CodeProblem.Characters), paste "c0de 1")
    Assert.Equal(Error(bad CodeProblem.Characters), paste "c0de\u001b[31m")
    Assert.Equal(Error(bad CodeProblem.NotAUrl), paste "https://")

    Assert.Equal(
        "The code could not be read: nothing was pasted; nothing was saved.",
        CallMessages.loginError (bad CodeProblem.NothingPasted)
    )

[<Property(MaxTest = 500)>]
let ``a pasted URL's code is taken only with the login's state or none``
    (given: NonNull<string>)
    (code: NonEmptyString)
    =
    let state = "s-0123456789abcdefghijk"

    let url =
        "https://app.carto.com/auth/token?code="
        + Uri.EscapeDataString code.Get
        + "&state="
        + Uri.EscapeDataString given.Get

    let breaksRule = code.Get.Trim() |> Seq.exists (fun c -> Char.IsWhiteSpace c || Char.IsControl c)

    match OAuthLogin.pasted state url with
    | Ok taken ->
        (given.Get = state && taken = code.Get.Trim() && not breaksRule)
        |> Prop.label "the login's state, the code as given"
    | Error LoginError.StateMismatch -> (given.Get <> state) |> Prop.label "another state"
    | Error(LoginError.BadCode _) ->
        (String.IsNullOrWhiteSpace code.Get || breaksRule) |> Prop.label "no code, or one that breaks the rule"
    | Error e -> false |> Prop.label (sprintf "%A" e)

[<Fact>]
let ``the token request is the code, the verifier and the same redirect URI`` () =
    Assert.Equal<(string * string) list>(
        [ "grant_type", "authorization_code"
          "client_id", "abc"
          "code", "c1"
          "redirect_uri", "http://localhost:10000/callback/"
          "code_verifier", "v" ],
        OAuthLogin.tokenForm "abc" "c1" "http://localhost:10000/callback/" "v"
    )

[<Fact>]
let ``a tenant's config.yaml gives apis.baseUrl; anything else says why`` () =
    let yaml =
        "# CARTO\nversion: 3\napis:\n  sqlUrl: https://x/sql\n  baseUrl: https://gcp-europe-west1.api.carto.com\nauth: {domain: auth.carto.com}\n"

    Assert.Equal(Ok "https://gcp-europe-west1.api.carto.com", TenantConfig.apiBaseUrl yaml)
    // A repeated key, at any level, is read last, as carto-auth's parser (PyYAML) reads it.
    Assert.Equal(Ok "https://b", TenantConfig.apiBaseUrl "apis:\n  baseUrl: https://a\napis:\n  baseUrl: https://b\n")
    Assert.Equal(Ok "https://d", TenantConfig.apiBaseUrl "apis:\n  baseUrl: https://c\n  baseUrl: https://d\n")

    Assert.Equal(
        Ok "https://e",
        TenantConfig.apiBaseUrl "apis:\n  baseUrl: https://e\napis: {}\napis:\n  baseUrl: https://e\n"
    )

    Assert.Equal(
        Error ApiLookupError.NoBaseUrl,
        TenantConfig.apiBaseUrl "apis:\n  baseUrl: https://a\napis:\n  sqlUrl: x\n"
    )

    Assert.Equal("the tenant's config.yaml has no apis.baseUrl", CallMessages.apiLookupError ApiLookupError.NoBaseUrl)

    Assert.Equal(Ok "https://q", TenantConfig.apiBaseUrl "apis: {baseUrl: 'https://q'}")
    Assert.Equal(Error ApiLookupError.NoBaseUrl, TenantConfig.apiBaseUrl "apis:\n  sqlUrl: x\n")
    Assert.Equal(Error ApiLookupError.NoBaseUrl, TenantConfig.apiBaseUrl "")
    Assert.Equal(Error ApiLookupError.NoBaseUrl, TenantConfig.apiBaseUrl "- a\n- b\n")

    match TenantConfig.apiBaseUrl "apis:\n  baseUrl: [unclosed\n" with
    | Error why -> Assert.StartsWith("the tenant's config.yaml is not YAML (line ", CallMessages.apiLookupError why)
    | Ok url -> Assert.Fail url

[<Fact>]
let ``a tenant domain makes an https URL; a loopback one http; anything not a host is refused`` () =
    Assert.Equal(Ok(Uri "https://ana.app.carto.com/config.yaml"), TenantConfig.url "ana.app.carto.com")
    Assert.Equal(Ok(Uri "http://127.0.0.1:8080/config.yaml"), TenantConfig.url "127.0.0.1:8080")
    Assert.True(Result.isError (TenantConfig.url "evil.example/path?"))
    Assert.True(Result.isError (TenantConfig.url "user:pw@host"))

[<Fact>]
let ``the browser is $BROWSER with the URL in place of %s or after its words, else the platform's opener`` () =
    let host (browser: string option) (platform: Platform) =
        { GetVariable = (fun name -> if name = "BROWSER" then browser else None)
          Platform = platform
          Store = None }

    Assert.Equal(
        ("firefox", [ "--new-tab"; "U" ]),
        Browser.command (host (Some "firefox --new-tab") Platform.Linux) "U"
    )

    Assert.Equal(("w3m", [ "-o"; "x=U" ]), Browser.command (host (Some "w3m -o x=%s") Platform.Linux) "U")
    Assert.Equal(("xdg-open", [ "U" ]), Browser.command (host None Platform.Linux) "U")
    Assert.Equal(("open", [ "U" ]), Browser.command (host None Platform.MacOS) "U")
    Assert.Equal(("explorer", [ "U" ]), Browser.command (host (Some " ") Platform.Windows) "U")
