namespace CartoCreds.Core

open System

/// A field of a credentials value.
[<RequireQualifiedAccess>]
type Field =
    | Username
    | ApiKey
    | BaseUrl

/// Why a value was refused (SPEC §1). No case carries an API key, and base URLs that may hold a
/// secret (user-info, query) are not carried either, so an error can always be shown.
[<RequireQualifiedAccess>]
type ValueError =
    | Empty of field: Field
    | UsernameTooLong of username: string
    | UsernameCharacter of username: string * character: char
    | UsernameHyphenAtEdge of username: string
    | ApiKeyCharacter
    | BaseUrlNotAbsolute of url: string
    | BaseUrlScheme of url: string * scheme: string
    | BaseUrlInsecure of url: string
    | BaseUrlNoHost of url: string
    | BaseUrlUserInfo
    | BaseUrlQuery
    | BaseUrlFragment
    | UsernameOrBaseUrlMissing

[<RequireQualifiedAccess>]
module ValueError =

    /// The field a value error is about; `None` when it is about the combination of fields.
    let field (error: ValueError) : Field option =
        match error with
        | ValueError.Empty field -> Some field
        | ValueError.UsernameTooLong _
        | ValueError.UsernameCharacter _
        | ValueError.UsernameHyphenAtEdge _ -> Some Field.Username
        | ValueError.ApiKeyCharacter -> Some Field.ApiKey
        | ValueError.BaseUrlNotAbsolute _
        | ValueError.BaseUrlScheme _
        | ValueError.BaseUrlInsecure _
        | ValueError.BaseUrlNoHost _
        | ValueError.BaseUrlUserInfo
        | ValueError.BaseUrlQuery
        | ValueError.BaseUrlFragment -> Some Field.BaseUrl
        | ValueError.UsernameOrBaseUrlMissing -> None

/// Inputs are trimmed; an empty or whitespace-only input counts as not given (SPEC §1).
[<RequireQualifiedAccess>]
module Input =

    /// `Some` trimmed text, or `None` for null, empty or whitespace-only text.
    let given (text: string) : string option =
        if String.IsNullOrWhiteSpace text then None else Some(text.Trim())

    /// `given` over an optional input.
    let givenOption (text: string option) : string option = Option.bind given text

/// A CARTO username: 1–63 characters of `A–Z a–z 0–9 _ -`, not starting or ending with `-`.
type Username = private Username of string

[<RequireQualifiedAccess>]
module Username =

    let private maxLength = 63

    let private isAllowed (c: char) =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c = '_' || c = '-'

    /// Validates a username (trimmed first).
    let create (text: string) : Result<Username, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.Username)
        | Some name when name.Length > maxLength -> Error(ValueError.UsernameTooLong name)
        | Some name ->
            match Seq.tryFind (isAllowed >> not) name with
            | Some c -> Error(ValueError.UsernameCharacter(name, c))
            | None when name.StartsWith '-' || name.EndsWith '-' -> Error(ValueError.UsernameHyphenAtEdge name)
            | None -> Ok(Username name)

    let value (Username name) = name

/// A CARTO API key. Never shown whole except where the user asks for it.
type ApiKey = private ApiKey of string

[<RequireQualifiedAccess>]
module ApiKey =

    /// The public key: read-only access to public data.
    [<Literal>]
    let DefaultPublicText = "default_public"

    let defaultPublic = ApiKey DefaultPublicText

    /// Validates an API key (trimmed first): no whitespace or control characters inside.
    let create (text: string) : Result<ApiKey, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.ApiKey)
        | Some key when key |> Seq.exists (fun c -> Char.IsWhiteSpace c || Char.IsControl c) ->
            Error ValueError.ApiKeyCharacter
        | Some key -> Ok(ApiKey key)

    let value (ApiKey key) = key

    /// `default_public` as is; 12 or more characters: `****` and the last 4; shorter: `****`.
    let mask (ApiKey key) : string =
        if key = DefaultPublicText then key
        elif key.Length >= 12 then "****" + key.Substring(key.Length - 4)
        else "****"

