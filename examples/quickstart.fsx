// A short tour of CartoCreds from an F# script: save, resolve and explain credentials.
// Everything happens in a temporary directory; your real configuration is never touched.
// Run it with `dotnet fsi build.fsx demo` (which builds the library first).
#r "../src/CartoCreds.Core/bin/Release/net10.0/Microsoft.Extensions.Logging.Abstractions.dll"
#r "../src/CartoCreds.Core/bin/Release/net10.0/CartoCreds.Core.dll"

open System.IO
open CartoCreds.Core

let home = Directory.CreateTempSubdirectory("cartocreds-tour-").FullName

/// A host whose home and configuration directory are the temporary directory, plus some variables.
let hostWith variables =
    Host.ofVariables ([ "HOME", home; "XDG_CONFIG_HOME", Path.Combine(home, ".config") ] @ variables)

let host = hostWith []

let explain title result =
    printfn "\n== %s" title

    match result with
    | Ok resolved ->
        printfn "%O" resolved.Credentials
        printfn "from %s" (Messages.origin resolved.Origin)
    | Error e -> printfn "%s" (Messages.resolveError e)

// 1. Nothing saved yet: every layer says why it had nothing.
explain "Nothing saved yet" (Shell.resolve host (Request.ofArguments Arguments.None))

// 2. Save credentials where CARTOframes keeps them (here, under the temporary home).
let ana =
    Credentials.create
        { CredentialsInput.Empty with
            Username = Some "ana"
            ApiKey = Some "3f1e0c9a2b7d4e5f" }
    |> Result.defaultWith (fun e -> failwith (ValueMessages.valueErrors e))

match Shell.save host None ana with
| Ok place -> printfn "\n== Saved\n%s" (ValueMessages.place place)
| Error e -> printfn "\n== Save failed\n%s" (ValueMessages.storeError e)

// 3. The saved session is found; its key is masked whenever it is printed.
explain "Resolved from the saved session" (Shell.resolve host (Request.ofArguments Arguments.None))

// 4. The environment outranks the saved session.
explain
    "CARTO_USERNAME is set"
    (Shell.resolve (hostWith [ ("CARTO_USERNAME", "team_account") ]) (Request.ofArguments Arguments.None))

// 5. Arguments outrank both; a base URL alone gives the public key and derives the username.
explain
    "A base URL as an argument"
    (Shell.resolve
        host
        { Request.ofArguments Arguments.None with
            Arguments = { Arguments.None with BaseUrl = Some "https://Team.carto.com/u/bob/" } })

// 6. An invalid layer is an error that names it; lower layers are not used in its place.
explain
    "An invalid argument"
    (Shell.resolve
        host
        { Request.ofArguments Arguments.None with
            Arguments = { Arguments.None with BaseUrl = Some "ftp://carto.example.org" } })

// 7. Delete the saved session; resolution explains itself again.
printfn "\n== Deleted: %A" (Shell.delete host None |> Result.defaultValue false)
explain "After delete" (Shell.resolve host (Request.ofArguments Arguments.None))

Directory.Delete(home, true)
