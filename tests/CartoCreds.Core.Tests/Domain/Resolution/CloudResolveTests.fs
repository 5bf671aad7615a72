/// SPEC §7.2: the CARTO 3 layers, stated as the §2 properties are: the highest present layer wins,
/// an invalid present layer stops resolution, nothing below the deciding layer is read, the
/// not-found error lists every layer, and no token or secret is ever shown.
module CartoCreds.Core.Tests.CloudResolveTests

open System
open System.Text
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

let private now = DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero)
let private filePath = "/data/carto_credentials.json"
let private cliPath = "/home/ana/.carto_credentials.json"
let private oauthPath = "/home/ana/.carto-auth/token_oauth.json"
let private m2mPath = "/home/ana/.carto-auth/token_m2m.json"

/// What resolution chose, without the services it carries (tested on their own below).
let private resolveCredentials layers = CloudResolve.resolve layers |> Result.map _.Resolved

let private bytes (text: string) = Ok(ReadOnlyMemory(Encoding.UTF8.GetBytes text))
let private missing path = { Path = path; Content = Error ReadError.NotFound; Exposure = None }
let private file path (text: string) = { Path = path; Content = bytes text; Exposure = None }

let private credentials (result: Result<CloudCredentials, CloudValueError list>) =
    match result with
    | Ok c -> c
    | Error e -> failwithf "%A" e

type Kind =
    | Absent
    | Valid
    | Invalid

/// One generated layer: what it holds and, when valid, the credentials it must give.
type Slot<'T> = { Value: 'T; Expected: CloudCredentials option }

type CloudStack =
    { Kinds: Map<Layer, Kind>
      Expected: Map<Layer, CloudCredentials>
      Secrets: string list
      Layers: CloudLayers
      Reached: Collections.Generic.HashSet<Layer> }

    override this.ToString() =
        Layer.all |> List.map (fun l -> Layer.id l + "=" + string this.Kinds[l]) |> String.concat " "

let private region =
    Gen.elements [ None; Some "https://gcp-europe-west1.api.carto.com"; Some "http://localhost:8080" ]

/// Valid sources: (token or client pair, url) and the credentials they give.
let private grant =
    gen {
        let! token = secretKeyText
        let! secret = secretKeyText
        let! url = region
        let! useToken = Gen.elements [ true; false ]

        return
            if useToken then
                Choice1Of2 token, url, credentials (CloudCredentials.ofToken token url)
            else
                Choice2Of2("client_" + secret.Substring(2, 6), secret),
                url,
                credentials (CloudCredentials.ofClientCredentials ("client_" + secret.Substring(2, 6)) secret url)
    }

let private json (pairs: (string * string option) list) =
    pairs
    |> List.choose (fun (k, v) -> v |> Option.map (fun v -> "\"" + k + "\": \"" + v + "\""))
    |> String.concat ", "
    |> fun body -> "{" + body + "}"

