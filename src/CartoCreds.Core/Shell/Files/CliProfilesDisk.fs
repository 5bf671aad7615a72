namespace CartoCreds.Core

open System

/// The CARTO CLI's `~/.carto_credentials.json` on disk (SPEC §7.3, §7.6): read to its bound, and
/// every read-modify-write under the file's lock, atomic and private.
[<RequireQualifiedAccess>]
module CliProfilesDisk =

    /// The file, read up to its own bound (SPEC §7.3).
    let read (path: string) : FileRead = Disk.readUpTo CloudFile.MaxCliFileSize path

    /// The CARTO CLI file: the given path, or `~/.carto_credentials.json`.
    let location (host: Host) (path: string option) : Result<string, ProfileError> =
        match Input.givenOption path with
        | Some path -> Ok path
        | None ->
            Location.cloudPaths host.Platform host.GetVariable
            |> Result.map (fun (cli, _, _) -> cli)
            |> Result.mapError (StoreError.NoLocation >> ProfileError.Store)

    /// What is in the CARTO CLI file now: `None` when there is no file. A file a strict read
    /// refuses is refused here too, with the same message: a save never adopts a planted file.
    let existing (strict: bool) (path: string) : Result<ReadOnlyMemory<byte> option, ProfileError> =
        let read = read path

        match read.Content, read.Exposure with
        | Ok _, Some exposure when strict -> Error(ProfileError.Exposed exposure)
        | Ok bytes, _ -> Ok(Some bytes)
        | Error ReadError.NotFound, _ -> Ok None
        | Error e, _ -> Error(ProfileError.Unreadable(path, e))

    /// A directory where another user could replace the file (not sticky, or another's) is
    /// refused before anything is made in it: the next strict read would refuse what was saved.
    let private trustedDirectory (strict: bool) (path: string) : Result<unit, ProfileError> =
        match
            (if strict then
                 Disk.directoryExposure (IO.Path.GetDirectoryName(IO.Path.GetFullPath path))
             else
                 None)
        with
        | Some exposure -> Error(ProfileError.Exposed exposure)
        | None -> Ok()

    /// A read-modify-write of the CARTO CLI file under its lock (SPEC §7.3), so that writers in
    /// other processes run one after another: `change` gets what is there now and gives the new
    /// bytes, or `None` to leave the file as it is. Returns the path written and `change`'s answer.
    let update
        (host: Host)
        (path: string option)
        (change: string -> ReadOnlyMemory<byte> option -> Result<(byte[] * 'T) option, ProfileError>)
        : Result<(string * 'T) option, ProfileError> =
        result {
            let! target = location host path
            let strict = Resolve.strictPermissions host.GetVariable
            do! CodecDisk.ensureParent target |> Result.mapError ProfileError.Store
            do! trustedDirectory strict target

            return!
                FileLock.within
                    target
                    FileLock.wait
                    (fun () ->
                        result {
                            let! before = existing strict target

                            match! change target before with
                            | None -> return None
                            | Some(bytes, answer) ->
                                let! written = CodecDisk.write target bytes |> Result.mapError ProfileError.Store
                                return Some(written, answer)
                        })
                    ProfileError.Store
        }

    /// <summary>
    /// SPEC §7.3: writes an access token as a profile of the CARTO CLI file (the given path, else
    /// `~/.carto_credentials.json`), keeping every other profile and key, atomically and privately,
    /// under the file's lock. A file that is not a CARTO CLI file is never overwritten. With
    /// `keep`, the token is not written to the file: `keep` is given the profile's name and keeps
    /// the token elsewhere (SPEC §11), under the lock and before the file is written, so that a
    /// failure of either leaves the file as it was. Returns the path and the profile.
    /// </summary>
    let saveTo
        (keep: (string -> Result<unit, ProfileError>) option)
        (extra: (string * Json) list)
        (host: Host)
        (profile: string option)
        (path: string option)
        (credentials: CloudCredentials)
        : Result<string * string, ProfileError> =
        let place = if keep.IsSome then TokenPlace.Elsewhere else TokenPlace.InFile
        let keep = keep |> Option.defaultValue (fun _ -> Ok())

        update host path (fun target before ->
            CliProfiles.saveTo place extra target before profile credentials
            |> Result.bind (fun (bytes, name) -> keep name |> Result.map (fun () -> Some(bytes, name))))
        |> Result.map Option.get

    /// `saveTo` the file, with the `extra` keys.
    let saveWith extra host profile path credentials = saveTo None extra host profile path credentials

    /// `saveWith` no extra keys.
    let save host profile path credentials = saveWith [] host profile path credentials

    /// Removes a profile of the CARTO CLI file (the current one when none is named), keeping every
    /// other, under the file's lock; `None` when there was no such profile or no file. `forget` is
    /// given the profile's name under the lock before the file is written (its token kept
    /// elsewhere removed): its failure leaves the file as it was.
    let deleteWith
        (forget: string -> Result<unit, ProfileError>)
        (host: Host)
        (profile: string option)
        (path: string option)
        : Result<(string * string) option, ProfileError> =
        match location host path with
        | Error e -> Error e
        | Ok target when not (IO.Path.Exists target) -> Ok None // no file: nothing to lock or change
        | Ok _ ->
            update host path (fun target before ->
                match before with
                | None -> Ok None
                | Some bytes ->
                    match CliProfiles.delete target bytes profile with
                    | Ok(Some(_, name) as changed) -> forget name |> Result.map (fun () -> changed)
                    | other -> other)

    /// `deleteWith` nothing kept elsewhere.
    let delete host profile path = deleteWith (fun _ -> Ok()) host profile path

    /// <summary>
    /// SPEC §7.6: the file's full path and its profiles, read as the saved session is (a file
    /// another user could change is refused unless `CARTOCREDS_INSECURE_PERMISSIONS=1`); no file
    /// is no profile.
    /// </summary>
    let list (host: Host) (path: string option) : Result<string * ProfileSummary list, ProfileError> =
        result {
            let! target = location host path
            let full = IO.Path.GetFullPath target

            match! existing (Resolve.strictPermissions host.GetVariable) full with
            | None -> return full, []
            | Some bytes ->
                let! profiles = ProfileList.read bytes |> Result.mapError (fun e -> ProfileError.NotACliFile(full, e))

                return full, profiles
        }

    /// SPEC §7.6: makes `name` the file's current profile, under its lock; a profile the file does
    /// not hold (or no file) is an error naming the ones it holds. Returns the path.
    let makeCurrent (host: Host) (name: string) (path: string option) : Result<string, ProfileError> =
        match location host path with
        | Error e -> Error e
        | Ok target when not (IO.Path.Exists target) ->
            Error(ProfileError.NoSuchProfile(IO.Path.GetFullPath target, name, []))
        | Ok _ ->
            update host path (fun target before ->
                CliProfiles.makeCurrent target before name |> Result.map (fun bytes -> Some(bytes, ())))
            |> Result.map (fun written -> fst (Option.get written))
