/// What `cartocreds` prints: pure functions from results to text.
module CartoCreds.Cli.Output

open System
open System.Text
open CartoCreds.Core

/// One row a field: name and value (the key masked unless revealed).
let fields (reveal: bool) (credentials: Credentials) : (string * string) list =
    [ "username", (credentials.Username |> Option.map Username.value |> Option.defaultValue "<none>")
      "api_key",
      (if reveal then
           ApiKey.value credentials.ApiKey
       else
           ApiKey.mask credentials.ApiKey)
      "base_url", BaseUrl.value credentials.BaseUrl
      "allow_non_secure", (if credentials.AllowNonSecure then "true" else "false") ]

/// Rows of four cells, each column as wide as its widest cell.
let private columns (rows: (string * string * string * string) list) : string =
    let width pick = rows |> List.map (pick >> String.length) |> List.max

    let w1, w2, w3 =
        width (fun (a, _, _, _) -> a), width (fun (_, b, _, _) -> b), width (fun (_, _, c, _) -> c)

    rows
    |> List.map (fun (a, b, c, d) -> (a.PadRight w1 + "  " + b.PadRight w2 + "  " + c.PadRight w3 + "  " + d).TrimEnd())
    |> String.concat "\n"

/// A table in the spirit of `aws configure list`: one row a field, with the layer and where it looked.
let private tableOf (origin: Origin) (fields: (string * string) list) : string =
    let layer = Layer.name origin.Layer
    let location = if origin.Where = "" then "-" else origin.Where

    ("NAME", "VALUE", "LAYER", "LOCATION") :: (fields |> List.map (fun (name, value) -> name, value, layer, location))
    |> columns

/// `show` as a table.
let table (reveal: bool) (resolved: Resolved<Credentials>) : string =
    tableOf resolved.Origin (fields reveal resolved.Credentials)

/// The origin as `--json` writes it, closing the object the fields were written into.
let writeOrigin (writer: Text.Json.Utf8JsonWriter) (origin: Origin) =
    writer.WriteStartObject "origin"
    writer.WriteString("layer", Layer.id origin.Layer)

    for name, value in [ "location", origin.Location; "profile", origin.Profile ] do
        match value with
        | Some text -> writer.WriteString(name, text)
        | None -> writer.WriteNull name

    writer.WriteEndObject()
    writer.WriteEndObject()

/// The same as `table`, as a JSON object: the file's fields (written by the codec) and the origin.
let json (reveal: bool) (resolved: Resolved<Credentials>) : string =
    let credentials = resolved.Credentials

    let key =
        if reveal then
            ApiKey.value credentials.ApiKey
        else
            ApiKey.mask credentials.ApiKey

    Codec.writeText (fun writer ->
        writer.WriteStartObject()
        Codec.writeFields writer key credentials
        writeOrigin writer resolved.Origin)
    |> Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'

/// The rows of `cloud show`: kind, API base URL, the grant (a secret masked unless revealed), expiry.
let cloudFields (reveal: bool) (credentials: CloudCredentials) : (string * string) list =
    let secret (text: CloudText) = if reveal then CloudText.value text else CloudText.mask text

    let grant =
        match credentials.Grant with
        | Grant.AccessToken(token, expires) ->
            [ "kind", "access token"
              "token", secret token
              "expires_on",
              (match expires with
               | Some at -> at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Globalization.CultureInfo.InvariantCulture)
               | None -> "unknown") ]
        | Grant.ClientCredentials(id, clientSecret) ->
            [ "kind", "client credentials"
              "client_id", CloudText.value id
              "client_secret", secret clientSecret ]

    grant @ [ "api_base_url", ApiBaseUrl.value credentials.ApiBaseUrl ]

/// `cloud show` as a table: one row a field, with the layer and where it looked.
let cloudTable (reveal: bool) (resolved: Resolved<CloudCredentials>) : string =
    tableOf resolved.Origin (cloudFields reveal resolved.Credentials)

/// `cloud show --json`.
let cloudJson (reveal: bool) (resolved: Resolved<CloudCredentials>) : string =
    Codec.writeText (fun writer ->
        writer.WriteStartObject()

        for name, value in cloudFields reveal resolved.Credentials do
            writer.WriteString(name, value)

        writeOrigin writer resolved.Origin)
    |> Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'

/// `"expires_at"`: an instant in ISO 8601 UTC (`2026-12-03T09:00:00Z`), or null when unknown.
let private writeExpiresAt (writer: Text.Json.Utf8JsonWriter) (at: DateTimeOffset option) =
    match at with
    | Some at ->
        writer.WriteString(
            "expires_at",
            at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", Globalization.CultureInfo.InvariantCulture)
        )
    | None -> writer.WriteNull "expires_at"

/// `cloud token --json` (SPEC §6): `{"access_token", "token_type": "Bearer", "expires_at",
/// "api_base_url"}`, the expiry in ISO 8601 UTC or null when unknown. The token whole: asked for.
let tokenJson (token: AccessToken) (apiBaseUrl: ApiBaseUrl) : string =
    Codec.writeText (fun writer ->
        writer.WriteStartObject()
        writer.WriteString("access_token", token.Value)
        writer.WriteString("token_type", "Bearer")

        writeExpiresAt writer token.ExpiresOn

        writer.WriteString("api_base_url", ApiBaseUrl.value apiBaseUrl)
        writer.WriteEndObject())
    |> Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'

/// `cloud dw-token --json`: `{"project_id", "token", "expires_at"}` (SPEC §7.8).
let dwJson (dw: DwCredentials) : string =
    Codec.writeText (fun writer ->
        writer.WriteStartObject()
        writer.WriteString("project_id", dw.ProjectId)
        writer.WriteString("token", dw.Token)
        writeExpiresAt writer dw.ExpiresOn
        writer.WriteEndObject())
    |> Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'

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
    Codec.writeText (fun writer ->
        let text (name: string) (value: string option) =
            match value with
            | Some v -> writer.WriteString(name, v)
            | None -> writer.WriteNull name

        writer.WriteStartObject()
        writer.WriteStartArray "layers"

        for row in listed rows do
            writer.WriteStartObject()
            writer.WriteString("layer", Layer.id row.Layer)
            writer.WriteString("status", row.Status)
            text "reason" row.Reason
            text "location" (row.Origin |> Option.bind _.Location)
            text "profile" (row.Origin |> Option.bind _.Profile)
            text "credentials" row.Credentials
            writer.WriteEndObject()

        writer.WriteEndArray()
        writer.WriteEndObject())
    |> Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'

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
    Codec.writeText (fun writer ->
        writer.WriteStartArray()

        for p in profiles do
            writer.WriteStartObject()
            writer.WriteString("name", p.Name)
            writer.WriteBoolean("current", p.IsCurrent)

            match p.ApiBaseUrl with
            | Ok url -> writer.WriteString("api_base_url", url)
            | Error _ -> writer.WriteNull "api_base_url"

            match p.Email with
            | Some email -> writer.WriteString("email", email)
            | None -> writer.WriteNull "email"

            writeExpiresAt writer p.ExpiresOn

            writer.WriteBoolean(
                "expired",
                ProfileList.freshness now p.ExpiresOn
                |> function
                    | Freshness.Expired _ -> true
                    | _ -> false
            )

            writer.WriteEndObject()

        writer.WriteEndArray())
    |> Text.Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'
