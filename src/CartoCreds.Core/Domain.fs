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
    let given (text: string) : string option = if String.IsNullOrWhiteSpace text then None else Some(text.Trim())

    /// `given` over an optional input.
    let givenOption (text: string option) : string option = Option.bind given text

/// A CARTO username: 1–63 characters of `A–Z a–z 0–9 _ -`, not starting or ending with `-`.
type Username = private Username of string

[<RequireQualifiedAccess>]
module Username =

    let private maxLength = 63

    let private isAllowed (c: char) =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c = '_' || c = '-'

    /// The first character that is not allowed, if any.
    let private firstDisallowed (name: string) =
        let mutable i = 0

        while i < name.Length && isAllowed name[i] do
            i <- i + 1

        if i < name.Length then ValueSome name[i] else ValueNone

    /// Validates a username (trimmed first).
    let create (text: string) : Result<Username, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.Username)
        | Some name when name.Length > maxLength -> Error(ValueError.UsernameTooLong name)
        | Some name ->
            match firstDisallowed name with
            | ValueSome c -> Error(ValueError.UsernameCharacter(name, c))
            | ValueNone when name[0] = '-' || name[name.Length - 1] = '-' -> Error(ValueError.UsernameHyphenAtEdge name)
            | ValueNone -> Ok(Username name)

    let value (Username name) = name

/// A CARTO API key. Never shown whole except where the user asks for it.
type ApiKey = private ApiKey of string

[<RequireQualifiedAccess>]
module ApiKey =

    /// The public key: read-only access to public data.
    [<Literal>]
    let DefaultPublicText = "default_public"

    let defaultPublic = ApiKey DefaultPublicText

    let private hasWhitespaceOrControl (key: string) =
        let mutable found = false
        let mutable i = 0

        while not found && i < key.Length do
            found <- Char.IsWhiteSpace key[i] || Char.IsControl key[i]
            i <- i + 1

        found

    /// Validates an API key (trimmed first): no whitespace or control characters inside.
    let create (text: string) : Result<ApiKey, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.ApiKey)
        | Some key when hasWhitespaceOrControl key -> Error ValueError.ApiKeyCharacter
        | Some key -> Ok(ApiKey key)

    let value (ApiKey key) = key

    /// `default_public` as is; 12 or more characters: `****` and the last 4; shorter: `****`.
    let mask (ApiKey key) : string =
        if key = DefaultPublicText then key
        elif key.Length >= 12 then "****" + key.Substring(key.Length - 4)
        else "****"

/// An absolute `https` (or, when allowed, `http`) URL with a host, no user-info, query or
/// fragment; scheme and host lower-case, the default port and every trailing slash removed.
type BaseUrl = private BaseUrl of string

/// The grammar of a base URL (RFC 3986, restricted to what SPEC §1 allows), checked by hand: it
/// refuses what it does not know instead of rewriting it, and costs a fraction of System.Uri.
module private UrlSyntax =

    let isAlpha (c: char) = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
    let isDigit (c: char) = c >= '0' && c <= '9'
    let isHex (c: char) = isDigit c || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
    let isUnreserved (c: char) = isAlpha c || isDigit c || c = '-' || c = '.' || c = '_' || c = '~'
    let isSubDelim (c: char) = "!$&'()*+,;=".IndexOf c >= 0
    let isSchemeChar (c: char) = isAlpha c || isDigit c || c = '+' || c = '-' || c = '.'

    /// Whether `text[start..finish)` is made of `allowed` characters and well-formed `%XX` escapes.
    let allValid (allowed: char -> bool) (text: string) (start: int) (finish: int) =
        let mutable i = start
        let mutable ok = true

        while ok && i < finish do
            if text[i] = '%' then
                ok <- i + 2 < finish && isHex text[i + 1] && isHex text[i + 2]
                i <- i + 3
            else
                ok <- allowed text[i]
                i <- i + 1

        ok

    let isHostChar (c: char) = isUnreserved c || isSubDelim c
    let isPathChar (c: char) = isUnreserved c || isSubDelim c || c = ':' || c = '@' || c = '/'
    let isIpLiteralChar (c: char) = isHex c || c = ':' || c = '.'

