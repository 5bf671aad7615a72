namespace CartoCreds.Core

open System

/// An API that an API Access Token may call (SPEC §12).
[<RequireQualifiedAccess>]
type TokenApi =
    | Sql
    | Maps
    | Lds
    | Imports

/// What an API Access Token may read: a connection, and a table, a SQL query, `*` (everything on
/// the connection) or a wildcard pattern of tables.
type TokenGrant = { Connection: string; Source: string }

/// What a caller asks for, before the checks: the grants, the APIs, the referers and the expiry.
type ApiTokenInput =
    { Grants: TokenGrant list
      Apis: TokenApi list
      Referers: string list
      ExpiresOn: DateTimeOffset option }

/// Why a connection name is refused.
[<RequireQualifiedAccess>]
type ConnectionNameProblem =
    | Empty
    | TooLong of length: int
    | ControlCharacter

/// Why a grant's source is refused.
[<RequireQualifiedAccess>]
type SourceProblem =
    | Empty
    /// A control character other than a query's tab, line feed or carriage return.
    | ControlCharacter
    /// A wildcard pattern with fewer than two named segments before its first `*`.
    | BroadWildcard of pattern: string

/// Why a referer is refused: each is an origin, `https://host[:port]`.
[<RequireQualifiedAccess>]
type RefererProblem =
    | NotAnOrigin
    | HttpNotLoopback
    | HasPath
    | HasQuery
    | HasUserInfo

/// Why a request for an API Access Token is refused before anything is sent, naming the field
/// (a grant's and a referer's position counts from 1).
[<RequireQualifiedAccess>]
type ApiTokenProblem =
    | NoGrants
    | ConnectionName of grant: int * ConnectionNameProblem
    | Source of grant: int * SourceProblem
    | NoApis
    /// `imports` asked for with another API.
    | ImportsNotAlone
    | Referer of position: int * shown: string * RefererProblem
    | ExpiryPast of DateTimeOffset

/// Why a command-line option of `cloud tokens create` cannot be read (a usage error: nothing is
/// sent): the option, and what it was given, terminal-safe.
[<RequireQualifiedAccess>]
type TokenOptionError =
    /// `--grant` without `=`, or with nothing before it.
    | GrantSyntax of shown: string
    /// `--api` naming no API CARTO has.
    | UnknownApi of shown: string
    /// `--expires` that is neither ISO 8601 nor a count of `m`, `h` or `d`.
    | ExpirySyntax of shown: string

/// Why a call to the Tokens API failed (SPEC §12): credentials that cannot manage tokens, a service
/// URL that is invalid, or what CARTO answered.
[<RequireQualifiedAccess>]
type TokensCallError =
    /// The credentials are an API Access Token, which cannot create, list or delete tokens;
    /// nothing was sent.
    | ApiAccessTokenCredentials
    /// The token server's URL is invalid (client credentials); nothing was sent.
    | Service of ServiceUrlError
    /// CARTO (or its token server) answered with a failure, or could not be reached.
    | Call of VerifyError

/// The options of `cloud tokens create` as typed, each named as its option: every `--grant`,
/// `--api`, every `--referer`, and `--expires` when given.
type TokenOptions =
    { Grant: string list
      Api: string
      Referer: string list
      Expires: string option }

/// A request that passed SPEC §12's checks: what is sent to `POST /v3/tokens`, and what the token
/// created is for (its referers normalized, its APIs each once, in the order asked).
type ApiTokenRequest = private { Request: ApiTokenInput }

/// An API Access Token: the value, and what it may do. Its text form masks the value.
type ApiToken =
    { Value: string
      Grants: TokenGrant list
      Apis: TokenApi list
      Referers: string list
      ExpiresOn: DateTimeOffset option }

    override this.ToString() = "ApiToken(" + Secret.mask this.Value + ")"

