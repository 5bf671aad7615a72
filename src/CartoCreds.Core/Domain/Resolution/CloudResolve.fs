namespace CartoCreds.Core

/// Resolved CARTO 3 credentials with the services they are used with (SPEC §7.4, §8), read once
/// by resolution and carried into the session, the login and verification.
type CloudResolution = { Resolved: Resolved<CloudCredentials>; Services: CloudServices }

/// SPEC §7.2: the CARTO 3 layers, decided by the same precedence machine as §2. Pure.
[<RequireQualifiedAccess>]
module CloudResolve =

    /// The precedence of SPEC §7.2, highest first.
    let table: Precedence.Table<CloudCredentials, CloudLayers> =
        // `profile` names a profile of any CARTO CLI file; CARTO_PROFILE, the saved session's only.
        let profileOf (layers: CloudLayers) =
            Input.givenOption layers.Arguments.Profile
            |> Option.orElse (layers.Environment CloudVariables.Profile |> Input.givenOption)

        { Kind = CredentialsKind.Cloud
          Steps =
            [| Layer.Explicit, (fun layers -> CloudSteps.explicitLayer layers.Explicit)
               Layer.Arguments, (fun layers -> CloudSteps.argumentsLayer layers.Arguments)
               Layer.File, (fun layers -> CloudSteps.fileLayer (Input.givenOption layers.Arguments.Profile) layers.File)
               Layer.Environment, (fun layers -> CloudSteps.environmentLayer layers.Environment)
               Layer.SavedSession,
               (fun layers ->
                   CloudSteps.savedSessionLayer
                       (Resolve.strictPermissions layers.Environment)
                       (profileOf layers)
                       layers.Now
                       layers.SavedSession) |] }

    /// Credentials that resolved are used with the services the environment names, read here
    /// once and carried with them: an invalid `CARTO_AUTH_URL` or `CARTO_ACCOUNTS_URL` is the
    /// Environment layer's problem, named by its variable, whatever layer gave the credentials.
    let private withServices (layers: CloudLayers) (result: Result<Resolved<CloudCredentials>, ResolveError>) =
        result
        |> Result.bind (fun resolved ->
            match CloudServices.ofVariables layers.Environment with
            | Ok services -> Ok { Resolved = resolved; Services = services }
            | Error e ->
                let variable = CloudServices.variable e.Service

                Error(
                    ResolveError.InvalidLayer(
                        CredentialsKind.Cloud,
                        Layer.Environment,
                        variable,
                        LayerProblem.ServiceUrl e
                    )
                ))

    /// SPEC §7.2: the credentials of the highest present layer with their origin and the services
    /// they are used with, the error of an invalid present layer, or, when none is present, why
    /// each was not. No network.
    let resolve (layers: CloudLayers) : Result<CloudResolution, ResolveError> =
        Precedence.decide table layers |> withServices layers

    /// `resolve`, with the layers passed over before the answer (absent, with why, highest first).
    let trace (layers: CloudLayers) : struct (Result<CloudResolution, ResolveError> * (Layer * Absence) list) =
        let struct (result, passed) = Precedence.trace table layers
        struct (withServices layers result, passed)

    /// Every layer, highest first, with what it gave (SPEC §6's `cloud show --all`): all are read.
    let survey (layers: CloudLayers) : (Layer * Standing<CloudCredentials>) list = Precedence.survey table layers