[<RequireQualifiedAccess>]
module BaseUrl =

    open UrlSyntax

    let private cloudSuffix = ".carto.com"
    let private authorityEnds = Buffers.SearchValues.Create "/?#"
    let private queryOrFragment = Buffers.SearchValues.Create "?#"

    let private hasUpper (text: ReadOnlySpan<char>) = text.IndexOfAnyInRange('A', 'Z') >= 0

    /// Where the host ends in `authority` (the rest is `:port`), or -1 when malformed.
    let private hostLength (authority: ReadOnlySpan<char>) =
        if authority.Length > 0 && authority[0] = '[' then
            match authority.IndexOf ']' with
            | -1 -> -1
            | close when close = authority.Length - 1 || authority[close + 1] = ':' -> close + 1
            | _ -> -1
        else
            match authority.LastIndexOf ':' with
            | -1 -> authority.Length
            | colon -> colon

    let private validHost (host: string) =
        if host.StartsWith '[' then
            host.EndsWith ']' && host.Length > 2 && allValid isIpLiteralChar host 1 (host.Length - 1)
        else
            allValid isHostChar host 0 host.Length

    /// The port to keep: "" for none or the scheme's default; None when malformed.
    let private portToKeep (https: bool) (port: string) =
        if port = "" then
            Some ""
        elif port.Length > 5 || not (allValid isDigit port 0 port.Length) || int port > 65535 then
            None
        elif int port = (if https then 443 else 80) then
            Some ""
        else
            Some(":" + string (int port))

    /// Validates and normalizes a base URL (trimmed first).
    let create (allowNonSecure: bool) (text: string) : Result<BaseUrl, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.BaseUrl)
        | Some url ->
            let separator = url.IndexOf("://", StringComparison.Ordinal)

            if separator < 1 || not (isAlpha url[0]) || not (allValid isSchemeChar url 0 separator) then
                Error(ValueError.BaseUrlNotAbsolute url)
            else
                let span = url.AsSpan()
                let scheme = span.Slice(0, separator)
                let https = scheme.Equals("https", StringComparison.OrdinalIgnoreCase)
                let http = not https && scheme.Equals("http", StringComparison.OrdinalIgnoreCase)
                let authorityStart = separator + 3
                let rest = span.Slice authorityStart

                let authorityLength =
                    match rest.IndexOfAny authorityEnds with
                    | -1 -> rest.Length
                    | n -> n

                let authority = rest.Slice(0, authorityLength)
                let extras = rest.IndexOfAny queryOrFragment

                if not https && not http then
                    Error(ValueError.BaseUrlScheme(url, scheme.ToString()))
                elif http && not allowNonSecure then
                    Error(ValueError.BaseUrlInsecure url)
                elif authority.Contains '@' then
                    Error ValueError.BaseUrlUserInfo
                elif extras >= 0 && rest[extras] = '?' then
                    Error ValueError.BaseUrlQuery
                elif extras >= 0 then
                    Error ValueError.BaseUrlFragment
                else
                    let hostEnd = hostLength authority
                    let host = if hostEnd < 0 then "" else authority.Slice(0, hostEnd).ToString()

                    let port =
                        if hostEnd < 0 || hostEnd = authority.Length then
                            ""
                        else
                            authority.Slice(hostEnd + 1).ToString()

                    let path = rest.Slice(authorityLength)

                    match portToKeep https port with
                    | _ when hostEnd = 0 -> Error(ValueError.BaseUrlNoHost url)
                    | Some keptPort when
                        hostEnd > 0
                        && validHost host
                        && allValid isPathChar url (authorityStart + authorityLength) url.Length
                        ->
                        let trimmed = path.TrimEnd '/'

                        let canonical =
                            scheme.SequenceEqual(if https then "https" else "http")
                            && not (hasUpper (host.AsSpan()))
                            && keptPort.Length = authority.Length - hostEnd
                            && trimmed.Length = path.Length

                        if canonical then
                            Ok(BaseUrl url) // already normalized: keep the string as it is
                        else
                            let lower = if hasUpper (host.AsSpan()) then host.ToLowerInvariant() else host

                            Ok(
                                BaseUrl(
                                    String.Concat(
                                        (if https then "https://" else "http://"),
                                        lower,
                                        keptPort,
                                        trimmed.ToString()
                                    )
                                )
                            )
                    | _ -> Error(ValueError.BaseUrlNotAbsolute url)

    /// `https://{username}.carto.com`, the cloud account of a username.
    let ofUsername (username: Username) : BaseUrl =
        BaseUrl("https://" + (Username.value username).ToLowerInvariant() + cloudSuffix)

    let value (BaseUrl url) = url

    /// The username a base URL names, first match wins: `/u/{name}` (organization),
    /// `/user/{name}` (on-premises), `{name}.carto.com` (cloud); otherwise none.
    let username (BaseUrl url) : Username option =
        let hostStart = url.IndexOf("://", StringComparison.Ordinal) + 3

        let pathStart =
            match url.IndexOf('/', hostStart) with
            | -1 -> url.Length
            | i -> i

        let afterPrefix (prefix: string) =
            if String.CompareOrdinal(url, pathStart, prefix, 0, prefix.Length) = 0 then
                let start = pathStart + prefix.Length

                let finish =
                    match url.IndexOf('/', start) with
                    | -1 -> url.Length
                    | i -> i

                Some(url.Substring(start, finish - start))
            else
                None

        let cloudName () =
            let host = url.AsSpan(hostStart, pathStart - hostStart)

            let host =
                match host.LastIndexOf ':' with
                | -1 -> host
                | i -> host.Slice(0, i)

            if
                host.EndsWith(cloudSuffix, StringComparison.Ordinal)
                && host.IndexOf '.' = host.Length - cloudSuffix.Length
            then
                Some(host.Slice(0, host.Length - cloudSuffix.Length).ToString())
            else
                None

        let valid = Option.bind (Username.create >> Result.toOption)

        valid (afterPrefix "/u/")
        |> Option.orElseWith (fun () -> valid (afterPrefix "/user/"))
        |> Option.orElseWith (cloudName >> valid)