/// SPEC §12 in the pure core: the checks of a request, its body, and the Tokens API's replies read.
[<RequireQualifiedAccess>]
module ApiTokens =

    /// The longest connection name CARTO keeps.
    [<Literal>]
    let MaxConnectionName = 128

    /// An API's name in the Tokens API.
    let apiName (api: TokenApi) : string =
        match api with
        | TokenApi.Sql -> "sql"
        | TokenApi.Maps -> "maps"
        | TokenApi.Lds -> "lds"
        | TokenApi.Imports -> "imports"

    /// An API by its name (`sql`, `maps`, `lds`, `imports`, in any case).
    let apiOf (name: string) : TokenApi option =
        match (if isNull name then "" else name.Trim().ToLowerInvariant()) with
        | "sql" -> Some TokenApi.Sql
        | "maps" -> Some TokenApi.Maps
        | "lds" -> Some TokenApi.Lds
        | "imports" -> Some TokenApi.Imports
        | _ -> None

    /// `--grant CONNECTION=SOURCE`: split at the first `=` (a query may hold more).
    let grantOption (text: string) : Result<TokenGrant, TokenOptionError> =
        let text = if isNull text then "" else text

        match text.IndexOf '=' with
        | at when at > 0 ->
            Ok
                { Connection = text.Substring(0, at).Trim()
                  Source = text.Substring(at + 1).Trim() }
        | _ -> Error(TokenOptionError.GrantSyntax(Refused.terminalSafe text))

    /// `--api sql,maps`: the APIs named, comma-separated, in any case.
    let apisOption (text: string) : Result<TokenApi list, TokenOptionError> =
        let names =
            (if isNull text then "" else text)
                .Split(',', StringSplitOptions.TrimEntries ||| StringSplitOptions.RemoveEmptyEntries)
            |> List.ofArray

        let rec read acc names =
            match names with
            | [] -> Ok(List.rev acc)
            | name :: rest ->
                match apiOf name with
                | Some api -> read (api :: acc) rest
                | None -> Error(TokenOptionError.UnknownApi(Refused.terminalSafe name))

        read [] names

    /// `--expires`: an instant in ISO 8601, or a time from `now` as a whole count of minutes,
    /// hours or days (`30m`, `12h`, `7d`).
    let expiresOption (now: DateTimeOffset) (text: string) : Result<DateTimeOffset, TokenOptionError> =
        let text = if isNull text then "" else text.Trim()
        let refused () = Error(TokenOptionError.ExpirySyntax(Refused.terminalSafe text))

        let count (unit: char) =
            match
                Int32.TryParse(
                    text.AsSpan(0, text.Length - 1),
                    Globalization.NumberStyles.None,
                    Globalization.CultureInfo.InvariantCulture
                )
            with
            | true, n when n > 0 ->
                match unit with
                | 'm' -> Ok(now.AddMinutes(float n))
                | 'h' -> Ok(now.AddHours(float n))
                | _ -> Ok(now.AddDays(float n))
            | _ -> refused ()

        match text with
        | "" -> refused ()
        | _ when "mhd".Contains text[text.Length - 1] && text.Length > 1 -> count text[text.Length - 1]
        | _ when text.Contains 'T' ->
            match Decode.isoInstant text with
            | Some at -> Ok at
            | None -> refused ()
        | _ -> refused ()

    /// `cloud tokens create`'s options read at `now`: the request they ask for, or the first
    /// malformed option (a usage error).
    let options (now: DateTimeOffset) (typed: TokenOptions) : Result<ApiTokenInput, TokenOptionError> =
        let rec all (read: string -> Result<'T, TokenOptionError>) (items: string list) =
            match items with
            | [] -> Ok []
            | item :: rest ->
                match read item, all read rest with
                | Ok one, Ok others -> Ok(one :: others)
                | Error e, _
                | _, Error e -> Error e

        let expiry =
            match typed.Expires with
            | Some text -> expiresOption now text |> Result.map Some
            | None -> Ok None

        match all grantOption typed.Grant, apisOption typed.Api, expiry with
        | Ok grants, Ok apis, Ok expiresOn ->
            Ok
                { Grants = grants
                  Apis = apis
                  Referers = typed.Referer
                  ExpiresOn = expiresOn }
        | Error e, _, _
        | _, Error e, _
        | _, _, Error e -> Error e

    let private connectionProblem (name: string) : ConnectionNameProblem option =
        if String.IsNullOrEmpty name then
            Some ConnectionNameProblem.Empty
        elif name.Length > MaxConnectionName then
            Some(ConnectionNameProblem.TooLong name.Length)
        elif name |> Seq.exists Char.IsControl then
            Some ConnectionNameProblem.ControlCharacter
        else
            None

    /// A wildcard pattern names at least two segments before its first `*`: `project.dataset.*`,
    /// not `project.*`, `CARTO_*`, `table*`, `.*` or `**`.
    let private narrowWildcard (pattern: string) =
        let segments = pattern.Substring(0, pattern.IndexOf '*').Split '.'
        let named = segments[.. segments.Length - 2]
        named.Length >= 2 && named |> Array.forall (fun s -> s <> "")

    let private sourceProblem (source: string) : SourceProblem option =
        let queryWhitespace (c: char) = c = '\t' || c = '\n' || c = '\r'

        if String.IsNullOrEmpty source then
            Some SourceProblem.Empty
        elif source |> Seq.exists Char.IsWhiteSpace then
            // A SQL query: its lines may break, nothing else may be a control character.
            if source |> Seq.exists (fun c -> Char.IsControl c && not (queryWhitespace c)) then
                Some SourceProblem.ControlCharacter
            else
                None
        elif source |> Seq.exists Char.IsControl then
            Some SourceProblem.ControlCharacter
        elif source = "*" || not (source.Contains '*') || narrowWildcard source then
            None
        else
            Some(SourceProblem.BroadWildcard(Refused.terminalSafe source))

    /// A referer as an origin (`scheme://host[:port]`, the trailing `/` removed), or why not.
    let referer (text: string) : Result<string, RefererProblem> =
        let trimmed = if isNull text then "" else text.Trim()

        let bare =
            if trimmed.EndsWith '/' then
                trimmed.Substring(0, trimmed.Length - 1)
            else
                trimmed

        match Uri.TryCreate(bare, UriKind.Absolute) with
        | true, uri when uri.Scheme = Uri.UriSchemeHttps || uri.Scheme = Uri.UriSchemeHttp ->
            let afterScheme = bare.IndexOf("://", StringComparison.Ordinal) + 3

            if uri.UserInfo <> "" then
                Error RefererProblem.HasUserInfo
            elif bare.IndexOfAny([| '?'; '#' |], afterScheme) >= 0 then
                Error RefererProblem.HasQuery
            elif bare.IndexOf('/', afterScheme) >= 0 then
                Error RefererProblem.HasPath
            elif uri.Scheme = Uri.UriSchemeHttp && not (ApiBaseUrl.isLoopback uri.Host) then
                Error RefererProblem.HttpNotLoopback
            else
                Ok(uri.GetLeftPart UriPartial.Authority)
        | _ -> Error RefererProblem.NotAnOrigin

    /// SPEC §12's checks at `now`: every problem, each naming its field; or the request, its
    /// referers normalized and its APIs each once.
    let request (now: DateTimeOffset) (input: ApiTokenInput) : Result<ApiTokenRequest, ApiTokenProblem list> =
        let grants = input.Grants |> List.indexed

        let problems =
            [ if input.Grants.IsEmpty then
                  ApiTokenProblem.NoGrants
              for i, grant in grants do
                  match connectionProblem grant.Connection with
                  | Some p -> ApiTokenProblem.ConnectionName(i + 1, p)
                  | None -> ()

                  match sourceProblem grant.Source with
                  | Some p -> ApiTokenProblem.Source(i + 1, p)
                  | None -> ()
              if input.Apis.IsEmpty then
                  ApiTokenProblem.NoApis
              elif List.contains TokenApi.Imports input.Apis && List.exists ((<>) TokenApi.Imports) input.Apis then
                  ApiTokenProblem.ImportsNotAlone
              for i, text in List.indexed input.Referers do
                  match referer text with
                  // Shown as every refused URL is: up to its path or user-info, which may hold a password.
                  | Error p ->
                      let shown = Refused.show (if isNull text then "" else text) |> Option.defaultValue "…"
                      ApiTokenProblem.Referer(i + 1, shown, p)
                  | Ok _ -> ()
              match input.ExpiresOn with
              | Some at when not (DateTimeOffset.op_LessThan (now, at)) -> ApiTokenProblem.ExpiryPast at
              | _ -> () ]

        if problems.IsEmpty then
            Ok
                { Request =
                    { input with
                        Apis = List.distinct input.Apis
                        Referers =
                            input.Referers
                            |> List.choose (fun text ->
                                match referer text with
                                | Ok origin -> Some origin
                                | Error _ -> None)
                            |> List.distinct } }
        else
            Error problems

    /// A checked request, expiring at `at` instead (a broker's next token).
    let expiring (at: DateTimeOffset) (request: ApiTokenRequest) : ApiTokenRequest =
        { Request = { request.Request with ExpiresOn = Some at } }

    /// What a checked request asks for.
    let input (request: ApiTokenRequest) : ApiTokenInput = request.Request

    /// `POST /v3/tokens`' body: the grants and APIs, and the referers and expiry when given.
    let body (request: ApiTokenRequest) : byte[] =
        let asked = request.Request

        Encode.object
            [ "grants",
              asked.Grants
              |> List.map (fun g ->
                  Encode.object [ "connection_name", Encode.string g.Connection; "source", Encode.string g.Source ])
              |> Encode.list
              "allowed_apis", asked.Apis |> List.map (apiName >> Encode.string) |> Encode.list
              if not asked.Referers.IsEmpty then
                  "referers", asked.Referers |> List.map Encode.string |> Encode.list
              match asked.ExpiresOn with
              | Some at -> "expiration_date", Encode.utcSecond at
              | None -> () ]
        |> Encode.toBytes JsonStyle.Compact

    /// The request's canonical form, for a shared cache's key: the same for the same request
    /// however its lists were ordered.
    let canonical (request: ApiTokenRequest) : string =
        let asked = request.Request

        let grants =
            asked.Grants
            |> List.map (fun g -> Encode.object [ "c", Encode.string g.Connection; "s", Encode.string g.Source ])

        Encode.object
            [ "grants", grants |> List.sortBy (Encode.toText JsonStyle.Compact) |> Encode.list
              "apis", asked.Apis |> List.map apiName |> List.sort |> List.map Encode.string |> Encode.list
              "referers", asked.Referers |> List.sort |> List.map Encode.string |> Encode.list ]
        |> Encode.toText JsonStyle.Compact

    /// The token `POST /v3/tokens` answered, for what the request asked (SPEC §12: a created
    /// token's grants, APIs, referers and expiry are those of the request).
    let created (request: ApiTokenRequest) (reply: ReadOnlyMemory<byte>) : Result<ApiToken, DecodeError> =
        let asked = request.Request

        Decode.fromBytes (Decode.optionalField "token" Decode.string) reply
        |> Result.bind (fun token ->
            match token |> Option.bind Input.given with
            | Some value ->
                Ok
                    { Value = value
                      Grants = asked.Grants
                      Apis = asked.Apis
                      Referers = asked.Referers
                      ExpiresOn = asked.ExpiresOn }
            | None -> Error(DecodeError.BadField("$.token", "the new token", "none")))

    let private grant: Decoder<TokenGrant option> =
        fun value ->
            match
                Decode.optionalField "connection_name" Decode.string value,
                Decode.optionalField "source" Decode.string value
            with
            | Ok(Some connection), Ok(Some source) -> Ok(Some { Connection = connection; Source = source })
            | _ -> Ok None

    /// An array, each item decoded; `null` as none.
    let private listOf (decoder: Decoder<'T>) : Decoder<'T list> =
        let rec collect acc items =
            match items with
            | [] -> Ok(List.rev acc)
            | item :: rest ->
                match decoder item with
                | Ok value -> collect (value :: acc) rest
                | Error e -> Error e

        fun value ->
            match value with
            | Json.Array items -> collect [] (List.ofArray items)
            | Json.Null -> Ok []
            | other -> Error(DecodeError.BadField("", "an array", Json.kind other))

    let private token: Decoder<ApiToken option> =
        fun value ->
            match Decode.optionalField "token" Decode.string value with
            | Ok(Some text) ->
                let field name decoder = Decode.optionalField name decoder value |> Result.map (Option.defaultValue [])

                let grants = field "grants" (listOf grant) |> Result.map (List.choose id)
                let apis = field "allowed_apis" (listOf Decode.string) |> Result.map (List.choose apiOf)
                let referers = field "referers" (listOf Decode.string)

                let expires =
                    Decode.optionalNullableField "expiration_date" Decode.string value
                    |> Result.map (Option.bind Decode.isoInstant)

                match grants, apis, referers, expires with
                | Ok grants, Ok apis, Ok referers, Ok expires ->
                    Ok(
                        Some
                            { Value = text
                              Grants = grants
                              Apis = apis
                              Referers = referers
                              ExpiresOn = expires }
                    )
                | _ -> Ok None
            | _ -> Ok None

    /// `GET /v3/tokens`' reply: an array of token objects, or an object whose `data` or `results`
    /// is one. An object without a `token` is passed over; other fields are ignored.
    let listed (reply: ReadOnlyMemory<byte>) : Result<ApiToken list, DecodeError> =
        let tokens = listOf token >> Result.map (List.choose id)

        Decode.fromBytes
            (fun root ->
                match root with
                | Json.Array _ -> tokens root
                | Json.Object _ ->
                    match Decode.child "data" root, Decode.child "results" root with
                    | (Json.Array _ as items), _
                    | _, (Json.Array _ as items) -> tokens items
                    | _ ->
                        Error(
                            DecodeError.BadField(
                                "",
                                "an array of tokens, or data or results",
                                "an object without them"
                            )
                        )
                | other -> Error(DecodeError.BadField("", "an array of tokens", Json.kind other)))
            reply

    /// Whether a token is an API Access Token (SPEC §12): a JWT whose payload has only `a` and
    /// `jti`, and `exp` when it expires. It cannot create others.
    let isApiAccessToken (token: string) : bool =
        match Jwt.payloadNames token with
        | Some names ->
            let names = set names
            names.Contains "a" && names.Contains "jti" && Set.isSubset names (set [ "a"; "jti"; "exp" ])
        | None -> false
