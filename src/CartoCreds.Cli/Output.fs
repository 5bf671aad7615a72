/// What `cartocreds` prints: pure functions from results to text.
module CartoCreds.Cli.Output

open System
open System.Buffers
open System.Text
open System.Text.Encodings.Web
open System.Text.Json
open CartoCreds.Core

/// The layer's name as `--json` writes it (the C# facade's enum names).
let layerId (layer: Layer) : string =
    match layer with
    | Layer.Explicit -> "Explicit"
    | Layer.Arguments -> "Arguments"
    | Layer.File -> "File"
    | Layer.Environment -> "Environment"
    | Layer.SavedSession -> "SavedSession"

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
let table (reveal: bool) (resolved: Resolved) : string =
    let layer = Layer.name resolved.Origin.Layer
    let location = resolved.Origin.Location |> Option.defaultValue "-"

    let rows =
        ("NAME", "VALUE", "LAYER", "LOCATION")
        :: (fields reveal resolved.Credentials |> List.map (fun (name, value) -> name, value, layer, location))

    let width pick = rows |> List.map (pick >> String.length) |> List.max

    let w1, w2, w3 =
        width (fun (a, _, _, _) -> a), width (fun (_, b, _, _) -> b), width (fun (_, _, c, _) -> c)

    rows
    |> List.map (fun (a, b, c, d) -> (a.PadRight w1 + "  " + b.PadRight w2 + "  " + c.PadRight w3 + "  " + d).TrimEnd())
    |> String.concat "\n"

let private writerOptions =
    JsonWriterOptions(Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping)

/// The same as `table`, as a JSON object.
let json (reveal: bool) (resolved: Resolved) : string =
    let buffer = ArrayBufferWriter<byte>()

    do
        use writer = new Utf8JsonWriter(buffer, writerOptions)
        let credentials = resolved.Credentials
        writer.WriteStartObject()

        match credentials.Username with
        | Some username -> writer.WriteString("username", Username.value username)
        | None -> writer.WriteNull "username"

        writer.WriteString(
            "api_key",
            (if reveal then
                 ApiKey.value credentials.ApiKey
             else
                 ApiKey.mask credentials.ApiKey)
        )

        writer.WriteString("base_url", BaseUrl.value credentials.BaseUrl)
        writer.WriteBoolean("allow_non_secure", credentials.AllowNonSecure)
        writer.WriteStartObject "origin"
        writer.WriteString("layer", layerId resolved.Origin.Layer)

        match resolved.Origin.Location with
        | Some location -> writer.WriteString("location", location)
        | None -> writer.WriteNull "location"

        writer.WriteEndObject()
        writer.WriteEndObject()

    Encoding.UTF8.GetString buffer.WrittenSpan
