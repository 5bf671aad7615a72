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

/// A table in the spirit of `aws configure list`: one row a field, with the layer and where it looked.
let private tableOf (origin: Origin) (fields: (string * string) list) : string =
    let layer = Layer.name origin.Layer
    let location = origin.Location |> Option.defaultValue "-"

    let rows =
        ("NAME", "VALUE", "LAYER", "LOCATION")
        :: (fields |> List.map (fun (name, value) -> name, value, layer, location))

    let width pick = rows |> List.map (pick >> String.length) |> List.max

    let w1, w2, w3 =
        width (fun (a, _, _, _) -> a), width (fun (_, b, _, _) -> b), width (fun (_, _, c, _) -> c)

    rows
    |> List.map (fun (a, b, c, d) -> (a.PadRight w1 + "  " + b.PadRight w2 + "  " + c.PadRight w3 + "  " + d).TrimEnd())
    |> String.concat "\n"

/// `show` as a table.
let table (reveal: bool) (resolved: Resolved) : string = tableOf resolved.Origin (fields reveal resolved.Credentials)

/// The origin as `--json` writes it, closing the object the fields were written into.
let writeOrigin (writer: Text.Json.Utf8JsonWriter) (origin: Origin) =
    writer.WriteStartObject "origin"
    writer.WriteString("layer", Layer.id origin.Layer)

    match origin.Location with
    | Some location -> writer.WriteString("location", location)
    | None -> writer.WriteNull "location"

    writer.WriteEndObject()
    writer.WriteEndObject()

/// The same as `table`, as a JSON object: the file's fields (written by the codec) and the origin.
let json (reveal: bool) (resolved: Resolved) : string =
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
let cloudTable (reveal: bool) (resolved: CloudResolved) : string =
    tableOf resolved.Origin (cloudFields reveal resolved.Credentials)

/// `cloud show --json`.
let cloudJson (reveal: bool) (resolved: CloudResolved) : string =
    Codec.writeText (fun writer ->
        writer.WriteStartObject()

        for name, value in cloudFields reveal resolved.Credentials do
            writer.WriteString(name, value)

        writeOrigin writer resolved.Origin)
    |> Encoding.UTF8.GetString
    |> fun text -> text.TrimEnd '\n'
