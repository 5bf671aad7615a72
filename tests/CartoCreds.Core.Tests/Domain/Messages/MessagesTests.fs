/// Every error message a user can see, word for word.
module CartoCreds.Core.Tests.MessagesTests

open System
open System.Text
open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Generators

let private arguments = Resolve.fromArguments

let private environment pairs =
    let variables = Map.ofList pairs
    Resolve.first [ Layer.Environment, (fun () -> Resolve.environmentLayer (fun n -> Map.tryFind n variables)) ]

let private file content =
    Resolve.first
        [ Layer.File,
          (fun () -> Resolve.fileLayer (Some(fun () -> { Path = "/t/c.json"; Content = content; Exposure = None }))) ]

let private text (content: string) = Ok(ReadOnlyMemory(Encoding.UTF8.GetBytes content))

let private message result =
    match result with
    | Ok(resolved: Resolved<Credentials>) -> failwithf "expected an error, got %O" resolved.Credentials
    | Error e -> Messages.resolveError e

[<Fact>]
let ``an API key given alone as an argument`` () =
    Assert.Equal(
        "Invalid credentials in Arguments (api_key): an API key was given without a username or base URL; give a username or a base URL too.",
        message (arguments { Arguments.None with ApiKey = Some "sk_0123456789abcdef" })
    )

[<Fact>]
let ``invalid arguments, every field named`` () =
    Assert.Equal(
        "Invalid credentials in Arguments (username, base_url): username 'ana.b' contains '.'; a username uses only letters, digits, '_' and '-'; "
        + "base URL 'http://x.carto.com' is not secure (http); use https, or allow non-secure URLs (AllowNonSecure = true).",
        message (
            arguments
                { Arguments.None with
                    Username = Some "ana.b"
                    BaseUrl = Some "http://x.carto.com" }
        )
    )

[<Fact>]
let ``api_key and key that differ`` () =
    Assert.Equal(
        "Invalid credentials in Arguments (api_key, key): api_key and key differ; give only one (key is the CARTOframes 0.x name of api_key).",
        message (arguments { Arguments.None with Username = Some "ana"; ApiKey = Some "a"; Key = Some "b" })
    )

[<Fact>]
let ``CARTO_API_KEY alone`` () =
    Assert.Equal(
        "Invalid credentials in Environment (CARTO_API_KEY): CARTO_API_KEY is set but neither CARTO_USERNAME nor CARTO_BASE_URL is; set one of them too.",
        message (environment [ Variables.ApiKey, "sk_0123456789abcdef" ])
    )

[<Fact>]
let ``invalid variables, each named`` () =
    Assert.Equal(
        "Invalid credentials in Environment (CARTO_API_KEY, CARTO_BASE_URL): variable CARTO_API_KEY contains a whitespace character at position 8; "
        + "an API key is printable ASCII without spaces; variable CARTO_BASE_URL uses the scheme 'ftp'; use https.",
        message (environment [ Variables.BaseUrl, "ftp://x"; Variables.ApiKey, "sk_0123 456789abcdef" ])
    )

[<Fact>]
let ``each file error names the path`` () =
    let expect detail content =
        Assert.Equal($"Invalid credentials in File (/t/c.json): {detail}.", message (file content))

    expect "no such file" (Error ReadError.NotFound)
    expect "it is a directory, not a file" (Error ReadError.IsDirectory)

    expect
        "it is 70000 bytes; a credentials file is at most 65536 bytes"
        (Error(ReadError.TooLarge(70000L, Codec.MaxFileSize)))

    expect "it could not be read: permission denied" (Error(ReadError.Unreadable IoProblem.PermissionDenied))
    expect "it is not a regular file (a device, a FIFO or a socket)" (Error ReadError.NotRegular)
    expect "it is UTF-16 text; save it as UTF-8" (Ok(ReadOnlyMemory(Encoding.Unicode.GetPreamble())))
    expect "the file is empty" (text "")
    expect "it is not valid JSON (line 2, position 14)" (text "{\n \"username\": x}")
    expect "it holds an array, not a JSON object" (text "[]")

    expect
        "it is not valid UTF-8 text"
        (Ok(
            ReadOnlyMemory(
                Array.concat
                    [ Encoding.UTF8.GetBytes "{\"username\": \"a"; [| 0xC3uy; 0x28uy |]; Encoding.UTF8.GetBytes "\"}" ]
            )
        ))

    expect "$.username should be a string or null, not a number" (text "{\"username\": 1}")

    expect
        "field \"username\" '-a' starts or ends with '-'; field \"base_url\" has a query (?…); remove it"
        (text "{\"username\": \"-a\", \"base_url\": \"https://a.carto.com?x=1\"}")

    expect "neither a username nor a base URL is given" (text "{\"api_key\": \"abc\"}")