let private stackOf (kinds: Map<Layer, Kind>) : Gen<CloudStack> =
    gen {
        let! explicitGrant = grant
        let! argGrant = grant
        let! fileGrant = grant
        let! envGrant = grant
        let! savedGrant = grant
        let! key = secretKeyText
        let! badArguments = Gen.elements [ 0; 1; 2; 3 ]
        let! badFile = Gen.elements [ 0; 1; 2 ]
        let! badEnv = Gen.elements [ 0; 1; 2 ]
        let! badSaved = Gen.elements [ 0; 1; 2 ]
        let! savedAsCache = Gen.elements [ true; false ]
        // SPEC §11: a saved profile's token kept in the keychain, the rest in the CARTO CLI file.
        let! savedInKeychain = Gen.elements [ true; false ]
        let! expiredCache = Gen.elements [ true; false ]
        let reached = Collections.Generic.HashSet<Layer>()
        let third (_, _, c) = c

        let expected =
            Map.ofList
                [ Layer.Explicit, third explicitGrant
                  Layer.Arguments, third argGrant
                  Layer.File, third fileGrant
                  Layer.Environment, third envGrant
                  Layer.SavedSession, third savedGrant ]

        let arguments =
            match kinds[Layer.Arguments], argGrant with
            | Absent, _ -> CloudArguments.None
            | Valid, (Choice1Of2 token, url, _) ->
                CloudArguments.Of { CloudInput.Empty with Token = Some token; ApiBaseUrl = url }
            | Valid, (Choice2Of2(id, secret), url, _) ->
                CloudArguments.Of
                    { CloudInput.Empty with
                        ClientId = Some id
                        ClientSecret = Some secret
                        ApiBaseUrl = url }
            | Invalid, _ ->
                [ CloudArguments.Of { CloudInput.Empty with Token = Some key; ClientId = Some "client" }
                  CloudArguments.Of { CloudInput.Empty with ClientId = Some "client" }
                  CloudArguments.Of { CloudInput.Empty with ApiBaseUrl = Some "https://gcp-us-east1.api.carto.com" }
                  CloudArguments.Of { CloudInput.Empty with Token = Some(key + " " + key) } ][badArguments]

        let fileText =
            match fileGrant with
            | Choice1Of2 token, url, _ ->
                "{\"current_profile\": \"prod\", \"profiles\": {\"prod\": "
                + json [ "token", Some token; "api_base_url", url ]
                + "}}"
            | Choice2Of2(id, secret), url, _ ->
                json [ "client_id", Some id; "client_secret", Some secret; "api_base_url", url ]

        let variables =
            match kinds[Layer.Environment], envGrant with
            | Absent, _ -> [ "OTHER", "x" ]
            | Valid, (Choice1Of2 token, url, _) ->
                (CloudVariables.Token, token)
                :: (url |> Option.map (fun u -> CloudVariables.ApiBaseUrl, u) |> Option.toList)
            | Valid, (Choice2Of2(id, secret), url, _) ->
                [ CloudVariables.ClientId, id; CloudVariables.ClientSecret, secret ]
                @ (url |> Option.map (fun u -> CloudVariables.ApiBaseUrl, u) |> Option.toList)
            | Invalid, _ ->
                [ [ CloudVariables.Token, key; CloudVariables.ClientId, "client" ]
                  [ CloudVariables.ClientSecret, key ]
                  [ CloudVariables.Token, key; CloudVariables.ApiBaseUrl, "http://carto.example.com" ] ][badEnv]
            |> Map.ofList

        let savedText =
            match savedGrant with
            | Choice1Of2 token, url, _ ->
                "{\"current_profile\": \"prod\", \"profiles\": {\"prod\": "
                + json [ "token", (if savedInKeychain then None else Some token); "api_base_url", url ]
                + "}}"
            | Choice2Of2(id, secret), url, _ ->
                // The CARTO CLI writes tokens; a profile written by hand may hold a client pair, read as such.
                "{\"profiles\": {\"default\": "
                + json [ "client_id", Some id; "client_secret", Some secret; "api_base_url", url ]
                + "}, \"current_profile\": \"default\"}"

        let saved () : CloudSaved =
            let cacheText (token: string) (url: string option) (expires: DateTimeOffset) =
                json [ "access_token", Some token; "api_base_url", url ]
                |> fun t -> t.TrimEnd('}') + ", \"expiration\": " + string (expires.ToUnixTimeSeconds()) + "}"

            match kinds[Layer.SavedSession] with
            | Absent ->
                { CliFile = fun () -> missing cliPath
                  OAuthCache =
                    fun () ->
                        if expiredCache then
                            file oauthPath (cacheText key None (now.AddMinutes -1.0))
                        else
                            missing oauthPath
                  M2MCache = fun () -> missing m2mPath
                  KeychainToken = fun _ -> None }
            | Valid when
                savedAsCache
                && (match savedGrant with
                    | Choice1Of2 _, _, _ -> true
                    | _ -> false)
                ->
                let token, url =
                    match savedGrant with
                    | Choice1Of2 token, url, _ -> token, url
                    | _ -> failwith "unreachable"

                { CliFile = fun () -> missing cliPath
                  OAuthCache = fun () -> missing oauthPath
                  M2MCache = fun () -> file m2mPath (cacheText token url (now.AddHours 1.0))
                  KeychainToken = fun _ -> None }
            | Valid ->
                { CliFile = fun () -> file cliPath savedText
                  OAuthCache = fun () -> failwith "read past the CARTO CLI file"
                  M2MCache = fun () -> failwith "read past the CARTO CLI file"
                  KeychainToken =
                    fun name ->
                        match savedGrant with
                        | Choice1Of2 token, _, _ when savedInKeychain && name = "prod" ->
                            Some(file "the keychain" token)
                        | _ -> failwith "the keychain asked for a profile that holds its token" }
            | Invalid ->
                { CliFile =
                    fun () ->
                        file
                            cliPath
                            ([ "{not json"
                               "{\"current_profile\": \"gone\", \"profiles\": {}}"
                               "{\"current_profile\": \"prod\", \"profiles\": {\"prod\": {\"tenant_id\": \"gcp-us-east1\"}}}" ][badSaved])
                  OAuthCache = fun () -> failwith "read past the CARTO CLI file"
                  M2MCache = fun () -> failwith "read past the CARTO CLI file"
                  // A profile with no token, and none in the keychain.
                  KeychainToken = fun _ -> Some(missing "the keychain") }

        let layers =
            { Explicit = if kinds[Layer.Explicit] = Absent then None else Some expected[Layer.Explicit]
              Arguments = arguments
              File =
                match kinds[Layer.File] with
                | Absent -> None
                | kind ->
                    Some(fun () ->
                        reached.Add Layer.File |> ignore

                        match kind, badFile with
                        | Valid, _ -> file filePath fileText
                        | _, 0 -> missing filePath
                        | _, 1 -> file filePath ("{\"client_id\": \"only-the-id\", \"api_base_url\": \"" + key + "\"}")
                        | _ -> file filePath "[1, 2]")
              Environment =
                fun name ->
                    // The services' variables are settings every resolution reads, not the layer.
                    if name <> CloudServices.AuthUrlVariable && name <> CloudServices.AccountsUrlVariable then
                        reached.Add Layer.Environment |> ignore

                    Map.tryFind name variables
              SavedSession =
                fun () ->
                    reached.Add Layer.SavedSession |> ignore
                    Ok(saved ())
              Now = now }

        return
            { Kinds = kinds
              Expected = expected
              Secrets =
                key
                :: (expected
                    |> Map.values
                    |> Seq.collect (fun c ->
                        match c.Grant with
                        | Grant.AccessToken(t, _) -> [ CloudText.value t ]
                        | Grant.ClientCredentials(_, s) -> [ CloudText.value s ])
                    |> List.ofSeq)
              Layers = layers
              Reached = reached }
    }

