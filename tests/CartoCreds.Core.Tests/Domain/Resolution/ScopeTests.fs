/// SPEC §3: scopes and default credentials.
module CartoCreds.Core.Tests.ScopeTests

open Xunit
open FsCheck.FSharp
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

[<Spec>]
let ``the innermost credentials set on the object or its enclosing scopes win``
    (unsetInside: int)
    (innermost: Credentials)
    (outer: Credentials option list)
    (fallback: Credentials option)
    =
    // Scopes not set, then the innermost set one, then anything at all further out.
    let scopes = List.replicate (abs unsetInside % 4) None @ [ Some innermost ] @ outer
    Scope.effective scopes fallback = Ok innermost

[<Spec>]
let ``else the default credentials`` (unset: int) (fallback: Credentials) =
    let scopes = List.replicate (abs unset % 4) None
    Scope.effective scopes (Some fallback) = Ok fallback

[<Fact>]
let ``a Source in a Layer in a Map takes the Source's, then the Layer's, then the Map's`` () =
    let map, layer, source =
        make (Some "map") None None, make (Some "layer") None None, make (Some "source") None None

    Assert.Equal(Ok source, Scope.effective [ Some source; Some layer; Some map ] None)
    Assert.Equal(Ok layer, Scope.effective [ None; Some layer; Some map ] None)
    Assert.Equal(Ok map, Scope.effective [ None; None; Some map ] (Some source))

// ---- what default credentials are set from ----

let private withScheme (scheme: string) (url: string) = scheme + url.Substring(url.IndexOf "://")

[<Spec>]
let ``a first argument starting with http:// or https:// is a base URL, in any case``
    (ValidBaseUrl url)
    (ValidApiKey key)
    =
    let url = url.Trim()

    [ url; withScheme "HTTPS" url; withScheme "http" url ]
    |> List.forall (fun first ->
        DefaultSource.ofArguments (Some first) (Some key) None None true =
            Ok(
                DefaultSource.Values
                    { Arguments.None with
                        BaseUrl = Some first
                        ApiKey = Some key
                        AllowNonSecure = true }
            ))

[<Spec>]
let ``a first argument ending in .json is a file, unless it is a URL`` (ValidUsername name) =
    let file = "dir/" + name + ".json"

    DefaultSource.ofArguments (Some file) None None None false = Ok(DefaultSource.File file)
    && DefaultSource.ofArguments (Some(" " + name + ".JSON ")) None None None false =
        Ok(DefaultSource.File(name + ".JSON"))
    && DefaultSource.ofArguments (Some("https://a.carto.com/" + name + ".json")) None None None false
       |> Result.map (function
           | DefaultSource.Values _ -> true
           | _ -> false)
        =
        Ok true

[<Spec>]
let ``a file is never combined with a username, a key or a base URL``
    (ValidUsername name)
    (ValidApiKey key)
    (ValidBaseUrl url)
    =
    let conflicts (result: Result<DefaultSource, ResolveError>) =
        match result with
        | Error(ResolveError.InvalidLayer(_, Layer.Arguments, _, LayerProblem.ConflictingArguments("file_path" :: _))) ->
            true
        | _ -> false

    conflicts (DefaultSource.ofArguments (Some name) None None (Some "c.json") false)
    && conflicts (DefaultSource.ofArguments (Some "c.json") (Some key) None None false)
    && conflicts (DefaultSource.ofArguments None None (Some url) (Some "c.json") false)

[<Fact>]
let ``the first argument is a base URL when it starts with http:// or https://`` () =
    Assert.Equal(
        Ok(
            DefaultSource.Values
                { Arguments.None with
                    BaseUrl = Some "https://ana.carto.com"
                    ApiKey = Some "k" }
        ),
        DefaultSource.ofArguments (Some "https://ana.carto.com") (Some "k") None None false
    )

    Assert.Equal(
        Ok(
            DefaultSource.Values
                { Arguments.None with
                    BaseUrl = Some "HTTP://carto.local"
                    AllowNonSecure = true }
        ),
        DefaultSource.ofArguments (Some "HTTP://carto.local") None None None true
    )

[<Fact>]
let ``the first argument is a file when it ends in .json`` () =
    Assert.Equal(
        Ok(DefaultSource.File "team/creds.json"),
        DefaultSource.ofArguments (Some "team/creds.json") None None None false
    )

    Assert.Equal(Ok(DefaultSource.File "/x/c.JSON"), DefaultSource.ofArguments None None None (Some "/x/c.JSON") false)

[<Spec>]
let ``otherwise the first argument is a username`` (ValidUsername name) (ValidApiKey key) =
    DefaultSource.ofArguments (Some name) (Some key) None None false =
        Ok(DefaultSource.Values { Arguments.None with Username = Some name; ApiKey = Some key })

[<Fact>]
let ``with nothing given, the saved session`` () =
    Assert.Equal(Ok DefaultSource.SavedSession, DefaultSource.ofArguments None None None None false)
    Assert.Equal(Ok DefaultSource.SavedSession, DefaultSource.ofArguments (Some " ") None (Some "") None false)

[<Fact>]
let ``a key alone still goes to the Arguments layer, which refuses it`` () =
    Assert.Equal(
        Ok(DefaultSource.Values { Arguments.None with ApiKey = Some "k" }),
        DefaultSource.ofArguments None (Some "k") None None false
    )

[<Fact>]
let ``a file together with values, or two different base URLs, is refused`` () =
    let conflict names =
        Error(
            ResolveError.InvalidLayer(
                CredentialsKind.Legacy,
                Layer.Arguments,
                String.concat ", " names,
                LayerProblem.ConflictingArguments names
            )
        )

    Assert.Equal(
        conflict [ "file_path"; "username" ],
        DefaultSource.ofArguments (Some "ana") None None (Some "c.json") false
    )

    Assert.Equal(
        conflict [ "file_path"; "api_key" ],
        DefaultSource.ofArguments (Some "c.json") (Some "k") None None false
    )

    Assert.Equal(
        conflict [ "file_path"; "base_url" ],
        DefaultSource.ofArguments None None (Some "https://a.carto.com") (Some "c.json") false
    )

    Assert.Equal(
        conflict [ "username"; "base_url" ],
        DefaultSource.ofArguments (Some "https://a.carto.com") None (Some "https://b.carto.com") None false
    )