[<Fact>]
let ``when nothing is found, every layer says why, and how to save`` () =
    let empty = noLayers "/h/.config/cartoframes/creds.json"

    Assert.Equal(
        String.concat
            "\n"
            [ "No CARTO credentials found. Looked in, highest precedence first:"
              "  Explicit: none given"
              "  Arguments: no username or base URL given"
              "  File: none given"
              "  Environment: CARTO_USERNAME and CARTO_BASE_URL not set"
              "  Saved session: no file at /h/.config/cartoframes/creds.json"
              "To save credentials: cartocreds save --username NAME --api-key-stdin, or Save() on a Credentials value; "
              + "or set CARTO_USERNAME (or CARTO_BASE_URL) and CARTO_API_KEY." ],
        message (Resolve.resolve empty)
    )

[<Fact>]
let ``an unknown default location says which variable is missing`` () =
    let unlocated =
        Resolve.first
            [ Layer.SavedSession,
              (fun () -> Resolve.savedSessionLayer true (fun () -> Error(LocationError.VariableNotSet "HOME"))) ]

    Assert.Contains("  Saved session: no default location (HOME is not set)", message unlocated)

[<Fact>]
let ``origins name the layer and where`` () =
    Assert.Equal(
        "Arguments (username, api_key)",
        Messages.origin (Origin.At(Layer.Arguments, Some "username, api_key"))
    )

    Assert.Equal("Saved session (/h/creds.json)", Messages.origin (Origin.At(Layer.SavedSession, Some "/h/creds.json")))

    Assert.Equal("Explicit", Messages.origin (Origin.At(Layer.Explicit, None)))

[<Fact>]
let ``scope, store and setter messages`` () =
    Assert.Equal(
        "No credentials: none are set on this object or its enclosing objects, and no default credentials are set. Pass credentials to the object, or set default credentials.",
        Messages.scopeError ScopeError.NoCredentials
    )

    Assert.Equal(
        "/t/d is a directory, not a credentials file; nothing was changed",
        ValueMessages.storeError (StoreError.IsDirectory "/t/d")
    )

    Assert.Equal(
        "could not write /t/c.json: permission denied; the previous file is unchanged",
        ValueMessages.storeError (StoreError.SaveFailed("/t/c.json", IoProblem.PermissionDenied))
    )

    Assert.Equal(
        "could not remove /t/c.json: the file is busy",
        ValueMessages.storeError (StoreError.DeleteFailed("/t/c.json", IoProblem.Busy))
    )

    Assert.Equal(
        "/dev/null is not a regular file (a device, a FIFO or a socket); nothing was changed",
        ValueMessages.storeError (StoreError.NotRegular "/dev/null")
    )

    Assert.Equal(
        "the default location is unknown because HOME is not set; give a path",
        ValueMessages.storeError (StoreError.NoLocation(LocationError.VariableNotSet "HOME"))
    )

    Assert.Equal("API key is empty; give an API key", ValueMessages.valueError (ValueError.Empty Field.ApiKey))
    Assert.Equal("username is empty; give a username", ValueMessages.valueError (ValueError.Empty Field.Username))
    Assert.Equal("base URL has no host", ValueMessages.valueError ValueError.BaseUrlNoHost)

    Assert.Equal(
        "API key contains an invisible formatting character (such as a byte-order mark or a zero-width space) at position 1; an API key is printable ASCII without spaces",
        ValueMessages.valueError (ValueError.ApiKeyCharacter(CharacterKind.Format, 1))
    )

    Assert.Equal(
        "base URL contains user information (user@host); remove it",
        ValueMessages.valueError ValueError.BaseUrlUserInfo
    )

    Assert.Equal("base URL has a fragment (#…); remove it", ValueMessages.valueError ValueError.BaseUrlFragment)

    Assert.Equal(
        "username 'abc' is 3 characters long; a username has at most 63",
        ValueMessages.valueError (ValueError.UsernameTooLong(Some "abc", 3))
    )

    Assert.Equal(
        "username (not shown: it looks like a token) contains '.'; a username uses only letters, digits, '_' and '-'",
        ValueMessages.valueError (ValueError.UsernameCharacter(None, '.'))
    )

    Assert.Equal(
        "username 'a\\u001Bb' contains U+001B; a username uses only letters, digits, '_' and '-'",
        ValueMessages.valueError (ValueError.UsernameCharacter(Some "a\\u001Bb", '\u001b'))
    )

    Assert.Equal(
        "base URL is not an absolute URL such as https://johnsmith.carto.com",
        ValueMessages.valueError ValueError.BaseUrlNotAbsolute
    )

    Assert.Equal(
        "base URL 'http://a.carto.com' is not secure (http); use https, or allow non-secure URLs (AllowNonSecure = true)",
        ValueMessages.valueError (ValueError.BaseUrlInsecure(Some "http://a.carto.com"))
    )

