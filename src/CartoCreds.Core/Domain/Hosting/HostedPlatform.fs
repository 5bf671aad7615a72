namespace CartoCreds.Core

/// Why the options do not say one platform.
[<RequireQualifiedAccess>]
type PlatformError =
    /// `Platform` names one, and fields of the other are set.
    | Contradicted of platform: CredentialsKind * fields: string list
    /// No `Platform`, and fields of both are set.
    | Both of legacy: string list * cloud: string list

/// SPEC §9: the platform of hosted options, as given or inferred from the fields that are set.
[<RequireQualifiedAccess>]
module HostedPlatform =

    /// The platform named, when no field of the other kind is set; with none named, `Cloud` when a
    /// CARTO 3 field is set and no legacy one, else `Legacy` (also when none is set).
    let infer
        (given: CredentialsKind option)
        (legacy: string list)
        (cloud: string list)
        : Result<CredentialsKind, PlatformError> =
        match given, legacy, cloud with
        | Some CredentialsKind.Legacy, _, _ :: _ -> Error(PlatformError.Contradicted(CredentialsKind.Legacy, cloud))
        | Some CredentialsKind.Cloud, _ :: _, _ -> Error(PlatformError.Contradicted(CredentialsKind.Cloud, legacy))
        | Some platform, _, _ -> Ok platform
        | None, _ :: _, _ :: _ -> Error(PlatformError.Both(legacy, cloud))
        | None, [], _ :: _ -> Ok CredentialsKind.Cloud
        | None, _, [] -> Ok CredentialsKind.Legacy

    /// Why the options do not say one platform, naming the fields to remove: setting `Platform`
    /// alone would only lead to the next error.
    let message (error: PlatformError) : string =
        let names (fields: string list) = String.concat ", " fields

        match error with
        | PlatformError.Contradicted(CredentialsKind.Legacy, cloud) ->
            "Platform is Legacy, but CARTO 3 options are set ("
            + names cloud
            + "); remove them, or set Platform to Cloud (with no legacy options set)."
        | PlatformError.Contradicted(_, legacy) ->
            "Platform is Cloud, but legacy options are set ("
            + names legacy
            + "); remove them, or set Platform to Legacy (with no CARTO 3 options set)."
        | PlatformError.Both(legacy, cloud) ->
            "both legacy ("
            + names legacy
            + ") and CARTO 3 ("
            + names cloud
            + ") options are set; for CARTO 3 remove "
            + names legacy
            + ", or for the legacy platform remove "
            + names cloud
            + "."
