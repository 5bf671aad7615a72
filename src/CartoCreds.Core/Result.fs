namespace CartoCreds.Core

/// `result { }`: the happy path of a chain of validations, stopping at the first error. Small
/// enough to keep here rather than take a package for it.
[<AutoOpen>]
module ResultExpression =

    type ResultBuilder() =
        member _.Return(value: 'T) : Result<'T, 'E> = Ok value
        member _.ReturnFrom(result: Result<'T, 'E>) : Result<'T, 'E> = result
        member _.Bind(result: Result<'T, 'E>, next: 'T -> Result<'U, 'E>) : Result<'U, 'E> = Result.bind next result
        member _.Zero() : Result<unit, 'E> = Ok()

    /// The `result { }` computation expression.
    let result = ResultBuilder()

    /// `Ok ()` when the condition holds, else the error.
    let require (condition: bool) (error: 'E) : Result<unit, 'E> = if condition then Ok() else Error error
