using CartoCreds.Core;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>
/// The one place where the core's error values become the exceptions C# callers expect (SPEC §5).
/// The messages come from the core's <c>Messages</c> and never contain a secret key.
/// </summary>
internal static class Errors
{
    public static Exception Of(ResolveError error)
    {
        var message = Messages.resolveError(error);

        if (error is not ResolveError.InvalidLayer invalid)
        {
            return new CredentialsNotFoundException(message);
        }

        if (invalid.layer.IsEnvironment)
        {
            return new InvalidOperationException(message);
        }

        if (invalid.layer.IsExplicit || invalid.layer.IsArguments)
        {
            return new ArgumentException(message);
        }

        return invalid.problem switch
        {
            LayerProblem.Unreadable { Item.IsNotFound: true } => new FileNotFoundException(message, invalid.location),
            LayerProblem.Unreadable => new IOException(message),
            LayerProblem.Exposed => new IOException(message),
            _ => new InvalidDataException(message),
        };
    }

    public static Exception Of(StoreError error)
    {
        var message = Messages.storeError(error);
        return error.IsNoLocation ? new InvalidOperationException(message) : new IOException(message);
    }

    public static Exception Of(CloudResolveError error)
    {
        var message = Messages.cloudResolveError(error);

        if (error is not CloudResolveError.InvalidLayer invalid)
        {
            return new CredentialsNotFoundException(message);
        }

        if (invalid.layer.IsEnvironment)
        {
            return new InvalidOperationException(message);
        }

        if (invalid.layer.IsExplicit || invalid.layer.IsArguments)
        {
            return new ArgumentException(message);
        }

        return invalid.problem switch
        {
            CloudProblem.Unreadable { Item.IsNotFound: true } => new FileNotFoundException(message, invalid.location),
            CloudProblem.Unreadable => new IOException(message),
            CloudProblem.Exposed => new IOException(message),
            _ => new InvalidDataException(message),
        };
    }

    public static Exception Of(ProfileError error)
    {
        var message = Messages.profileError(error);
        return error switch
        {
            { IsNotAToken: true } => new InvalidOperationException(message),
            { IsNotACliFile: true } => new InvalidDataException(message),
            ProfileError.Store { Item.IsNoLocation: true } => new InvalidOperationException(message),
            _ => new IOException(message),
        };
    }

    public static Exception Of(TokenExchangeException error) => error.Error switch
    {
        ExchangeError.Refused refused => new CartoTokenException(error.Message, refused.status, refused.error?.Value),
        ExchangeError.UnexpectedAnswer unexpected => new CartoTokenException(error.Message, unexpected.status, null),
        _ => new CartoTokenException(error.Message, null, null),
    };

    public static T Unwrap<T>(FSharpResult<T, CloudResolveError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    public static T Unwrap<T>(FSharpResult<T, ProfileError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    /// <summary>Cloud value errors of a value handed over whole: an <see cref="ArgumentException"/>.</summary>
    public static T Unwrap<T>(FSharpResult<T, Microsoft.FSharp.Collections.FSharpList<CloudValueError>> result) =>
        result.IsOk
            ? result.ResultValue
            : throw new ArgumentException(string.Join("; ", result.ErrorValue.Select(Messages.cloudValueError)));

    public static Exception Of(ScopeError error) => new CredentialsNotFoundException(Messages.scopeError(error));

    public static T Unwrap<T>(FSharpResult<T, ScopeError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    public static T Unwrap<T>(FSharpResult<T, ResolveError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    public static T Unwrap<T>(FSharpResult<T, StoreError> result) =>
        result.IsOk ? result.ResultValue : throw Of(result.ErrorValue);

    /// <summary>A setter's value error: an <see cref="ArgumentException"/> naming the parameter.</summary>
    public static T Unwrap<T>(FSharpResult<T, ValueError> result, string parameter) =>
        result.IsOk ? result.ResultValue : throw new ArgumentException(Messages.valueError(result.ErrorValue), parameter);

    /// <summary>Several value errors, the parameter named after the first invalid field.</summary>
    public static T Unwrap<T>(FSharpResult<T, Microsoft.FSharp.Collections.FSharpList<ValueError>> result) =>
        result.IsOk
            ? result.ResultValue
            : throw new ArgumentException(Messages.valueErrors(result.ErrorValue), ParameterOf(result.ErrorValue.Head));

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
