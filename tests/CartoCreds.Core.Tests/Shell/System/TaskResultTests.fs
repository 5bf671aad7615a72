/// The shell's own vocabulary: `taskResult { }` stops at the first error and runs nothing after
/// it; a host made of given variables reads those alone.
module CartoCreds.Core.Tests.TaskResultTests

open System.Threading.Tasks
open Xunit
open CartoCreds.Core

let private run (work: Task<'T>) = work.GetAwaiter().GetResult()

[<Fact>]
let ``taskResult binds tasks of results and results, and returns the last value`` () =
    let sum =
        taskResult {
            let! a = Task.FromResult(Ok 1)
            let! b = Ok 2
            let! c = TaskResult.ofTask (Task.FromResult 3)
            return a + b + c
        }

    Assert.Equal(Ok 6, run sum)

[<Fact>]
let ``taskResult stops at the first error: no later step runs`` () =
    let mutable reached = false

    let stopped =
        taskResult {
            let! a = Task.FromResult(Ok 1)
            let! _ = Task.FromResult(Error "second")

            reached <- true
            return a
        }

    Assert.Equal(Error "second", run stopped)
    Assert.False reached

[<Fact>]
let ``taskResult's if without else, and return! of a result`` () =
    let check (value: int) =
        taskResult {
            if value < 0 then
                return! Error "negative"

            return value * 2
        }

    Assert.Equal(Ok 4, run (check 2))
    Assert.Equal(Error "negative", run (check -1))

[<Fact>]
let ``a host of given variables reads those alone`` () =
    let host = Host.ofVariables [ "CARTO_USERNAME", "ana" ]
    Assert.Equal(Some "ana", host.GetVariable "CARTO_USERNAME")
    Assert.Equal(None, host.GetVariable "HOME")
    Assert.Equal(Host.currentPlatform, host.Platform)