/// The deciding layer drawn evenly from the five and "none present"; any kind below it.
let private cloudStack =
    gen {
        let! decider = Gen.elements (None :: List.map Some Layer.all)
        let index = decider |> Option.map (fun d -> List.findIndex ((=) d) Layer.all) |> Option.defaultValue 5

        let! own =
            if decider = Some Layer.Explicit then
                Gen.constant Valid
            else
                Gen.elements [ Valid; Invalid ]

        let! below = Gen.listOfLength 5 (Gen.elements [ Absent; Valid; Invalid ])

        let kinds =
            Layer.all
            |> List.mapi (fun i layer ->
                layer,
                (if i < index then Absent
                 elif i = index then own
                 else below[i]))
            |> Map.ofList

        return! stackOf kinds
    }

type CloudStackArbitrary =
    static member Stack() = Arb.fromGen cloudStack

type CloudSpecAttribute() =
    inherit PropertyAttribute(Arbitrary = [| typeof<CloudStackArbitrary> |], MaxTest = 300)

let private deciding (s: CloudStack) = Layer.all |> List.tryFind (fun l -> s.Kinds[l] <> Absent)

let private classified (s: CloudStack) (property: Property) =
    match deciding s with
    | Some layer -> property |> Prop.collect (Layer.id layer + " " + (string s.Kinds[layer]).ToLowerInvariant())
    | None -> property |> Prop.collect "none present"

