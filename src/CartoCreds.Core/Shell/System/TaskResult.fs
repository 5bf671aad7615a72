namespace CartoCreds.Core

open System
open System.Threading.Tasks

/// `taskResult { }`: the happy path of a chain of asynchronous steps that may fail, stopping at the
/// first error, as FsToolkit.ErrorHandling's `taskResult` reads (`let!` binds a
/// `Task<Result<_, _>>`, a `Result` or, with `TaskResult.ofTask`, a plain task). Internal, as
/// `result { }` is: it never meets a caller's own builder through `open CartoCreds.Core`.
[<AutoOpen>]
module internal TaskResultExpression =

    type TaskResultBuilder() =
        member _.Return(value: 'T) : Task<Result<'T, 'E>> = Task.FromResult(Ok value)
        member _.ReturnFrom(pending: Task<Result<'T, 'E>>) : Task<Result<'T, 'E>> = pending
        member _.ReturnFrom(result: Result<'T, 'E>) : Task<Result<'T, 'E>> = Task.FromResult result
        member _.Zero() : Task<Result<unit, 'E>> = Task.FromResult(Ok())
        member _.Delay(work: unit -> Task<Result<'T, 'E>>) : unit -> Task<Result<'T, 'E>> = work
        member _.Run(work: unit -> Task<Result<'T, 'E>>) : Task<Result<'T, 'E>> = work ()

        member _.Bind(pending: Task<Result<'T, 'E>>, next: 'T -> Task<Result<'U, 'E>>) : Task<Result<'U, 'E>> =
            task {
                match! pending with
                | Ok value -> return! next value
                | Error e -> return Error e
            }

        member _.Bind(result: Result<'T, 'E>, next: 'T -> Task<Result<'U, 'E>>) : Task<Result<'U, 'E>> =
            match result with
            | Ok value -> next value
            | Error e -> Task.FromResult(Error e)

        member this.Combine(first: Task<Result<unit, 'E>>, rest: unit -> Task<Result<'T, 'E>>) = this.Bind(first, rest)

        member _.Using(resource: 'R :> IDisposable, body: 'R -> Task<Result<'T, 'E>>) : Task<Result<'T, 'E>> =
            task {
                use _ = resource
                return! body resource
            }

    /// The `taskResult { }` computation expression.
    let taskResult = TaskResultBuilder()

[<RequireQualifiedAccess>]
module internal TaskResult =

    /// A task that cannot fail, as a step of `taskResult { }`.
    let ofTask (pending: Task<'T>) : Task<Result<'T, 'E>> =
        task {
            let! value = pending
            return Ok value
        }

    /// The error of a step, made another.
    let mapError (map: 'E -> 'F) (pending: Task<Result<'T, 'E>>) : Task<Result<'T, 'F>> =
        task {
            let! result = pending
            return Result.mapError map result
        }
