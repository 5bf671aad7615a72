/// SPEC §3's process-wide default credentials: set from a source only when it resolves, read
/// back whole, unset.
module CartoCreds.Core.Tests.DefaultCredentialsTests

open Xunit
open CartoCreds.Core
open CartoCreds.Core.Tests.Support

[<Collection("the default credentials")>]
type DefaultCredentialsTests() =

    [<Fact>]
    member _.``a source that resolves becomes the default; one that does not changes nothing``() =
        use box = new Sandbox()
        let host = box.Host []
        DefaultCredentials.unset ()

        let values = { Arguments.None with Username = Some "ana"; ApiKey = Some "0123456789abcdef" }

        match DefaultCredentials.setFrom host (DefaultSource.Values values) with
        | Ok resolved -> Assert.Equal(Some resolved, DefaultCredentials.get ())
        | Error e -> failwithf "%A" e

        let before = DefaultCredentials.get ()
        Assert.True(Result.isError (DefaultCredentials.setFrom host DefaultSource.SavedSession))
        Assert.Equal(before, DefaultCredentials.get ())
        DefaultCredentials.unset ()
        Assert.Equal(None, DefaultCredentials.get ())
