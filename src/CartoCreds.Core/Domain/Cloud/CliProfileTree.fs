namespace CartoCreds.Core

open System

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

/// The CARTO CLI file as a tree to edit (SPEC §7.3): parsed as a read would parse it, written
/// as the CARTO CLI writes it. Pure; opened by `CliProfiles` for its edits.
module internal CliProfileTree =

    [<Literal>]
    let DefaultProfile = "default"

    /// The members of an object (none for anything else).
    let internal fieldsOf (value: Json) : struct (string * Json)[] =
        match value with
        | Json.Object fields -> fields
        | _ -> [||]

    /// The object with `name` set to `value`: in the place of its last occurrence (earlier ones
    /// dropped), else at the end.
    let internal set (name: string) (value: Json) (fields: struct (string * Json)[]) =
        let at = fields |> Array.tryFindIndexBack (fun (struct (n, _)) -> n = name)

        match at with
        | Some i ->
            fields
            |> Array.mapi (fun j field -> if j = i then struct (name, value) else field)
            |> Array.indexed
            |> Array.filter (fun (j, struct (n, _)) -> j = i || n <> name)
            |> Array.map snd
        | None -> Array.append fields [| struct (name, value) |]

    let internal remove (name: string) (fields: struct (string * Json)[]) =
        fields |> Array.filter (fun (struct (n, _)) -> n <> name)

    /// The file as a tree of the new format: nothing yet, a CARTO CLI file, or the old format (one
    /// profile's keys at the root), which becomes the profile `default`, made current.
    let internal parse (path: string) (bytes: ReadOnlyMemory<byte> option) : Result<Json, ProfileError> =
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
    let internal write (path: string) (root: Json) : Result<byte[], ProfileError> =
        let bytes = Encode.toBytes JsonStyle.Indented root

        if bytes.Length > CloudFile.MaxCliFileSize then
            Error(ProfileError.TooLarge(path, bytes.Length))
        else
            Ok bytes

    let internal currentOf (root: Json) =
        match Decode.optionalField "current_profile" Decode.string root with
        | Ok(Some name) -> Input.given name
        | _ -> None
