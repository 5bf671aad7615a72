namespace CartoCreds.Core

open System
open System.Text.Json

/// What a CARTO 3 source gives, before SPEC §7's validation: a token, or a client id and secret,
/// with an API base URL or a tenant id; an expiry where a token cache says one.
type CloudInput =
    { Token: string option
      ClientId: string option
      ClientSecret: string option
      ApiBaseUrl: string option
      TenantId: string option
      Expiration: DateTimeOffset option }

    static member Empty =
        { Token = None
          ClientId = None
          ClientSecret = None
          ApiBaseUrl = None
          TenantId = None
          Expiration = None }

/// The CARTO 3 files (SPEC §7.2, §7.3), told apart by their keys.
[<RequireQualifiedAccess>]
type CloudFile =
    /// carto-auth's machine-to-machine file: `{"api_base_url", "client_id", "client_secret"}`.
    | ClientCredentials of CloudInput
    /// The CARTO CLI's `~/.carto_credentials.json`: named profiles and the current one (the old
    /// format, one profile's keys at the root, reads as a profile named `default`).
    | Profiles of current: string option * profiles: (string * CloudInput) list
    /// carto-auth's token cache: `{"api_base_url", "access_token", "expiration"}`.
    | TokenCache of CloudInput

/// Decoders of the CARTO 3 files: plain functions over a parsed document that name the path of a
/// bad field, as `Decode` does for the CARTOframes file.
[<RequireQualifiedAccess>]
module CloudFile =

    /// The most of a CARTO CLI file that is read (SPEC §7.3): it holds a profile per login, so it
    /// may grow past §4's 64 KiB, which carto-auth's files keep.
    [<Literal>]
    let MaxCliFileSize = 1048576

    /// The members of an object, a repeated name counting once, the last one, at its last place.
    let members (element: JsonElement) : JsonProperty list =
        element.EnumerateObject() |> List.ofSeq |> List.rev |> List.distinctBy (fun p -> p.Name) |> List.rev

    let private kind (element: JsonElement) =
        match element.ValueKind with
        | JsonValueKind.String -> "a string"
        | JsonValueKind.Number -> "a number"
        | JsonValueKind.True
        | JsonValueKind.False -> "a boolean"
        | JsonValueKind.Null -> "null"
        | JsonValueKind.Array -> "an array"
        | _ -> "an object"

    /// An optional string field; null counts as absent.
    let private text (path: string) (name: string) (element: JsonElement) : Result<string option, DecodeError> =
        match element.TryGetProperty name with
        | false, _ -> Ok None
        | true, value when value.ValueKind = JsonValueKind.Null -> Ok None
        | true, value when value.ValueKind = JsonValueKind.String -> Ok(Some(value.GetString()))
        | true, value -> Error(DecodeError.BadField(path + "." + name, "a string or null", kind value))

    let private input (path: string) (element: JsonElement) : Result<CloudInput, DecodeError> =
        result {
            let! token = text path "token" element
            let! accessToken = text path "access_token" element
            let! clientId = text path "client_id" element
            let! clientSecret = text path "client_secret" element
            let! apiBaseUrl = text path "api_base_url" element
            let! tenantId = text path "tenant_id" element

            let! expiration =
                match element.TryGetProperty "expiration" with
                | false, _ -> Ok None
                | true, value when value.ValueKind = JsonValueKind.Null -> Ok None
                | true, value when value.ValueKind = JsonValueKind.Number ->
                    match value.TryGetInt64() with
                    | true, seconds when seconds > 0L && seconds < 253402300800L ->
                        Ok(Some(DateTimeOffset.FromUnixTimeSeconds seconds))
                    | _ ->
                        Error(DecodeError.BadField(path + ".expiration", "seconds since 1970", "a number out of range"))
                | true, value -> Error(DecodeError.BadField(path + ".expiration", "a number or null", kind value))

            return
                { Token = Option.orElse accessToken token
                  ClientId = clientId
                  ClientSecret = clientSecret
                  ApiBaseUrl = apiBaseUrl
                  TenantId = tenantId
                  Expiration = expiration }
        }

    let private has (name: string) (element: JsonElement) = fst (element.TryGetProperty name)

    let private profiles (root: JsonElement) : Result<CloudFile, DecodeError> =
        result {
            let! current = text "$" "current_profile" root
            let all = root.GetProperty "profiles"

            do!
                require (all.ValueKind = JsonValueKind.Object) (fun () ->
                    DecodeError.BadField("$.profiles", "an object", kind all))

            let! named =
                members all
                |> List.fold
                    (fun acc profile ->
                        acc
                        |> Result.bind (fun list ->
                            let path = "$.profiles." + profile.Name

                            if profile.Value.ValueKind <> JsonValueKind.Object then
                                Error(DecodeError.BadField(path, "an object", kind profile.Value))
                            else
                                input path profile.Value |> Result.map (fun p -> (profile.Name, p) :: list)))
                    (Ok [])

            return CloudFile.Profiles(current, List.rev named)
        }

    let private ofRoot (root: JsonElement) : Result<CloudFile, DecodeError> =
        if root.ValueKind <> JsonValueKind.Object then
            Error(DecodeError.NotAnObject(kind root))
        elif has "profiles" root then
            profiles root
        elif has "client_id" root || has "client_secret" root then
            input "$" root |> Result.map CloudFile.ClientCredentials
        elif has "access_token" root then
            input "$" root |> Result.map CloudFile.TokenCache
        elif has "token" root || has "tenant_id" root then
            input "$" root |> Result.map (fun p -> CloudFile.Profiles(Some "default", [ "default", p ]))
        else
            Error(
                DecodeError.BadField(
                    "$",
                    "carto-auth's or the CARTO CLI's keys (client_id, access_token, profiles or token)",
                    "none of them"
                )
            )

    /// <summary>Decodes a CARTO 3 file's bytes (UTF-8, a byte-order mark skipped). Never throws.</summary>
    let decode (bytes: ReadOnlyMemory<byte>) : Result<CloudFile, DecodeError> =
        let span = bytes.Span

        let start =
            if span.Length >= 3 && span[0] = 0xEFuy && span[1] = 0xBBuy && span[2] = 0xBFuy then
                3
            else
                0

        if span.Slice(start).Trim(ReadOnlySpan [| 0x20uy; 0x09uy; 0x0Auy; 0x0Duy |]).IsEmpty then
            Error DecodeError.Empty
        else
            try
                use document = JsonDocument.Parse(bytes.Slice start)
                ofRoot document.RootElement
            with
            | :? JsonException as e ->
                let line = Option.ofNullable e.LineNumber |> Option.defaultValue 0L
                let position = Option.ofNullable e.BytePositionInLine |> Option.defaultValue 0L
                Error(DecodeError.NotJson(line + 1L, position + 1L))
            | :? InvalidOperationException -> Error DecodeError.NotUtf8 // a string that cannot be transcoded
