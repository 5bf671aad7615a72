namespace CartoCreds.Core

/// What one layer gave: absent, with the reason; or present, with its result, which may be an
/// error that stops resolution.
[<RequireQualifiedAccess>]
type Outcome<'Credentials> =
    | Absent of Absence
    | Present of Result<Resolved<'Credentials>, ResolveError>

/// What a layer is to `show --all` (SPEC §6): the one used, present but below it, present and
/// invalid, or absent with the reason.
[<RequireQualifiedAccess>]
type Standing<'Credentials> =
    | Used of Resolved<'Credentials>
    | Shadowed of Resolved<'Credentials>
    | Invalid of ResolveError
    | Absent of Absence

/// The one precedence machine of SPEC §2, for either kind of credentials (§2 and §7.2): the first
/// present layer decides, and a layer is looked at only when every layer above it is absent. Each
/// kind gives it its table of layers, highest first (`Resolve.table`, `CloudResolve.table`).
[<RequireQualifiedAccess>]
module Precedence =

    /// A table of layers: each layer with what it gives from the layers handed over.
    type Table<'Credentials, 'Layers> =
        { Kind: CredentialsKind; Steps: (Layer * ('Layers -> Outcome<'Credentials>))[] }

    /// <summary>
    /// Runs the steps highest first until one is present; its result is the answer, with the layers
    /// passed over on the way (each absent, with why, highest first: what a log says of them). When
    /// none is present, the error lists them all.
    /// </summary>
    let trace
        (table: Table<'Credentials, 'Layers>)
        (layers: 'Layers)
        : struct (Result<Resolved<'Credentials>, ResolveError> * (Layer * Absence) list) =
        let steps = table.Steps

        let rec go index absent =
            if index = steps.Length then
                let passed = List.rev absent
                struct (Error(ResolveError.NotFound(table.Kind, passed)), passed)
            else
                let layer, step = steps[index]

                match step layers with
                | Outcome.Present result -> struct (result, List.rev absent)
                | Outcome.Absent why -> go (index + 1) ((layer, why) :: absent)

        go 0 []

    /// <summary>
    /// Runs the steps highest first until one is present; its result is the answer. When none is,
    /// the error gives every layer with why it was absent, highest first.
    /// </summary>
    let decide (table: Table<'Credentials, 'Layers>) (layers: 'Layers) : Result<Resolved<'Credentials>, ResolveError> =
        let struct (result, _) = trace table layers
        result

    /// <summary>
    /// SPEC §6's `show --all`: every step, highest first, with what it gave. The first present
    /// step is used (or invalid, which stops resolution); present steps below it are shadowed. Every
    /// layer is read: the one place where layers below the winner are.
    /// </summary>
    let survey (table: Table<'Credentials, 'Layers>) (layers: 'Layers) : (Layer * Standing<'Credentials>) list =
        table.Steps
        |> Array.fold
            (fun (decided, standings) (layer, step) ->
                match step layers with
                | Outcome.Absent why -> decided, (layer, Standing.Absent why) :: standings
                | Outcome.Present(Error e) -> true, (layer, Standing.Invalid e) :: standings
                | Outcome.Present(Ok r) when decided -> true, (layer, Standing.Shadowed r) :: standings
                | Outcome.Present(Ok r) -> true, (layer, Standing.Used r) :: standings)
            (false, [])
        |> snd
        |> List.rev