/// An absolute `https` (or, when allowed, `http`) URL with a host, no user-info, query or
/// fragment; host lower-cased, trailing slashes removed.
type BaseUrl = private BaseUrl of string

[<RequireQualifiedAccess>]
module BaseUrl =

    let private cloudSuffix = ".carto.com"

    /// Validates and normalizes a base URL (trimmed first).
    let create (allowNonSecure: bool) (text: string) : Result<BaseUrl, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.BaseUrl)
        | Some url ->
            // A path alone parses as a file URL on Unix: require an explicit scheme separator.
            match Uri.TryCreate(url, UriKind.Absolute) with
            | false, _ -> Error(ValueError.BaseUrlNotAbsolute url)
            | true, _ when not (url.Contains "://") -> Error(ValueError.BaseUrlNotAbsolute url)
            | true, uri ->
                let scheme = uri.Scheme.ToLowerInvariant()

                if scheme <> Uri.UriSchemeHttps && scheme <> Uri.UriSchemeHttp then
                    Error(ValueError.BaseUrlScheme(url, uri.Scheme))
                elif scheme = Uri.UriSchemeHttp && not allowNonSecure then
                    Error(ValueError.BaseUrlInsecure url)
                elif uri.UserInfo <> "" then
                    Error ValueError.BaseUrlUserInfo
                elif uri.Query <> "" || url.Contains '?' then
                    Error ValueError.BaseUrlQuery
                elif uri.Fragment <> "" || url.Contains '#' then
                    Error ValueError.BaseUrlFragment
                elif String.IsNullOrEmpty uri.Host then
                    Error(ValueError.BaseUrlNoHost url)
                else
                    let port = if uri.IsDefaultPort then "" else ":" + string uri.Port
                    let path = uri.AbsolutePath.TrimEnd '/'
                    Ok(BaseUrl(scheme + "://" + uri.Host.ToLowerInvariant() + port + path))

    /// `https://{username}.carto.com`, the cloud account of a username.
    let ofUsername (username: Username) : BaseUrl =
        BaseUrl("https://" + (Username.value username).ToLowerInvariant() + cloudSuffix)

    let value (BaseUrl url) = url

    /// The username a base URL names, first match wins: `/u/{name}` (organization),
    /// `/user/{name}` (on-premises), `{name}.carto.com` (cloud); otherwise none.
    let username (BaseUrl url) : Username option =
        let uri = Uri url

        let segments =
            uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)
            |> Array.map Uri.UnescapeDataString

        let afterPrefix prefix =
            match segments with
            | [||]
            | [| _ |] -> None
            | _ when segments.[0] = prefix -> Some segments.[1]
            | _ -> None

        let cloudName =
            let host = uri.Host

            if host.EndsWith cloudSuffix && host.IndexOf '.' = host.Length - cloudSuffix.Length then
                Some(host.Substring(0, host.Length - cloudSuffix.Length))
            else
                None

        [ afterPrefix "u"; afterPrefix "user"; cloudName ]
        |> List.tryPick (Option.bind (Username.create >> Result.toOption))

/// The validated input of a credentials value, before defaults and derivation.
type CredentialsInput =
    { Username: string option
      ApiKey: string option
      BaseUrl: string option
      AllowNonSecure: bool }

    static member Empty =
        { Username = None
          ApiKey = None
          BaseUrl = None
          AllowNonSecure = false }

/// A CARTO account's credentials (SPEC §1): valid by construction, compared on all four fields.
/// The text form masks the key, so printing a value never reveals it.
[<StructuredFormatDisplay("{Text}")>]
type Credentials =
    private
        { username: Username option
          apiKey: ApiKey
          baseUrl: BaseUrl
          allowNonSecure: bool }

    member this.Username = this.username
    member this.ApiKey = this.apiKey
    member this.BaseUrl = this.baseUrl
    member this.AllowNonSecure = this.allowNonSecure

    /// `Credentials(username=U, api_key=K, base_url=B)` with the key masked.
    member this.Text =
        let user =
            match this.username with
            | Some u -> Username.value u
            | None -> "None"

        "Credentials(username=" + user + ", api_key=" + (ApiKey.mask this.apiKey) + ", base_url=" + (BaseUrl.value this.baseUrl) + ")"

    override this.ToString() = this.Text

