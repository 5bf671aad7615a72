/// Windows' file primitives and Credential Manager, run for real under Wine: the checks of
/// `CartoCreds.Core.Tests.Windows` (the same contracts `FileSystemTests` and
/// `PlatformKeychainTests` hold the other systems to), published self-contained for win-x64 by
/// `build.fsx test` and run in the test process's private `WINEPREFIX`.
module CartoCreds.Core.Tests.WindowsFilesTests

open System.IO
open Xunit
open CartoCreds.Testing

/// The win-x64 checks `build.fsx test` publishes where Wine is installed.
let private checks =
    Repository.root
    |> Option.map (fun root -> Path.Combine(root, "artifacts", "win-x64-tests", "CartoCreds.Core.Tests.Windows.exe"))
    |> Option.filter File.Exists

type WindowsChecksFactAttribute() as this =
    inherit FactAttribute()

    do
        match PrivateWine.missing, checks with
        | Some reason, _ -> this.Skip <- reason
        | None, None ->
            this.Skip <-
                "the win-x64 checks are not published (dotnet fsi build.fsx test publishes them where wine is installed)"
        | None, Some _ -> ()

[<WindowsChecksFact>]
let ``under Wine, Windows' file primitives keep the contract and the Credential Manager keeps a secret`` () =
    let code, out, err = PrivateWine.run checks.Value [] []
    let lines = out.Replace("\r\n", "\n").Split('\n', System.StringSplitOptions.RemoveEmptyEntries)
    let failed = lines |> Array.filter (fun l -> l.StartsWith "FAIL ")
    Assert.True((code = 0 && failed.Length = 0), String.concat "\n" (Array.append failed [| err |]))
    // Every check ran and passed: none was left out by an early exit.
    Assert.Equal(9, lines |> Array.filter (fun l -> l.StartsWith "ok ") |> Array.length)