[<CloudSpec>]
let ``the highest present CARTO 3 layer wins, and lower layers change nothing of it`` (s: CloudStack) =
    match deciding s, resolveCredentials s.Layers with
    | Some layer, Ok resolved when s.Kinds[layer] = Valid ->
        (resolved.Origin.Layer = layer && resolved.Credentials = s.Expected[layer])
        |@ $"{s}: {resolved.Origin.Layer} {resolved.Credentials}"
    | Some layer, Error(ResolveError.InvalidLayer(_, failed, _, _)) when s.Kinds[layer] = Invalid ->
        (failed = layer) |@ $"{s}: {failed} failed"
    | None, Error(ResolveError.NotFound(_, absent)) -> (List.map fst absent = Layer.all) |@ $"%A{absent}"
    | _, other -> false |@ $"{s}: %A{other}"
    |> classified s

[<CloudSpec>]
let ``nothing below the deciding CARTO 3 layer is read`` (s: CloudStack) =
    resolveCredentials s.Layers |> ignore

    match deciding s with
    | Some layer ->
        let below = Layer.all |> List.skipWhile ((<>) layer) |> List.tail
        (below |> List.filter s.Reached.Contains |> List.isEmpty) |@ $"{s}: reached %A{List.ofSeq s.Reached}"
    | None -> s.Reached.SetEquals [ Layer.Environment; Layer.SavedSession ] |@ $"{s}"
    |> classified s

[<CloudSpec>]
let ``no CARTO 3 message or origin shows a token or a secret`` (s: CloudStack) =
    let text =
        match resolveCredentials s.Layers with
        | Ok resolved -> Messages.origin resolved.Origin + " " + string resolved.Credentials
        | Error e -> Messages.resolveError e

    let leaked = s.Secrets |> List.filter text.Contains
    List.isEmpty leaked |@ $"%A{leaked} in %A{text}" |> classified s

// ---- examples a user tries first ----

let private noCloudLayers: CloudLayers =
    { Explicit = None
      Arguments = CloudArguments.None
      File = None
      Environment = fun _ -> None
      SavedSession =
        fun () ->
            Ok
                { CloudSaved.CliFile = fun () -> missing cliPath
                  OAuthCache = fun () -> missing oauthPath
                  M2MCache = fun () -> missing m2mPath
                  KeychainToken = fun _ -> None }
      Now = now }

let private withEnvironment pairs (layers: CloudLayers) : CloudLayers =
    let map = Map.ofList pairs
    { layers with Environment = fun name -> Map.tryFind name map }

let private withCli (text: string) (layers: CloudLayers) : CloudLayers =
    { layers with
        SavedSession =
            fun () ->
                Ok
                    { CloudSaved.CliFile = fun () -> file cliPath text
                      OAuthCache = fun () -> missing oauthPath
                      M2MCache = fun () -> missing m2mPath
                      KeychainToken = fun _ -> None } }

let private message result =
    match result with
    | Ok(resolved: Resolved<CloudCredentials>) -> failwithf "expected an error, got %O" resolved.Credentials
    | Error e -> Messages.resolveError e

let private resolved result =
    match result with
    | Ok(resolved: Resolved<CloudCredentials>) -> string resolved.Credentials, Messages.origin resolved.Origin
    | Error e -> failwith (Messages.resolveError e)

let private token = "eyTokenTokenToken0001"

[<Fact>]
let ``with nothing anywhere, every layer says why and how to log in`` () =
    Assert.Equal(
        String.concat
            "\n"
            [ "No CARTO 3 credentials found. Looked in, highest precedence first:"
              "  Explicit: none given"
              "  Arguments: no token or client credentials given"
              "  File: none given"
              "  Environment: CARTO_API_TOKEN, CARTO_CLIENT_ID and CARTO_CLIENT_SECRET not set"
              "  Saved session: no file at " + cliPath + ", " + oauthPath + ", " + m2mPath
              "To get CARTO 3 credentials: log in with cartocreds cloud login (or the CARTO CLI: carto auth login), or set CARTO_API_TOKEN (or CARTO_CLIENT_ID and CARTO_CLIENT_SECRET), with CARTO_API_BASE_URL for a region other than the default." ],
        message (resolveCredentials noCloudLayers)
    )

