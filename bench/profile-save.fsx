// SPEC §7.3's locked profile save (`CliProfilesDisk.save`: the lock file taken with flock, the CARTO CLI
// file read, the profile set, the file written atomically and privately, the lock released)
// against the same read-modify-write without the lock, as a save was made before writers were
// serialized. Timed as interleaved ratios (Ratio.fsx): ROUNDS rounds (default 30) of SAVES saves
// (default 20) each, on a file of PROFILES profiles (default 3). Run by `dotnet fsi build.fsx bench`.
#r "../src/CartoCreds.Core/bin/Release/net10.0/Microsoft.Extensions.Logging.Abstractions.dll"
#r "../src/CartoCreds.Core/bin/Release/net10.0/CartoCreds.Core.dll"
#load "Ratio.fsx"

open System
open System.IO
open CartoCreds.Core
open Ratio

let rounds = setting "ROUNDS" 30
let saves = setting "SAVES" 20
let profiles = setting "PROFILES" 3
let home = Directory.CreateTempSubdirectory("cartocreds-bench-profile-").FullName
let host = Host.ofVariables [ ("HOME", home) ]
let locked = Path.Combine(home, ".carto_credentials.json")
let unlocked = Path.Combine(home, "unlocked.json")

let token =
    match CloudCredentials.ofToken ("eyJ" + String('x', 1200)) None with
    | Ok c -> c
    | Error e -> failwithf "%A" e

let fail (e: ProfileError) = failwith (CallMessages.profileError e)

for i in 1..profiles do
    for path in [ locked; unlocked ] do
        CliProfilesDisk.save host (Some("p" + string i)) (Some path) token |> Result.mapError fail |> ignore

/// The read-modify-write with no lock: read, set the profile, write atomically.
let unlockedSave () =
    let before =
        match (Disk.readUpTo CloudFile.MaxCliFileSize unlocked).Content with
        | Ok bytes -> Some bytes
        | Error e -> failwithf "%A" e

    match CliProfiles.save unlocked before (Some "p1") token with
    | Ok(bytes, _) -> CodecDisk.write unlocked bytes |> Result.mapError (ProfileError.Store >> fail) |> ignore
    | Error e -> fail e

let lockedSave () = CliProfilesDisk.save host (Some "p1") (Some locked) token |> Result.mapError fail |> ignore

printfn
    "a profile save on a file of %d profiles (%d bytes), locked against unlocked (%d rounds of %d saves):"
    profiles
    (FileInfo(locked).Length)
    rounds
    saves

compare "the lock's cost" rounds saves unlockedSave lockedSave |> ignore
Directory.Delete(home, true)
