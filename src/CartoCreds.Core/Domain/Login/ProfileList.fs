namespace CartoCreds.Core

open System

/// One profile of the CARTO CLI file, as `cloud list` and `CloudProfiles.List` show it (SPEC §7.6).
type ProfileSummary =
    {
        Name: string
        IsCurrent: bool
        /// The profile's API base URL; `Error` says why it has none that is valid.
        ApiBaseUrl: Result<string, LayerProblem>
        Email: string option
        /// The token's expiry (its JWT `exp`, or what the file says), when known.
        ExpiresOn: DateTimeOffset option
    }

/// How soon a profile's token must be renewed (SPEC §7.5): an hour before it expires.
[<RequireQualifiedAccess>]
type Freshness =
    | Valid
    | ExpiresSoon of at: DateTimeOffset
    | Expired of at: DateTimeOffset

/// SPEC §7.6: the profiles of the CARTO CLI file, read by §7.3's rules. Pure: bytes in, values out.
[<RequireQualifiedAccess>]
module ProfileList =

    /// A token that expires within this is said to, with how to log in again.
    let renewWithin = TimeSpan.FromHours 1.0

    /// Where a token stands at `now`.
    let freshness (now: DateTimeOffset) (expiresOn: DateTimeOffset option) : Freshness =
        match expiresOn with
        | Some at when at <= now -> Freshness.Expired at
        | Some at when at - now <= renewWithin -> Freshness.ExpiresSoon at
        | _ -> Freshness.Valid

    /// A text field of a profile, given.
    let private text (field: string) (root: Json) (name: string) =
        let profile =
            if Decode.has "profiles" root then
                Decode.child name (Decode.child "profiles" root)
            else
                root

        match Decode.optionalField field Decode.string profile with
        | Ok(Some text) -> Input.given text
        | _ -> None

    let private email = text "user_email"

    /// `expires_at` as a login writes it (ISO 8601, UTC): read for a profile whose token is not in
    /// the file, which cannot say its own expiry.
    let private expiresAt root name = text "expires_at" root name |> Option.bind Decode.isoInstant

    /// <summary>
    /// Every profile of a CARTO CLI file, in the file's order (a name repeated counts once, the
    /// last): whether it is the current one, its API base URL, email and expiry.
    /// </summary>
    let read (bytes: ReadOnlyMemory<byte>) : Result<ProfileSummary list, DecodeError> =
        match CloudFile.decode bytes, Decode.fromBytes Ok bytes with
        | Ok(CloudFile.Profiles(current, profiles)), Ok root ->
            profiles
            |> List.map (fun (name, input) ->
                let credentials = CloudSource.credentials input

                { Name = name
                  IsCurrent = Option.contains name current
                  ApiBaseUrl =
                    match credentials with
                    | Ok c -> Ok(ApiBaseUrl.value c.ApiBaseUrl)
                    // No token or client: a profile whose token is kept in the keychain (SPEC §11).
                    | Error LayerProblem.ApiBaseUrlAlone ->
                        CloudSource.apiBaseUrl input
                        |> Result.map ApiBaseUrl.value
                        |> Result.mapError (List.singleton >> LayerProblem.InvalidCloudValues)
                    | Error problem -> Error problem
                  Email = email root name
                  ExpiresOn =
                    match credentials |> Result.map _.Grant with
                    | Ok(Grant.AccessToken(_, expires)) -> expires
                    | _ -> input.Expiration |> Option.orElse (expiresAt root name) })
            |> Ok
        | Ok _, _ -> Error(DecodeError.BadField("$", "a CARTO CLI file (profiles)", "another CARTO file"))
        | Error e, _
        | _, Error e -> Error e

    /// What a profile's freshness asks of the user: nothing, or how to log in again.
    let renewal (now: DateTimeOffset) (name: string) (expiresOn: DateTimeOffset option) : string option =
        let at (time: DateTimeOffset) =
            time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", Globalization.CultureInfo.InvariantCulture)

        let login = "cartocreds cloud login --profile " + (Refused.show name |> Option.defaultValue "NAME")

        match freshness now expiresOn with
        | Freshness.Valid -> None
        | Freshness.ExpiresSoon time -> Some("the token expires at " + at time + "; renew it with: " + login)
        | Freshness.Expired time -> Some("the token expired at " + at time + "; log in again with: " + login)
