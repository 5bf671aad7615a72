namespace CartoCreds.Core

/// What one layer gave: absent, with the reason; or present, with its result, which may be an
/// error that stops resolution.
[<RequireQualifiedAccess>]
type Outcome<'Resolved, 'Error, 'Absence> =
    | Absent of 'Absence
    | Present of Result<'Resolved, 'Error>

/// The one precedence machine of SPEC §2, for either kind of credentials (§2 and §7.2): the first
/// present layer decides, and a layer is looked at only when every layer above it is absent.
[<RequireQualifiedAccess>]
module Precedence =

    /// <summary>
    /// Runs the steps highest first until one is present; its result is the answer. When none is,
    /// `notFound` is given every layer with why it was absent, highest first.
    /// </summary>
    let decide
        (notFound: ('Layer * 'Absence) list -> 'Error)
        (run: 'Layer * 'Step -> Outcome<'Resolved, 'Error, 'Absence>)
        (steps: ('Layer * 'Step)[])
        : Result<'Resolved, 'Error> =
        let rec go index absent =
            if index = steps.Length then
                Error(notFound (List.rev absent))
            else
                match run steps[index] with
                | Outcome.Present result -> result
                | Outcome.Absent why -> go (index + 1) ((fst steps[index], why) :: absent)

        go 0 []
