using CartoCreds.Core;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>
/// The one place where the core's error values become the exceptions C# callers expect (SPEC §5).
/// The messages come from the core's <c>Messages</c> and never contain a secret key.
/// </summary>
internal static class Errors
{
    /// <summary>What a failed read of a layer's file was, for the exception it becomes.</summary>
    private enum FileFailure { NotFound, Unreadable, Invalid }

    /// <summary>SPEC §5's exceptions, for either kind of credentials: the one place layers become exception types.</summary>
    private static Exception OfLayer(string message, bool notFound, Layer layer, string location, FileFailure failure)
    {
        if (notFound)
        {
            return new CredentialsNotFoundException(message);
        }

        if (layer.IsEnvironment)
        {
            return new InvalidOperationException(message);
        }

        if (layer.IsExplicit || layer.IsArguments)
        {
            return new ArgumentException(message);
        }

        return failure switch
        {
            FileFailure.NotFound => new FileNotFoundException(message, location),
            FileFailure.Unreadable => new IOException(message),
            _ => new InvalidDataException(message),
        };
    }

    /// <summary>A resolution error of either kind of credentials.</summary>
    public static Exception Of(ResolveError error) => error switch
    {
        ResolveError.InvalidLayer invalid => OfLayer(
            Messages.resolveErrorOn(Surface.CSharp, error),
            false,
            invalid.layer,
            invalid.location,
            invalid.problem switch
            {
                LayerProblem.Unreadable { Item.IsNotFound: true } or LayerProblem.Unreadable { Item.IsNoItem: true } => FileFailure.NotFound,
                // A file that is there but too large is not valid credentials (SPEC §5), not an I/O failure.
                LayerProblem.Unreadable { Item.IsTooLarge: true } => FileFailure.Invalid,
                LayerProblem.Unreadable or LayerProblem.Exposed => FileFailure.Unreadable,
                _ => FileFailure.Invalid,
            }),
        _ => OfLayer(Messages.resolveErrorOn(Surface.CSharp, error), true, Layer.Explicit, "", FileFailure.Invalid),
    };

    public static Exception Of(StoreError error)
    {
        var message = ValueMessages.storeError(error);
        return error.IsNoLocation ? new InvalidOperationException(message) : new IOException(message);
    }

    public static Exception Of(ProfileError error)
    {
        var message = CallMessages.profileError(error);
        return error switch
        {
            { IsNotAToken: true } => new InvalidOperationException(message),
            { IsNotACliFile: true } => new InvalidDataException(message),
            { IsNoSuchProfile: true } => new ArgumentException(message, "name"),
            ProfileError.Store { Item.IsNoLocation: true } => new InvalidOperationException(message),
            _ => new IOException(message),
        };
    }

    public static Exception Of(LoginError error, CancellationToken cancellationToken)
    {
        var message = CallMessages.loginError(error);
        return error switch
        {
            LoginError.Denied denied => new CartoLoginException(message, denied.error),
            { IsStateMismatch: true } or { IsBadCode: true } or { IsApiBaseUrl: true } or { IsAccount: true } => new CartoLoginException(message, null),
            LoginError.Token token => Of(TokenError.NewExchange(token.Item)),
            LoginError.Save save => Of(save.Item),
            { IsTimedOut: true } or { IsCodeTimedOut: true } => new TimeoutException(message),
            { IsCancelled: true } => new OperationCanceledException(message, cancellationToken),
            { IsPortInUse: true } => new IOException(message),
            _ => new InvalidOperationException(message),
        };
    }

    public static Exception Of(TokenError error)
    {
        var message = CallMessages.tokenError(error);
        return error switch
        {
            TokenError.Exchange { Item: ExchangeError.Refused refused } => new CartoTokenException(message, refused.status, refused.error?.Value),
            TokenError.Exchange { Item: ExchangeError.UnexpectedAnswer unexpected } => new CartoTokenException(message, unexpected.status, null),
            TokenError.Exchange { Item: ExchangeError.BadExpiry bad } => new CartoTokenException(message, bad.status, null),
            TokenError.Exchange { Item: ExchangeError.Redirected redirected } => new CartoTokenException(message, redirected.status, null),
            // A setting, not an answer of CARTO's: what an invalid variable has always been.
            { IsService: true } => new InvalidOperationException(message),
            _ => new CartoTokenException(message, null, null),
        };
    }

    public static T Unwrap<T>(FSharpResult<T, TokenError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    /// <summary>An attached token, or the exception of why none could be had.</summary>
    public static ValueTask Check(FSharpResult<Unit, TokenError> result) =>
        result.IsOk ? ValueTask.CompletedTask : ValueTask.FromException(Of(result.ErrorValue));

    public static async ValueTask CheckLater(ValueTask<FSharpResult<Unit, TokenError>> pending) =>
        Unwrap(await pending.ConfigureAwait(false));

    public static T Unwrap<T>(FSharpResult<T, ProfileError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    /// <summary>Cloud value errors of a value handed over whole: an <see cref="ArgumentException"/>.</summary>
    public static T Unwrap<T>(FSharpResult<T, Microsoft.FSharp.Collections.FSharpList<CloudValueError>> result) =>
        result.IsOk
            ? result.ResultValue
            : throw new ArgumentException(string.Join("; ", result.ErrorValue.Select(ValueMessages.cloudValueError)));

    public static Exception Of(ScopeError error) => new CredentialsNotFoundException(Messages.scopeError(error));

    public static T Unwrap<T>(FSharpResult<T, ScopeError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    public static T Unwrap<T>(FSharpResult<T, ResolveError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    public static T Unwrap<T>(FSharpResult<T, StoreError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    /// <summary>A setter's value error: an <see cref="ArgumentException"/> naming the parameter.</summary>
    public static T Unwrap<T>(FSharpResult<T, ValueError> result, string parameter) =>
        result.IsOk ? result.ResultValue : throw new ArgumentException(ValueMessages.valueErrorOn(Surface.CSharp, result.ErrorValue), parameter);

    /// <summary>Several value errors, the parameter named after the first invalid field.</summary>
    public static T Unwrap<T>(FSharpResult<T, Microsoft.FSharp.Collections.FSharpList<ValueError>> result) =>
        result.IsOk
            ? result.ResultValue
            : throw new ArgumentException(
                string.Join("; ", result.ErrorValue.Select(e => ValueMessages.valueErrorOn(Surface.CSharp, e))),
                ParameterOf(result.ErrorValue.Head));

    private static string? ParameterOf(ValueError error) =>
        ValueErrorModule.field(error)?.Value switch
        {
            { IsApiKey: true } => "key",
            { IsUsername: true } => "username",
            { IsBaseUrl: true } => "baseUrl",
            _ => null,
        };

    /// <summary>Text that is null or blank counts as not given (SPEC §1).</summary>
    public static FSharpOption<string>? Given(string? text) =>
        string.IsNullOrWhiteSpace(text) ? FSharpOption<string>.None : FSharpOption<string>.Some(text);
}
