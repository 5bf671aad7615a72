namespace CartoCreds.Core

/// `result { }`: the happy path of a chain of validations, stopping at the first error. Small
/// enough to keep here rather than take a package for it; internal, so that it never meets a
/// caller's own `result` (FsToolkit.ErrorHandling's) through `open CartoCreds.Core`.
[<AutoOpen>]
module internal ResultExpression =

    /// Inline, with the rest of the expression inlined too: a chain of steps allocates no closures.
    type ResultBuilder() =
        member inline _.Return(value: 'T) : Result<'T, 'E> = Ok value
        member inline _.ReturnFrom(result: Result<'T, 'E>) : Result<'T, 'E> = result

        member inline _.Bind(result: Result<'T, 'E>, [<InlineIfLambda>] next: 'T -> Result<'U, 'E>) : Result<'U, 'E> =
            match result with
            | Ok value -> next value
            | Error error -> Error error

        member inline _.Zero() : Result<unit, 'E> = Ok()

    /// The `result { }` computation expression.
    let result = ResultBuilder()

    /// `Ok ()` when the condition holds, else the error, made only then (an error that shows a
    /// refused value costs its formatting, which valid input must not pay).
    let require (condition: bool) (error: unit -> 'E) : Result<unit, 'E> = if condition then Ok() else Error(error ())

    /// Whether every character of the text satisfies the predicate (no enumerator allocated).
    let forallChars (predicate: char -> bool) (text: string) : bool =
        let mutable i = 0

        while i < text.Length && predicate text[i] do
            i <- i + 1

        i = text.Length

    /// Whether every character of the span satisfies the predicate.
    let forallSpan (predicate: char -> bool) (text: System.ReadOnlySpan<char>) : bool =
        let mutable i = 0

        while i < text.Length && predicate text[i] do
            i <- i + 1

        i = text.Length
