namespace CartoCreds.Core

/// One layer as SPEC §6's `show --all` says it.
type StandingRow =
    {
        Layer: Layer
        /// `used`, `shadowed`, `invalid` or `absent`.
        Status: string
        /// Why a layer is invalid or absent.
        Reason: string option
        /// Where a present layer's credentials came from (or where an invalid one is).
        Origin: Origin option
        /// The credentials of a present layer, as their `Text` says them (secrets masked).
        Credentials: string option
    }

    /// The status in the table's words: `used`, `present (shadowed)`, `invalid: REASON`, `absent: REASON`.
    member this.Said =
        let status = if this.Status = "shadowed" then "present (shadowed)" else this.Status

        match this.Reason with
        | Some reason -> status + ": " + reason
        | None -> status

/// SPEC §6's `show --all` and `cloud show --all` in words: every layer, highest first.
[<RequireQualifiedAccess>]
module Standings =

    let private make layer status reason origin credentials =
        { Layer = layer
          Status = status
          Reason = reason
          Origin = origin
          Credentials = credentials }

    let private invalidAt layer where reason =
        make layer "invalid" (Some reason) (Some(Origin.At(layer, Some where))) None

    /// A layer of either kind, with hints in the words of `surface`; `text` says the credentials
    /// with their secrets masked.
    let row
        (surface: Surface)
        (text: 'Credentials -> string)
        (layer: Layer, standing: Standing<'Credentials>)
        : StandingRow =
        match standing with
        | Standing.Used r -> make layer "used" None (Some r.Origin) (Some(text r.Credentials))
        | Standing.Shadowed r -> make layer "shadowed" None (Some r.Origin) (Some(text r.Credentials))
        | Standing.Invalid(ResolveError.InvalidLayer(_, at, where, problem)) ->
            invalidAt layer where (Messages.layerProblem surface at problem)
        | Standing.Invalid error -> make layer "invalid" (Some(Messages.resolveErrorOn surface error)) None None
        | Standing.Absent why -> make layer "absent" (Some(Messages.absence why)) None None
