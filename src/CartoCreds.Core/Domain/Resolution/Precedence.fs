namespace CartoCreds.Core

/// What one layer gave: absent, with the reason; or present, with its result, which may be an
/// error that stops resolution.
[<RequireQualifiedAccess>]
type Outcome<'Resolved, 'Error, 'Absence> =
    | Absent of 'Absence
    | Present of Result<'Resolved, 'Error>

/// What a layer is to `show --all` (SPEC §6): the one used, present but below it, present and
/// invalid, or absent with the reason.
[<RequireQualifiedAccess>]
type Standing<'Resolved, 'Error, 'Absence> =
    | Used of 'Resolved
    | Shadowed of 'Resolved
    | Invalid of 'Error
    | Absent of 'Absence

/// The one precedence machine of SPEC §2, for either kind of credentials (§2 and §7.2): the first
/// present layer decides, and a layer is looked at only when every layer above it is absent.
[<RequireQualifiedAccess>]
module Precedence =

    /// <summary>
    /// Runs the steps highest first until one is present; its result is the answer, with the layers
    /// passed over on the way (each absent, with why, highest first: what a log says of them). When
    /// none is present, `notFound` is given them all.
    /// </summary>
    let trace
        (notFound: ('Layer * 'Absence) list -> 'Error)
        (run: 'Layer * 'Step -> Outcome<'Resolved, 'Error, 'Absence>)
        (steps: ('Layer * 'Step)[])
        : struct (Result<'Resolved, 'Error> * ('Layer * 'Absence) list) =
        let rec go index absent =
            if index = steps.Length then
                let passed = List.rev absent
                struct (Error(notFound passed), passed)
            else
                match run steps[index] with
                | Outcome.Present result -> struct (result, List.rev absent)
                | Outcome.Absent why -> go (index + 1) ((fst steps[index], why) :: absent)

        go 0 []

    /// <summary>
    /// Runs the steps highest first until one is present; its result is the answer. When none is,
    /// `notFound` is given every layer with why it was absent, highest first.
    /// </summary>
    let decide
        (notFound: ('Layer * 'Absence) list -> 'Error)
        (run: 'Layer * 'Step -> Outcome<'Resolved, 'Error, 'Absence>)
        (steps: ('Layer * 'Step)[])
        : Result<'Resolved, 'Error> =
        let struct (result, _) = trace notFound run steps
        result

    /// <summary>
    /// SPEC §6's `show --all`: every step, highest first, with what it gave. The first present
    /// step is used (or invalid, which stops resolution); present steps below it are shadowed. Every
    /// layer is read: the one place where layers below the winner are.
    /// </summary>
    let survey
        (run: 'Layer * 'Step -> Outcome<'Resolved, 'Error, 'Absence>)
        (steps: ('Layer * 'Step)[])
        : ('Layer * Standing<'Resolved, 'Error, 'Absence>) list =
        steps
        |> Array.fold
            (fun (decided, standings) (layer, step) ->
                match run (layer, step) with
                | Outcome.Absent why -> decided, (layer, Standing.Absent why) :: standings
                | Outcome.Present(Error e) -> true, (layer, Standing.Invalid e) :: standings
                | Outcome.Present(Ok r) when decided -> true, (layer, Standing.Shadowed r) :: standings
                | Outcome.Present(Ok r) -> true, (layer, Standing.Used r) :: standings)
            (false, [])
        |> snd
        |> List.rev
