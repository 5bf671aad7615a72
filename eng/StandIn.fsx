// The loopback CARTO stand-in, for trying the README's HTTP and hosting examples without an account:
// the tests' own server on 127.0.0.1, a temporary configuration directory whose saved session
// points at it, and the variables to export. Start it with `dotnet fsi build.fsx standin`; Ctrl-C,
// or the end of its input (Ctrl-D), stops it and removes the directory. It reaches nothing else.
#r "../tests/CartoCreds.Testing/bin/Release/net10.0/Microsoft.Extensions.Logging.Abstractions.dll"
#r "../tests/CartoCreds.Testing/bin/Release/net10.0/CartoCreds.Testing.dll"

open System
open System.IO
open System.Threading
open CartoCreds.Testing

let server = new CartoServer()
let token = "stand-in-access-token-0001"
server.Account.AcceptToken token
let config = Directory.CreateTempSubdirectory("cartocreds-standin-").FullName
let saved = Path.Combine(config, "cartoframes", "creds.json")
Directory.CreateDirectory(Path.GetDirectoryName saved) |> ignore

File.WriteAllText(
    saved,
    "{\"username\": \"alice\", \"api_key\": \""
    + server.Account.ApiKey
    + "\", \"base_url\": \""
    + server.Url
    + "\", \"allow_non_secure\": true}"
)

if not (OperatingSystem.IsWindows()) then
    File.SetUnixFileMode(saved, UnixFileMode.UserRead ||| UnixFileMode.UserWrite)

let stop = new ManualResetEventSlim()

Console.CancelKeyPress.Add(fun e ->
    e.Cancel <- true
    stop.Set())

Thread(
    (fun () ->
        Console.In.ReadToEnd() |> ignore
        stop.Set()),
    IsBackground = true
)
    .Start()

printfn "CARTO stand-in at %s (127.0.0.1 only). In another shell, for the README's examples:" server.Url
printfn "  export XDG_CONFIG_HOME=%s" config
printfn "  export CARTO_API_TOKEN=%s CARTO_API_BASE_URL=%s CARTO_ACCOUNTS_URL=%s" token server.Url server.Url

printfn
    "  export CARTO_AUTH_URL=%s    # with CARTO_CLIENT_ID=%s CARTO_CLIENT_SECRET=%s for client credentials"
    server.Url
    server.Account.ClientId
    server.Account.ClientSecret

printfn "The saved session there is alice's, at %s. Ctrl-C or Ctrl-D stops the stand-in." server.Url
stop.Wait()
(server :> IDisposable).Dispose()
Directory.Delete(config, true)
printfn "stopped; %s removed" config
