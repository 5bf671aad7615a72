// Interleaved ratios for the benchmark scripts: a candidate timed against its floor round by
// round, in alternating order, so that drift on a small, shared machine hits both alike. The
// result is the median of the per-round ratios. Loaded by handler.fsx and save.fsx.
module Ratio

open System
open System.Diagnostics

/// An integer setting from the environment, or its default.
let setting name fallback =
    match Environment.GetEnvironmentVariable name with
    | null
    | "" -> fallback
    | n -> int n

let median (xs: float seq) =
    let sorted = Seq.sort xs |> Array.ofSeq
    let n = sorted.Length
    if n % 2 = 1 then sorted[n / 2] else (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0

/// Microseconds per call of `work`, over `count` calls.
let time (count: int) (work: unit -> unit) =
    let clock = Stopwatch.StartNew()

    for _ in 1..count do
        work ()

    clock.Elapsed.TotalMicroseconds / float count

/// Times `candidate` against `floor` over `rounds` rounds of `count` calls each (after five
/// warm-up rounds) and prints both medians and the median ratio.
let compare (name: string) (rounds: int) (count: int) (floor: unit -> unit) (candidate: unit -> unit) =
    for _ in 1..5 do
        time count floor |> ignore
        time count candidate |> ignore

    let pairs =
        [ for round in 1..rounds ->
              if round % 2 = 0 then
                  let a = time count floor
                  a, time count candidate
              else
                  let b = time count candidate
                  time count floor, b ]

    let ratio = median (pairs |> List.map (fun (a, b) -> b / a))

    printfn
        "  %-28s floor %8.1f us   measured %8.1f us   ratio %.3fx (median of %d rounds of %d)"
        name
        (median (List.map fst pairs))
        (median (List.map snd pairs))
        ratio
        rounds
        count

    ratio