[<Fact>]
let ``half a client pair, a token with a client id, or a URL alone is an error, never dropped`` () =
    let environment pairs = resolveCredentials (withEnvironment pairs noCloudLayers) |> message

    Assert.Equal(
        "Invalid CARTO 3 credentials in Environment (CARTO_CLIENT_ID): CARTO_CLIENT_ID is set but CARTO_CLIENT_SECRET is not; set both, or neither.",
        environment [ CloudVariables.ClientId, "client" ]
    )

    Assert.Equal(
        "Invalid CARTO 3 credentials in Environment (CARTO_CLIENT_SECRET): CARTO_CLIENT_SECRET is set but CARTO_CLIENT_ID is not; set both, or neither.",
        environment [ CloudVariables.ClientSecret, "secretsecretsecret" ]
    )

    Assert.Equal(
        "Invalid CARTO 3 credentials in Environment (CARTO_API_TOKEN, CARTO_CLIENT_ID): both a token and a client id are given; give one of them.",
        environment [ CloudVariables.Token, token; CloudVariables.ClientId, "client" ]
    )

    Assert.Equal(
        "Invalid CARTO 3 credentials in Arguments (api_base_url): an API base URL is given without a token or client credentials.",
        resolveCredentials
            { noCloudLayers with
                Arguments = CloudArguments.Of { CloudInput.Empty with ApiBaseUrl = Some "https://a.api.carto.com" } }
        |> message
    )

    Assert.Equal(
        "Invalid CARTO 3 credentials in Environment (CARTO_API_TOKEN, CARTO_API_BASE_URL): API base URL 'http://carto.example.com' is not secure (http); use https (http is accepted for localhost, 127.0.0.0/8 and [::1] only).",
        environment [ CloudVariables.Token, token; CloudVariables.ApiBaseUrl, "http://carto.example.com/api" ]
    )

[<Fact>]
let ``the environment gives a token, with the default region unless CARTO_API_BASE_URL names another`` () =
    Assert.Equal(
        ("CloudCredentials(token=****0001, api_base_url=https://gcp-us-east1.api.carto.com)",
         "Environment (CARTO_API_TOKEN)"),
        resolveCredentials (withEnvironment [ CloudVariables.Token, token ] noCloudLayers) |> resolved
    )

let private cliFile =
    """{"current_profile": "prod",
        "profiles": {
          "prod": {"token": "eyProdProdProdProd01", "tenant_id": "gcp-us-east1", "user_email": "ana@example.com"},
          "eu": {"token": "eyEuEuEuEuEuEuEuEu02", "tenant_id": "gcp-europe-west1", "api_base_url": "https://carto.example.com/api"}
        },
        "unknown": {"kept": true}}"""

[<Fact>]
let ``the saved session is the CARTO CLI's current profile, or CARTO_PROFILE's, or the profile asked for`` () =
    Assert.Equal(
        ("CloudCredentials(token=****od01, api_base_url=https://gcp-us-east1.api.carto.com)",
         "Saved session (" + cliPath + ", profile prod)"),
        resolveCredentials (withCli cliFile noCloudLayers) |> resolved
    )

    // A profile's api_base_url wins over its tenant_id.
    Assert.Equal(
        ("CloudCredentials(token=****Eu02, api_base_url=https://carto.example.com/api)",
         "Saved session (" + cliPath + ", profile eu)"),
        resolveCredentials (withCli cliFile noCloudLayers |> withEnvironment [ CloudVariables.Profile, "eu" ])
        |> resolved
    )

    Assert.Equal(
        "Invalid CARTO 3 credentials in Saved session (" + cliPath + "): there is no profile 'staging'.",
        resolveCredentials
            { withCli cliFile noCloudLayers with
                Arguments = { CloudArguments.None with Profile = Some "staging" } }
        |> message
    )

[<Fact>]
let ``the CARTO CLI's old format is read as the profile default`` () =
    Assert.Equal(
        ("CloudCredentials(token=****ld03, api_base_url=https://gcp-europe-west1.api.carto.com)",
         "Saved session (" + cliPath + ", profile default)"),
        resolveCredentials (
            withCli """{"token": "eyOldOldOldOldOld03", "tenant_id": "gcp-europe-west1"}""" noCloudLayers
        )
        |> resolved
    )

