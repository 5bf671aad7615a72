/// What `cartocreds` prints: pure functions from results to text.
module CartoCreds.Cli.Output

open System
open System.Text
open CartoCreds.Core

let private key (reveal: bool) (credentials: Credentials) =
    if reveal then
        ApiKey.value credentials.ApiKey
    else
        ApiKey.mask credentials.ApiKey

/// The file's fields as `show` prints them: name and value (the key masked unless revealed).
let fields (reveal: bool) (credentials: Credentials) : (string * Json) list =
    Codec.fields (key reveal credentials) credentials

/// The fields after the username (which a verification shows as the account's), the key masked.
let access (credentials: Credentials) : (string * Json) list = Codec.access (key false credentials) credentials

/// A value as a table's cell: text as it is, a flag as `true`/`false`, `None` for null.
let cell (value: Json) : string option =
    match value with
    | Json.String text -> Some text
    | Json.Bool flag -> Some(if flag then "true" else "false")
    | Json.Number raw -> Some raw
    | Json.Null
    | Json.Array _
    | Json.Object _ -> None

/// Rows of four cells, each column as wide as its widest cell.
let private columns (rows: (string * string * string * string) list) : string =
    let width pick = rows |> List.map (pick >> String.length) |> List.max

    let w1, w2, w3 =
        width (fun (a, _, _, _) -> a), width (fun (_, b, _, _) -> b), width (fun (_, _, c, _) -> c)

    rows
    |> List.map (fun (a, b, c, d) -> (a.PadRight w1 + "  " + b.PadRight w2 + "  " + c.PadRight w3 + "  " + d).TrimEnd())
    |> String.concat "\n"

/// A table in the spirit of `aws configure list`: one row a field, with the layer and where it looked.
let private tableOf (origin: Origin) (fields: (string * Json) list) : string =
    let layer = Layer.name origin.Layer
    let location = if origin.Where = "" then "-" else origin.Where

    ("NAME", "VALUE", "LAYER", "LOCATION")
    :: (fields |> List.map (fun (name, value) -> name, cell value |> Option.defaultValue "<none>", layer, location))
    |> columns

/// `show` as a table.
let table (reveal: bool) (resolved: Resolved<Credentials>) : string =
    tableOf resolved.Origin (fields reveal resolved.Credentials)

/// The origin as `--json` writes it.
let origin (origin: Origin) : Json =
    Encode.object
        [ "layer", Encode.string (Layer.id origin.Layer)
          "location", Encode.nullable Encode.string origin.Location
          "profile", Encode.nullable Encode.string origin.Profile ]

/// A command's JSON, indented as the files are (non-ASCII as is), without the final newline.
let private text (value: Json) = Encode.toText JsonStyle.Relaxed value

/// The same as `table`, as a JSON object: the file's fields and the origin.
let json (reveal: bool) (resolved: Resolved<Credentials>) : string =
    Encode.object (fields reveal resolved.Credentials @ [ "origin", origin resolved.Origin ]) |> text

/// The rows of `cloud show`: kind, API base URL, the grant (a secret masked unless revealed), expiry.
let cloudFields (reveal: bool) (credentials: CloudCredentials) : (string * Json) list =
    let secret (value: CloudText) = Encode.string (if reveal then CloudText.value value else CloudText.mask value)

    let grant =
        match credentials.Grant with
        | Grant.AccessToken(token, expires) ->
            [ "kind", Encode.string "access token"
              "token", secret token
              "expires_on",
              (match expires with
               | Some at -> Encode.utcSecond at
               | None -> Encode.string "unknown") ]
        | Grant.ClientCredentials(id, clientSecret) ->
            [ "kind", Encode.string "client credentials"
              "client_id", Encode.string (CloudText.value id)
              "client_secret", secret clientSecret ]

    grant @ [ "api_base_url", Encode.string (ApiBaseUrl.value credentials.ApiBaseUrl) ]

/// `cloud show` as a table: one row a field, with the layer and where it looked.
let cloudTable (reveal: bool) (resolved: Resolved<CloudCredentials>) : string =
    tableOf resolved.Origin (cloudFields reveal resolved.Credentials)

/// `cloud show --json`.
let cloudJson (reveal: bool) (resolved: Resolved<CloudCredentials>) : string =
    Encode.object (cloudFields reveal resolved.Credentials @ [ "origin", origin resolved.Origin ]) |> text

/// `cloud token --json` (SPEC §6): `{"access_token", "token_type": "Bearer", "expires_at",
/// "api_base_url"}`, the expiry in ISO 8601 UTC or null when unknown. The token whole: asked for.
let tokenJson (token: AccessToken) (apiBaseUrl: ApiBaseUrl) : string =
    Encode.object
        [ "access_token", Encode.string token.Value
          "token_type", Encode.string "Bearer"
          "expires_at", Encode.nullable Encode.utcSecond token.ExpiresOn
          "api_base_url", Encode.string (ApiBaseUrl.value apiBaseUrl) ]
    |> text