[<Fact>]
let ``the allow_non_secure hint names the option of the surface and the layer in use`` () =
    let insecure = ValueError.BaseUrlInsecure(Some "http://a.carto.com")

    let invalid layer =
        ResolveError.InvalidLayer(CredentialsKind.Legacy, layer, "where", LayerProblem.InvalidValues [ insecure ])

    let start = "base URL 'http://a.carto.com' is not secure (http); use https"

    for surface, option in
        [ Surface.FSharp, "AllowNonSecure = true"
          Surface.CSharp, "allowNonSecure: true"
          Surface.CommandLine, "--allow-non-secure"
          Surface.Options, "AllowNonSecure = true in the options" ] do
        Assert.Equal(start + ", or allow non-secure URLs (" + option + ")", ValueMessages.valueErrorOn surface insecure)

        Assert.Equal(
            "Invalid credentials in Arguments (where): " + start + ", or allow non-secure URLs (" + option + ").",
            Messages.resolveErrorOn surface (invalid Layer.Arguments)
        )

        // A file says it with its own key, whoever reads it.
        Assert.Equal(
            "Invalid credentials in File (where): field \"base_url\" 'http://a.carto.com' is not secure (http); use https, "
            + "or allow it in the file (\"allow_non_secure\": true).",
            Messages.resolveErrorOn surface (invalid Layer.File)
        )

    Assert.Equal(
        "Invalid credentials in Environment (where): variable CARTO_BASE_URL 'http://a.carto.com' is not secure (http); use https "
        + "(the environment cannot allow http: give the credentials with allowNonSecure: true).",
        Messages.resolveErrorOn Surface.CSharp (invalid Layer.Environment)
    )

    Assert.Equal(
        "base URL has the host '%65vil.com', which is not a DNS name, an IPv4 address or a bracketed IPv6 address",
        ValueMessages.valueError (ValueError.BaseUrlHost(Some "%65vil.com"))
    )

    Assert.Equal(
        "base URL has the port '0'; a port is a number from 1 to 65535",
        ValueMessages.valueError (ValueError.BaseUrlPort(Some "0"))
    )

    Assert.Equal(
        "base URL has a path with characters a URL may not hold (escape them as %XX)",
        ValueMessages.valueError ValueError.BaseUrlPath
    )

    Assert.Equal(
        "Invalid credentials in Arguments (file_path, username): give only one of file_path or username.",
        Messages.resolveError (
            ResolveError.InvalidLayer(
                CredentialsKind.Legacy,
                Layer.Arguments,
                "file_path, username",
                LayerProblem.ConflictingArguments [ "file_path"; "username" ]
            )
        )
    )