[<Fact>]
let ``a carto-auth cache is used while unexpired; an expired one is absent, saying when it expired`` () =
    let withCaches oauth m2m =
        { noCloudLayers with
            SavedSession =
                fun () ->
                    Ok
                        { CloudSaved.CliFile = fun () -> missing cliPath
                          OAuthCache = fun () -> oauth
                          M2MCache = fun () -> m2m
                          KeychainToken = fun _ -> None } }

    let cache (expires: DateTimeOffset) =
        "{\"api_base_url\": \"https://gcp-us-east1.api.carto.com\", \"access_token\": \""
        + token
        + "\", \"expiration\": "
        + string (expires.ToUnixTimeSeconds())
        + "}"

    Assert.Equal(
        ("CloudCredentials(token=****0001, api_base_url=https://gcp-us-east1.api.carto.com)",
         "Saved session (" + m2mPath + ")"),
        resolveCredentials (withCaches (missing oauthPath) (file m2mPath (cache (now.AddMinutes 5.0)))) |> resolved
    )

    Assert.EndsWith(
        "  Saved session: " + oauthPath + " expired at 2026-11-27 11:59:00 UTC\n" + Messages.howToLogIn,
        resolveCredentials (withCaches (file oauthPath (cache (now.AddMinutes -1.0))) (missing m2mPath)) |> message
    )

[<Fact>]
let ``a named file is carto-auth's client credentials or a CARTO CLI file, told apart by their keys`` () =
    let named text = { noCloudLayers with File = Some(fun () -> file filePath text) }

    Assert.Equal(
        ("CloudCredentials(client_id=m2m-client, client_secret=****cret, api_base_url=https://gcp-us-east1.api.carto.com)",
         "File (" + filePath + ")"),
        resolveCredentials (
            named
                """{"api_base_url": "https://gcp-us-east1.api.carto.com", "client_id": "m2m-client", "client_secret": "a-long-secret"}"""
        )
        |> resolved
    )

    Assert.Equal(
        "Invalid CARTO 3 credentials in File ("
        + filePath
        + "): $.profiles.prod.token should be a string or null, not a number.",
        resolveCredentials (named """{"current_profile": "prod", "profiles": {"prod": {"token": 42}}}""") |> message
    )

    Assert.Equal(
        "Invalid CARTO 3 credentials in File (" + filePath + "): it is not valid JSON (line 1, position 2).",
        resolveCredentials (named "{x") |> message
    )

[<Fact>]
let ``an invalid CARTO_AUTH_URL or CARTO_ACCOUNTS_URL is reported by resolution, naming the variable, whatever layer gave the credentials``
    ()
    =
    let fromArguments =
        { noCloudLayers with
            Arguments =
                CloudArguments.Of
                    { CloudInput.Empty with
                        ClientId = Some "m2m-client"
                        ClientSecret = Some "s3cr3t-s3cr3t-s3cr3t-0009" } }

    Assert.Equal(
        "Invalid CARTO 3 credentials in Environment (CARTO_AUTH_URL): it names the token endpoint (…/oauth/token); "
        + "give the auth server's base URL, such as https://auth.carto.com (the library adds /oauth/token).",
        fromArguments
        |> withEnvironment [ "CARTO_AUTH_URL", "https://auth.carto.com/oauth/token" ]
        |> resolveCredentials
        |> message
    )

    let fromCli =
        noCloudLayers |> withCli cliFile |> withEnvironment [ "CARTO_ACCOUNTS_URL", "ftp://accounts" ]

    match resolveCredentials fromCli with
    | Error(ResolveError.InvalidLayer(CredentialsKind.Cloud,
                                      Layer.Environment,
                                      "CARTO_ACCOUNTS_URL",
                                      LayerProblem.ServiceUrl { Service = CloudService.Accounts })) -> ()
    | other -> failwithf "%A" other

    // Valid service URLs, or none set, change nothing of what resolved.
    let valid =
        [ "CARTO_AUTH_URL", "http://127.0.0.1:9"; "CARTO_ACCOUNTS_URL", "https://accounts.example.com" ]

    Assert.Equal(
        resolved (resolveCredentials fromArguments),
        resolved (resolveCredentials (withEnvironment valid fromArguments))
    )

    // They are read once, by resolution, and carried with the credentials; CARTO's own otherwise.
    match CloudResolve.resolve (withEnvironment valid fromArguments), CloudResolve.resolve fromArguments with
    | Ok named, Ok unnamed ->
        Assert.Equal("http://127.0.0.1:9", ServiceUrl.value named.Services.Auth)
        Assert.Equal("https://accounts.example.com", ServiceUrl.value named.Services.Accounts)
        Assert.Equal(CloudServices.DefaultAuthUrl, ServiceUrl.value unnamed.Services.Auth)
        Assert.Equal(CloudServices.DefaultAccountsUrl, ServiceUrl.value unnamed.Services.Accounts)
    | other -> failwithf "%A" other

