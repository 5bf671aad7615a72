namespace CartoCreds.Core

open System
open System.Buffers
open System.Text.Json

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
    /// `cloud use` of a profile the file does not hold: the ones it holds, in its order.
    | NoSuchProfile of path: string * name: string * available: string list
    | Store of StoreError

/// SPEC §7.3: one profile of the CARTO CLI file written or removed, every other profile and every
/// key it does not know kept as it was. Pure: bytes in, bytes out.
[<RequireQualifiedAccess>]
module CliProfiles =

    [<Literal>]
    let DefaultProfile = "default"

    /// The members of an object (none for anything else).
    let private fieldsOf (value: Json) : struct (string * Json)[] =
        match value with
        | Json.Object fields -> fields
        | _ -> [||]

    /// The object with `name` set to `value`: in the place of its last occurrence (earlier ones
    /// dropped), else at the end.
    let private set (name: string) (value: Json) (fields: struct (string * Json)[]) =
        let at = fields |> Array.tryFindIndexBack (fun (struct (n, _)) -> n = name)

        match at with
        | Some i ->
            fields
            |> Array.mapi (fun j field -> if j = i then struct (name, value) else field)
            |> Array.indexed
            |> Array.filter (fun (j, struct (n, _)) -> j = i || n <> name)
            |> Array.map snd
        | None -> Array.append fields [| struct (name, value) |]

    let private remove (name: string) (fields: struct (string * Json)[]) =
        fields |> Array.filter (fun (struct (n, _)) -> n <> name)

    /// The file as a tree of the new format: nothing yet, a CARTO CLI file, or the old format (one
    /// profile's keys at the root), which becomes the profile `default`, made current.
    let private parse (path: string) (bytes: ReadOnlyMemory<byte> option) : Result<Json, ProfileError> =
        let notACliFile e = Error(ProfileError.NotACliFile(path, e))

        match bytes with
        | None -> Ok(Json.Object [||])
        | Some bytes ->
            // Decoding first gives the file's errors in the words every file error has.
            match CloudFile.decode bytes with
            | Error e -> notACliFile e
            | Ok(CloudFile.ClientCredentials _)
            | Ok(CloudFile.TokenCache _) ->
                notACliFile (DecodeError.BadField("$", "a CARTO CLI file (profiles)", "another CARTO file"))
            | Ok(CloudFile.Profiles _) ->
                match Decode.fromBytes Ok bytes with
                | Ok root when Decode.has "profiles" root -> Ok root
                | Ok(Json.Object old) ->
                    Ok(
                        Json.Object
                            [| struct ("current_profile", Json.String DefaultProfile)
                               struct ("profiles", Json.Object [| struct (DefaultProfile, Json.Object old) |]) |]
                    )
                | Ok other -> notACliFile (DecodeError.NotAnObject(Json.kind other))
                | Error e -> notACliFile e

    /// The file's bytes, indented as the CARTO CLI writes them; refused when a read would refuse
    /// them, so that a file written here is always read back.
    let private write (path: string) (root: Json) : Result<byte[], ProfileError> =
        let buffer = ArrayBufferWriter<byte>(512)

        do
            use writer = new Utf8JsonWriter(buffer, JsonWriterOptions(Indented = true))
            Json.write writer root

        let bytes = Array.append (buffer.WrittenSpan.ToArray()) [| byte '\n' |]

        if bytes.Length > CloudFile.MaxCliFileSize then
            Error(ProfileError.TooLarge(path, bytes.Length))
        else
            Ok bytes

    let private currentOf (root: Json) =
        match Decode.optionalField "current_profile" Decode.string root with
        | Ok(Some name) -> Input.given name
        | _ -> None

    /// <summary>
    /// The file with the profile set to the token and its API base URL (`tenant_id` when the URL
    /// is a tenant's, else `api_base_url`), and the `extra` keys (a login's `user_email`, …); with
    /// no name, the current profile, else `default`, made current when there was none. Every other
    /// profile and key is kept as it was. Returns the new bytes and the profile written.
    /// </summary>
    let saveWith
        (extra: (string * Json) list)
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

                let profiles = fieldsOf (Decode.child "profiles" root)

                let entry =
                    fieldsOf (Decode.child name (Json.Object profiles))
                    |> set "token" (Json.String(CloudText.value token))

                let entry =
                    match ApiBaseUrl.tenant credentials.ApiBaseUrl with
                    | Some tenant -> entry |> set "tenant_id" (Json.String tenant) |> remove "api_base_url"
                    | None -> entry |> set "api_base_url" (Json.String(ApiBaseUrl.value credentials.ApiBaseUrl))

                let entry = extra |> List.fold (fun fields (name, value) -> set name value fields) entry

                let fields = fieldsOf root |> set "profiles" (Json.Object(profiles |> set name (Json.Object entry)))

                let fields =
                    if (currentOf root).IsNone then
                        fields |> set "current_profile" (Json.String name)
                    else
                        fields

                write path (Json.Object fields) |> Result.map (fun bytes -> bytes, name))

    /// `saveWith` no extra keys.
    let save path existing profile credentials = saveWith [] path existing profile credentials

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

            match Input.givenOption profile |> Option.orElse current, Decode.child "profiles" root with
            | Some name, (Json.Object profiles as all) when Decode.has name all ->
                let fields = fieldsOf root |> set "profiles" (Json.Object(remove name profiles))
                let fields = if Option.contains name current then remove "current_profile" fields else fields
                write path (Json.Object fields) |> Result.map (fun bytes -> Some(bytes, name))
            | _ -> Ok None)

    /// <summary>
    /// SPEC §7.6: the file with `name` as its `current_profile`, every profile and key kept as it
    /// was; a name the file does not hold is an error listing the ones it does.
    /// </summary>
    let makeCurrent
        (path: string)
        (existing: ReadOnlyMemory<byte> option)
        (name: string)
        : Result<byte[], ProfileError> =
        parse path existing
        |> Result.bind (fun root ->
            let profiles = Decode.child "profiles" root

            if Decode.has name profiles then
                write path (Json.Object(fieldsOf root |> set "current_profile" (Json.String name)))
            else
                let available = fieldsOf profiles |> Array.map (fun (struct (n, _)) -> n) |> Array.distinct
                Error(ProfileError.NoSuchProfile(path, name, List.ofArray available)))