/// The validated input of a credentials value, before defaults and derivation.
type CredentialsInput =
    { Username: string option
      ApiKey: string option
      BaseUrl: string option
      AllowNonSecure: bool }

    static member Empty = { Username = None; ApiKey = None; BaseUrl = None; AllowNonSecure = false }

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

        "Credentials(username="
        + user
        + ", api_key="
        + (ApiKey.mask this.apiKey)
        + ", base_url="
        + (BaseUrl.value this.baseUrl)
        + ")"

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

    /// <summary>
    /// Validates every field and applies SPEC §1's defaults: the key defaults to
    /// <c>default_public</c>, a missing base URL is built from the username, a missing username is
    /// derived from the base URL. Reports every invalid field at once.
    /// </summary>
    /// <example>
    /// <code>
    /// Credentials.create { CredentialsInput.Empty with BaseUrl = Some "https://team.carto.com/u/ana" }
    /// // Ok: username ana, key default_public, base URL https://team.carto.com/u/ana
    /// </code>
    /// </example>
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
        Username.create username |> Result.map (fun u -> { credentials with username = Some u })

    /// The same credentials with another base URL; the username is left as it is.
    let withBaseUrl (baseUrl: string) (credentials: Credentials) : Result<Credentials, ValueError> =
        BaseUrl.create credentials.allowNonSecure baseUrl |> Result.map (fun u -> { credentials with baseUrl = u })

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