/// `cloud dw-token --json`: `{"project_id", "token", "expires_at"}` (SPEC §7.8).
let dwJson (dw: DwCredentials) : string =
    Encode.object
        [ "project_id", Encode.string dw.ProjectId
          "token", Encode.string dw.Token
          "expires_at", Encode.nullable Encode.utcSecond dw.ExpiresOn ]
    |> text

/// An API Access Token as `cloud tokens create --json` and `list --json` print it (SPEC §12):
/// `{"token", "grants": [{"connection_name", "source"}], "allowed_apis", "referers", "expires_at"}`,
/// the token masked unless `reveal`.
let apiToken (reveal: bool) (token: ApiToken) : Json =
    Encode.object
        [ "token", Encode.string (if reveal then token.Value else Secret.mask token.Value)
          "grants",
          token.Grants
          |> List.map (fun g ->
              Encode.object [ "connection_name", Encode.string g.Connection; "source", Encode.string g.Source ])
          |> Encode.list
          "allowed_apis", token.Apis |> List.map (ApiTokens.apiName >> Encode.string) |> Encode.list
          "referers", token.Referers |> List.map Encode.string |> Encode.list
          "expires_at", Encode.nullable Encode.utcSecond token.ExpiresOn ]

/// `cloud tokens create --json`: the new token, whole.
let apiTokenJson (token: ApiToken) : string = apiToken true token |> text

/// `cloud tokens list --json`: every token, masked unless `reveal`.
let apiTokensJson (reveal: bool) (tokens: ApiToken list) : string =
    tokens |> List.map (apiToken reveal) |> Encode.list |> text

/// What a save says when it replaced the saved session of another account (key masked).
let replaced (previous: Credentials) : string =
    "This replaced the saved credentials of another account: " + Refused.terminalSafe previous.Text + "."

/// The layers `show --all` lists: those a shell user can fill (no explicit value or arguments).
let private listed (rows: StandingRow list) =
    rows |> List.filter (fun row -> row.Layer <> Layer.Explicit && row.Layer <> Layer.Arguments)

/// `show --all` and `cloud show --all` as a table: every layer, highest first.
let standingsTable (rows: StandingRow list) : string =
    let cells =
        ("LAYER", "STATUS", "LOCATION", "CREDENTIALS")
        :: (listed rows
            |> List.map (fun row ->
                let location =
                    match row.Origin with
                    | Some origin when origin.Where <> "" -> origin.Where
                    | _ -> "-"

                Layer.name row.Layer, row.Said, location, Option.defaultValue "-" row.Credentials))

    columns cells

/// The same as a JSON object: `{"layers": [{"layer", "status", "reason", "location", "profile", "credentials"}]}`.
let standingsJson (rows: StandingRow list) : string =
    let nullable = Encode.nullable Encode.string

    let layer (row: StandingRow) =
        Encode.object
            [ "layer", Encode.string (Layer.id row.Layer)
              "status", Encode.string row.Status
              "reason", nullable row.Reason
              "location", nullable (row.Origin |> Option.bind _.Location)
              "profile", nullable (row.Origin |> Option.bind _.Profile)
              "credentials", nullable row.Credentials ]

    Encode.object [ "layers", Encode.list (listed rows |> List.map layer) ] |> text

/// Rows of cells in aligned columns, two spaces apart, trailing spaces trimmed.
let grid (rows: string list list) : string =
    let widths =
        rows
        |> List.fold
            (fun (widths: int list) row -> List.map2 max widths (row |> List.map String.length))
            (rows.Head |> List.map (fun _ -> 0))

    rows
    |> List.map (fun row ->
        (List.map2 (fun (cell: string) width -> cell.PadRight width) row widths |> String.concat "  ").TrimEnd())
    |> String.concat "\n"

/// `cloud list --json`: an array of the profiles, each with its name, whether current, API base
/// URL (null when invalid), email, expiry and whether it has expired at `now`.
let profilesJson (now: DateTimeOffset) (profiles: ProfileSummary list) : string =
    let expired (p: ProfileSummary) =
        match ProfileList.freshness now p.ExpiresOn with
        | Freshness.Expired _ -> true
        | _ -> false

    profiles
    |> List.map (fun p ->
        Encode.object
            [ "name", Encode.string p.Name
              "current", Encode.bool p.IsCurrent
              "api_base_url", Encode.nullable Encode.string (Result.toOption p.ApiBaseUrl)
              "email", Encode.nullable Encode.string p.Email
              "expires_at", Encode.nullable Encode.utcSecond p.ExpiresOn
              "expired", Encode.bool (expired p) ])
    |> Encode.list
    |> text