// SPEC §11: with the keychain store, a saved profile keeps everything but its token in the CARTO
// CLI file; the token is read from the keychain, and only for a profile that holds none.

let private withKeychain (keychain: string -> FileRead option) (layers: CloudLayers) : CloudLayers =
    let saved = layers.SavedSession

    { layers with
        SavedSession = fun () -> saved () |> Result.map (fun s -> { s with KeychainToken = keychain }) }

let private tokenless =
    """{"current_profile": "eu", "profiles": {"eu": {"tenant_id": "gcp-europe-west1", "user_email": "ana@example.com"}}}"""

let private keychainPlace = "the keychain (Secret Service)"

[<Fact>]
let ``a saved profile with no token takes the keychain's, named in the origin`` () =
    let asked = Collections.Generic.List<string>()

    let keychain name =
        asked.Add name
        Some(file keychainPlace token)

    Assert.Equal(
        ("CloudCredentials(token=****0001, api_base_url=https://gcp-europe-west1.api.carto.com)",
         "Saved session (" + cliPath + " and " + keychainPlace + ", profile eu)"),
        noCloudLayers |> withCli tokenless |> withKeychain keychain |> resolveCredentials |> resolved
    )

    Assert.Equal<string list>([ "eu" ], List.ofSeq asked)

[<Fact>]
let ``a token in the file is used before the keychain's, and the keychain is not asked`` () =
    let inFile =
        """{"current_profile": "eu", "profiles": {"eu": {"token": "eyTokenTokenToken0001", "tenant_id": "gcp-europe-west1"}}}"""

    Assert.Equal(
        ("CloudCredentials(token=****0001, api_base_url=https://gcp-europe-west1.api.carto.com)",
         "Saved session (" + cliPath + ", profile eu)"),
        noCloudLayers
        |> withCli inFile
        |> withKeychain (fun _ -> failwith "the keychain was asked")
        |> resolveCredentials
        |> resolved
    )

[<Fact>]
let ``a keychain that cannot answer makes the saved session absent, with its reason`` () =
    let noBus = StoreProblem.Keychain(KeychainError.NoSessionBus BusProblem.AddressNotSet)

    let unavailable _ =
        Some
            { Path = keychainPlace
              Content = Error(ReadError.SecretStore noBus)
              Exposure = None }

    match noCloudLayers |> withCli tokenless |> withKeychain unavailable |> resolveCredentials with
    | Error(ResolveError.NotFound(_, absent) as e) ->
        Assert.Equal(
            Some(Absence.StoreUnavailable(keychainPlace, noBus)),
            absent |> List.tryFind (fst >> (=) Layer.SavedSession) |> Option.map snd
        )

        Assert.Contains("no D-Bus session bus", Messages.resolveError e)
    | other -> failwithf "%A" other

[<Fact>]
let ``a saved profile with no token is an error that says where it looked and how to go on`` () =
    let noItem = noCloudLayers |> withCli tokenless |> withKeychain (fun _ -> Some(missing keychainPlace))

    Assert.Contains(
        "profile 'eu' has no token in the file and none in "
        + keychainPlace
        + "; log in again: cartocreds cloud login --profile eu",
        resolveCredentials noItem |> message
    )

    // The file store: no keychain asked, and the error says how to choose it.
    let fileStore = noCloudLayers |> withCli tokenless |> withKeychain (fun _ -> None)
    let said = resolveCredentials fileStore |> message
    Assert.Contains("profile 'eu' has no token; if it was saved to the keychain", said)
    Assert.Contains("cartocreds config store keychain", said)

[<Fact>]
let ``a file named by path never asks the keychain`` () =
    let layers =
        { noCloudLayers with File = Some(fun () -> file filePath tokenless) }
        |> withKeychain (fun _ -> failwith "the keychain was asked")

    Assert.Contains("an API base URL is given without a token", resolveCredentials layers |> message)
