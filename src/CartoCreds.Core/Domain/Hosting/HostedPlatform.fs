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
