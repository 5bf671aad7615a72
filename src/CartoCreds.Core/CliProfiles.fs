namespace CartoCreds.Core

open System
open System.Buffers
open System.Text.Json
open System.Text.Json.Nodes

/// Why a profile of the CARTO CLI file could not be written or removed (SPEC §7.3).
[<RequireQualifiedAccess>]
type ProfileError =
    /// Only access tokens are kept in the CARTO CLI file, not client credentials.
    | NotAToken
    | Unreadable of path: string * ReadError
    /// The file is there but is not a CARTO CLI file: it is never overwritten.
    | NotACliFile of path: string * DecodeError
    /// The file, or the directory it would be made in, could be changed by another user: a save
    /// refuses it as a read of the saved session does, and never adopts a planted file.
    | Exposed of Exposure
    /// The file the save would write is larger than a read accepts: nothing is written.
    | TooLarge of path: string * size: int
    | Store of StoreError

/// SPEC §7.3: one profile of the CARTO CLI file written or removed, every other profile and every
/// key it does not know kept as it was. Pure: bytes in, bytes out.
[<RequireQualifiedAccess>]
module CliProfiles =

    [<Literal>]
    let DefaultProfile = "default"

    /// A JSON value as a mutable node, a repeated member counting once, the last one (a node parsed
    /// directly refuses a repeated member with an exception).
    let rec private toNode (element: JsonElement) : JsonNode =
        match element.ValueKind with
        | JsonValueKind.Object ->
            let node = JsonObject()

            for p in element.EnumerateObject() do
                node[p.Name] <- toNode p.Value

            node
        | JsonValueKind.Array ->
            let node = JsonArray()

            for item in element.EnumerateArray() do
                node.Add(toNode item)

            node
        | _ -> JsonValue.Create(element.Clone())

    let private parse (path: string) (bytes: ReadOnlyMemory<byte> option) : Result<JsonObject, ProfileError> =
        let notACliFile e = Error(ProfileError.NotACliFile(path, e))

        match bytes with
        | None -> Ok(JsonObject())
        | Some bytes ->
            // Decoding first gives the file's errors in the words every file error has.
            match CloudFile.decode bytes with
            | Error e -> notACliFile e
            | Ok(CloudFile.ClientCredentials _)
            | Ok(CloudFile.TokenCache _) ->
                notACliFile (DecodeError.BadField("$", "a CARTO CLI file (profiles)", "another CARTO file"))
            | Ok(CloudFile.Profiles _) ->
                let span = bytes.Span

                let start =
                    if span.Length >= 3 && span[0] = 0xEFuy && span[1] = 0xBBuy && span[2] = 0xBFuy then
                        3
                    else
                        0

                use document = JsonDocument.Parse(bytes.Slice start)

                match toNode document.RootElement with
                | :? JsonObject as root when root.ContainsKey "profiles" -> Ok root
                | :? JsonObject as old ->
                    // The old format, one profile's keys at the root, becomes the profile "default".
                    let profile = JsonObject()

                    for key in old |> Seq.map (fun p -> p.Key) |> List.ofSeq do
                        let value = old[key]
                        old.Remove key |> ignore
                        profile[key] <- value

                    let root = JsonObject()
                    root["current_profile"] <- JsonValue.Create DefaultProfile

                    root["profiles"] <-
                        JsonObject([ Collections.Generic.KeyValuePair(DefaultProfile, profile :> JsonNode) ])

                    Ok root
                | _ -> notACliFile (DecodeError.NotAnObject "something else")

    /// The file's bytes, indented as the CARTO CLI writes them; refused when a read would refuse
    /// them, so that a file written here is always read back.
    let private write (path: string) (root: JsonObject) : Result<byte[], ProfileError> =
        let buffer = ArrayBufferWriter<byte>(512)

        do
            use writer = new Utf8JsonWriter(buffer, JsonWriterOptions(Indented = true))
            root.WriteTo writer

        let bytes = Array.append (buffer.WrittenSpan.ToArray()) [| byte '\n' |]

        if bytes.Length > CloudFile.MaxCliFileSize then
            Error(ProfileError.TooLarge(path, bytes.Length))
        else
            Ok bytes

    let private currentOf (root: JsonObject) =
        match root["current_profile"] with
        | :? JsonValue as v ->
            match v.TryGetValue<string>() with
            | true, name -> Input.given name
            | _ -> None
        | _ -> None

    /// <summary>
    /// The file with the profile set to the token and its API base URL (`tenant_id` when the URL
    /// is a tenant's, else `api_base_url`); with no name, the current profile, else `default`,
    /// made current when there was none. Returns the new bytes and the profile written.
    /// </summary>
    let save
        (path: string)
        (existing: ReadOnlyMemory<byte> option)
        (profile: string option)
        (credentials: CloudCredentials)
        : Result<byte[] * string, ProfileError> =
        parse path existing
        |> Result.bind (fun root ->
            match credentials.Grant with
            | Grant.ClientCredentials _ -> Error ProfileError.NotAToken
            | Grant.AccessToken(token, _) ->
                let name =
                    Input.givenOption profile |> Option.orElse (currentOf root) |> Option.defaultValue DefaultProfile

                let profiles =
                    match root["profiles"] with
                    | :? JsonObject as p -> p
                    | _ ->
                        let p = JsonObject()
                        root["profiles"] <- p
                        p

                let entry =
                    match profiles[name] with
                    | :? JsonObject as e -> e
                    | _ ->
                        let e = JsonObject()
                        profiles[name] <- e
                        e

                entry["token"] <- JsonValue.Create(CloudText.value token)

                match ApiBaseUrl.tenant credentials.ApiBaseUrl with
                | Some tenant ->
                    entry["tenant_id"] <- JsonValue.Create tenant
                    entry.Remove "api_base_url" |> ignore
                | None -> entry["api_base_url"] <- JsonValue.Create(ApiBaseUrl.value credentials.ApiBaseUrl)

                if (currentOf root).IsNone then
                    root["current_profile"] <- JsonValue.Create name

                write path root |> Result.map (fun bytes -> bytes, name))

    /// The file without the profile (the current one when none is named; a current profile
    /// removed is current no more); `None` when there was no such profile.
    let delete
        (path: string)
        (existing: ReadOnlyMemory<byte>)
        (profile: string option)
        : Result<(byte[] * string) option, ProfileError> =
        parse path (Some existing)
        |> Result.bind (fun root ->
            let current = currentOf root

            match Input.givenOption profile |> Option.orElse current, root["profiles"] with
            | Some name, (:? JsonObject as profiles) when profiles.ContainsKey name ->
                profiles.Remove name |> ignore

                if Option.contains name current then
                    root.Remove "current_profile" |> ignore

                write path root |> Result.map (fun bytes -> Some(bytes, name))
            | _ -> Ok None)
