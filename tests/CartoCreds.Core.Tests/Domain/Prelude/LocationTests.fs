/// SPEC §4: the default location, as CARTOframes computes it.
module CartoCreds.Core.Tests.LocationTests

open Xunit
open CartoCreds.Core

let private variables pairs =
    let map = Map.ofList pairs
    fun name -> Map.tryFind name map

[<Fact>]
let ``Linux: $XDG_CONFIG_HOME/cartoframes/creds.json`` () =
    Assert.Equal(
        Ok "/cfg/cartoframes/creds.json",
        Location.defaultPath Platform.Linux (variables [ "XDG_CONFIG_HOME", "/cfg/"; "HOME", "/home/ana" ])
    )

[<Fact>]
let ``Linux: ~/.config/cartoframes/creds.json when XDG_CONFIG_HOME is unset or empty`` () =
    Assert.Equal(
        Ok "/home/ana/.config/cartoframes/creds.json",
        Location.defaultPath Platform.Linux (variables [ "HOME", "/home/ana" ])
    )

    Assert.Equal(
        Ok "/home/ana/.config/cartoframes/creds.json",
        Location.defaultPath Platform.Linux (variables [ "XDG_CONFIG_HOME", ""; "HOME", "/home/ana" ])
    )

[<Fact>]
let ``macOS: ~/Library/Application Support/cartoframes/creds.json`` () =
    Assert.Equal(
        Ok "/Users/ana/Library/Application Support/cartoframes/creds.json",
        Location.defaultPath Platform.MacOS (variables [ "HOME", "/Users/ana"; "XDG_CONFIG_HOME", "/ignored" ])
    )

[<Fact>]
let ``Windows: %LOCALAPPDATA%\cartoframes\cartoframes\creds.json`` () =
    Assert.Equal(
        Ok @"C:\Users\ana\AppData\Local\cartoframes\cartoframes\creds.json",
        Location.defaultPath Platform.Windows (variables [ "LOCALAPPDATA", @"C:\Users\ana\AppData\Local" ])
    )

[<Fact>]
let ``without the variables it needs, the location is unknown and says which`` () =
    Assert.Equal(Error(LocationError.VariableNotSet "HOME"), Location.defaultPath Platform.Linux (variables []))

    Assert.Equal(
        Error(LocationError.VariableNotSet "LOCALAPPDATA"),
        Location.defaultPath Platform.Windows (variables [ "HOME", "/h" ])
    )

[<Fact>]
let ``the legacy cartocreds.json lies beside creds.json`` () =
    Assert.Equal("/cfg/cartoframes/cartocreds.json", Location.legacyPath Platform.Linux "/cfg/cartoframes/creds.json")

    Assert.Equal(
        @"C:\x\cartoframes\cartocreds.json",
        Location.legacyPath Platform.Windows @"C:\x\cartoframes\creds.json"
    )
