namespace CartoCreds.Core

open System
open System.Net
open System.Net.Sockets

/// An absolute `https` (or, when allowed, `http`) URL with a host, no user-info, query or
/// fragment; scheme and host lower-case, the default port and every trailing slash removed.
type BaseUrl = private BaseUrl of string

/// The pieces of a base URL, as the named steps of `BaseUrl.create` find them.
type private UrlParts = { Scheme: string; Authority: string; Host: string; Port: string; Path: string }

/// SPEC §1's base URL, checked by hand against the URL grammar (RFC 3986, restricted to what a
/// CARTO account needs) in named steps. It refuses what it does not know instead of rewriting it,
/// accepts only what `System.Uri` and Python's `urllib.parse` read the same way, and never puts
/// more of a refused URL in an error than its scheme and host.
[<RequireQualifiedAccess>]
module BaseUrl =

    let internal cloudSuffix = ".carto.com"
    let private maxHostLength = 253
    let private maxLabelLength = 63

    let private isAlpha (c: char) = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
    let private isDigit (c: char) = c >= '0' && c <= '9'
    let private isHex (c: char) = isDigit c || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
    let private isSchemeChar (c: char) = isAlpha c || isDigit c || c = '+' || c = '-' || c = '.'
    let private isLabelChar (c: char) = isAlpha c || isDigit c || c = '-' || c = '_'

    let private authorityEnd = [| '/'; '?'; '#' |]
    let private queryOrFragment = [| '?'; '#' |]

    let private isPathChar (c: char) = isAlpha c || isDigit c || "-._~!$&'()*+,;=:@/".IndexOf c >= 0

    /// Whether the text is made of `allowed` characters and well-formed `%XX` escapes.
    let private allValid (allowed: char -> bool) (text: string) =
        let mutable i = 0
        let mutable ok = true

        while ok && i < text.Length do
            if text[i] = '%' then
                ok <- i + 2 < text.Length && isHex text[i + 1] && isHex text[i + 2]
                i <- i + 3
            else
                ok <- allowed text[i]
                i <- i + 1

        ok

    /// Step 1, the scheme: `https`, or `http` when non-secure URLs are allowed.
    let private scheme (url: string) : Result<string * string, ValueError> =
        let separator = url.IndexOf("://", StringComparison.Ordinal)

        if separator < 1 || not (isAlpha url[0]) || not (forallSpan isSchemeChar (url.AsSpan(0, separator))) then
            Error ValueError.BaseUrlNotAbsolute
        else
            match url.Substring(0, separator).ToLowerInvariant() with
            | "https"
            | "http" as scheme -> Ok(scheme, url.Substring(separator + 3))
            | other -> Error(ValueError.BaseUrlScheme(Refused.show other))

    /// Step 2, the authority: up to the path, query or fragment; user-info is refused.
    let private authority (afterScheme: string) : Result<string * string, ValueError> =
        let finish =
            match afterScheme.IndexOfAny authorityEnd with
            | -1 -> afterScheme.Length
            | n -> n

        let authority = afterScheme.Substring(0, finish)

        if authority.Contains '@' then
            Error ValueError.BaseUrlUserInfo
        else
            Ok(authority, afterScheme.Substring finish)

    /// Step 3, security: `http` only when allowed.
    let private secure (allowNonSecure: bool) (parts: UrlParts) : Result<unit, ValueError> =
        require (parts.Scheme = "https" || allowNonSecure) (fun () ->
            ValueError.BaseUrlInsecure(Refused.show (parts.Scheme + "://" + parts.Authority)))

    /// Splits the authority into host and port text (`[v6]:port`, `name:port`).
    let private hostAndPort (authority: string) : Result<string * string, ValueError> =
        if authority.StartsWith '[' then
            match authority.IndexOf ']' with
            | -1 -> Error(ValueError.BaseUrlHost(Refused.show authority))
            | close when close = authority.Length - 1 -> Ok(authority, "")
            | close when authority[close + 1] = ':' ->
                Ok(authority.Substring(0, close + 1), authority.Substring(close + 2))
            | _ -> Error(ValueError.BaseUrlHost(Refused.show authority))
        else
            match authority.LastIndexOf ':' with
            | -1 -> Ok(authority, "")
            | colon -> Ok(authority.Substring(0, colon), authority.Substring(colon + 1))

    /// Dotted-decimal IPv4, four parts of 0–255 without leading zeros.
    let private isIPv4 (host: string) =
        let parts = host.Split '.'

        parts.Length = 4
        && parts
           |> Array.forall (fun part ->
               part.Length >= 1
               && part.Length <= 3
               && forallChars isDigit part
               && (part.Length = 1 || part[0] <> '0')
               && int part <= 255)

    /// A name that URL parsers read as a number (`127.1`, `0x7f`): only dotted-decimal IPv4 is accepted.
    let private endsInNumber (last: ReadOnlySpan<char>) =
        forallSpan isDigit last
        || (last.Length >= 2 && last[0] = '0' && (last[1] = 'x' || last[1] = 'X') && forallSpan isHex (last.Slice 2))

    /// Labels of 1–63 label characters, no `-` at either end, not ending in a number; read in place.
    let private isDnsName (host: string) =
        let mutable ok = host.Length <= maxHostLength
        let mutable start = 0
        let mutable last = 0

        while ok && start <= host.Length do
            let dot =
                match host.IndexOf('.', start) with
                | -1 -> host.Length
                | d -> d

            let label = host.AsSpan(start, dot - start)

            ok <-
                label.Length >= 1
                && label.Length <= maxLabelLength
                && forallSpan isLabelChar label
                && label[0] <> '-'
                && label[label.Length - 1] <> '-'

            last <- start
            start <- dot + 1

        ok && not (endsInNumber (host.AsSpan last))

    /// Step 4, the host: a DNS name (labels of letters, digits, `_` and `-`, no `-` at either end,
    /// none empty), an IPv4 address or a bracketed IPv6 address; lower-cased.
    let private host (text: string) : Result<string, ValueError> =
        if text = "" then
            Error ValueError.BaseUrlNoHost
        elif text.StartsWith '[' then
            let inner = text.Substring(1, text.Length - 2)

            match IPAddress.TryParse inner with
            | true, address when address.AddressFamily = AddressFamily.InterNetworkV6 && not (inner.Contains '%') ->
                Ok("[" + address.ToString() + "]")
            | _ -> Error(ValueError.BaseUrlHost(Refused.show text))
        // Digits and dots are an IPv4 address or nothing: as a name, it would end in a number.
        elif
            (if forallChars (fun c -> isDigit c || c = '.') text then
                 isIPv4 text
             else
                 isDnsName text)
        then
            Ok(text.ToLowerInvariant())
        else
            Error(ValueError.BaseUrlHost(Refused.show text))

    /// Step 5, the port: 1–65535; the scheme's default port is dropped.
    let private port (scheme: string) (text: string) : Result<string, ValueError> =
        if text = "" then
            Ok ""
        elif text.Length > 5 || not (forallChars isDigit text) || int text < 1 || int text > 65535 then
            Error(ValueError.BaseUrlPort(Refused.show text))
        elif int text = (if scheme = "https" then 443 else 80) then
            Ok ""
        else
            Ok(":" + string (int text))

    /// Step 6, the path: no query or fragment, only path characters and `%XX` escapes.
    let private path (text: string) : Result<string, ValueError> =
        match text.IndexOfAny queryOrFragment with
        | n when n >= 0 && text[n] = '?' -> Error ValueError.BaseUrlQuery
        | n when n >= 0 -> Error ValueError.BaseUrlFragment
        | _ when not (allValid isPathChar text) -> Error ValueError.BaseUrlPath
        | _ -> Ok(text.TrimEnd '/')

    /// <summary>Validates and normalizes a base URL (trimmed first).</summary>
    /// <example>
    /// <code>
    /// BaseUrl.create false "https://JohnSmith.carto.com/" // Ok https://johnsmith.carto.com
    /// BaseUrl.create false "http://a.carto.com"          // Error (BaseUrlInsecure (Some "http://a.carto.com"))
    /// </code>
    /// </example>
    let create (allowNonSecure: bool) (text: string) : Result<BaseUrl, ValueError> =
        match Input.given text with
        | None -> Error(ValueError.Empty Field.BaseUrl)
        | Some url ->
            result {
                let! scheme, afterScheme = scheme url
                let! authority, rest = authority afterScheme
                let! hostText, portText = hostAndPort authority

                let parts =
                    { Scheme = scheme
                      Authority = authority
                      Host = hostText
                      Port = portText
                      Path = rest }

                do! secure allowNonSecure parts
                let! host = host parts.Host
                let! port = port parts.Scheme parts.Port
                let! path = path parts.Path
                return BaseUrl(parts.Scheme + "://" + host + port + path)
            }

    /// `https://{username}.carto.com`, the cloud account of a username.
    let ofUsername (username: Username) : BaseUrl =
        BaseUrl("https://" + (Username.value username).ToLowerInvariant() + cloudSuffix)

    let value (BaseUrl url) = url