[<RequireQualifiedAccess>]
module Credentials =

    let private optional (create: string -> Result<'T, ValueError>) (text: string option) =
        match Input.givenOption text with
        | None -> Ok None
        | Some t -> create t |> Result.map Some

    let private errors (result: Result<_, ValueError>) =
        match result with
        | Ok _ -> []
        | Error e -> [ e ]

    let private build username apiKey baseUrl allowNonSecure =
        { username = username
          apiKey = apiKey
          baseUrl = baseUrl
          allowNonSecure = allowNonSecure }

    /// Validates every field and applies SPEC §1's defaults: the key defaults to
    /// `default_public`, a missing base URL is built from the username, a missing username is
    /// derived from the base URL. Reports every invalid field at once.
    let create (input: CredentialsInput) : Result<Credentials, ValueError list> =
        let username = optional Username.create input.Username
        let apiKey = optional ApiKey.create input.ApiKey
        let baseUrl = optional (BaseUrl.create input.AllowNonSecure) input.BaseUrl

        match username, apiKey, baseUrl with
        | Ok None, Ok _, Ok None -> Error [ ValueError.UsernameOrBaseUrlMissing ]
        | Ok user, Ok key, Ok url ->
            let url = url |> Option.defaultWith (fun () -> BaseUrl.ofUsername user.Value)
            let user = user |> Option.orElseWith (fun () -> BaseUrl.username url)
            Ok(build user (Option.defaultValue ApiKey.defaultPublic key) url input.AllowNonSecure)
        | _ -> Error(errors username @ errors apiKey @ errors baseUrl)

    /// The same credentials with another API key.
    let withApiKey (key: string) (credentials: Credentials) : Result<Credentials, ValueError> =
        ApiKey.create key |> Result.map (fun k -> { credentials with apiKey = k })

    /// The same credentials with another username; the base URL is left as it is.
    let withUsername (username: string) (credentials: Credentials) : Result<Credentials, ValueError> =
        Username.create username
        |> Result.map (fun u -> { credentials with username = Some u })

    /// The same credentials with another base URL; the username is left as it is.
    let withBaseUrl (baseUrl: string) (credentials: Credentials) : Result<Credentials, ValueError> =
        BaseUrl.create credentials.allowNonSecure baseUrl
        |> Result.map (fun u -> { credentials with baseUrl = u })

    /// CARTOframes' `set`: omitted (`None`) fields keep their values; a new username without a
    /// new base URL rebuilds the base URL from the username. Nothing changes unless all are valid.
    let update
        (apiKey: string option)
        (username: string option)
        (baseUrl: string option)
        (credentials: Credentials)
        : Result<Credentials, ValueError list> =
        let newKey = optional ApiKey.create apiKey
        let newUser = optional Username.create username
        let newUrl = optional (BaseUrl.create credentials.allowNonSecure) baseUrl

        match newKey, newUser, newUrl with
        | Ok key, Ok user, Ok url ->
            let url =
                match url, user with
                | Some u, _ -> u
                | None, Some u -> BaseUrl.ofUsername u
                | None, None -> credentials.baseUrl

            Ok
                { credentials with
                    apiKey = Option.defaultValue credentials.apiKey key
                    username = Option.orElse credentials.username user
                    baseUrl = url }
        | _ -> Error(errors newKey @ errors newUser @ errors newUrl)

    /// The raw input that recreates these credentials.
    let toInput (credentials: Credentials) : CredentialsInput =
        { Username = credentials.username |> Option.map Username.value
          ApiKey = Some(ApiKey.value credentials.apiKey)
          BaseUrl = Some(BaseUrl.value credentials.baseUrl)
          AllowNonSecure = credentials.allowNonSecure }
