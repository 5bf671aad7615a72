using CartoCreds.Core;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace CartoCreds;

/// <summary>
/// The effective credentials of nested objects (a Source in a Layer in a Map): the innermost set,
/// else the default credentials (SPEC §3).
/// </summary>
public static class CredentialScope
{
    /// <summary>The innermost credentials given (nulls are skipped), else the default credentials.</summary>
    /// <param name="innermostFirst">The credentials of the object and its enclosing objects, innermost first.</param>
    /// <returns>The effective credentials.</returns>
    /// <exception cref="CredentialsNotFoundException">None is set here and no default credentials are set.</exception>
    /// <example><code>var effective = CredentialScope.Resolve(source.Credentials, layer.Credentials, map.Credentials);</code></example>
    public static Credentials Resolve(params Credentials?[] innermostFirst)
    {
        ArgumentNullException.ThrowIfNull(innermostFirst);
        var scopes = ListModule.OfSeq(innermostFirst.Select(c => c is null ? FSharpOption<Credentials>.None : FSharpOption<Credentials>.Some(c)));
        var fallback = DefaultCredentials.Get() is { } d ? FSharpOption<Credentials>.Some(d) : FSharpOption<Credentials>.None;
        return Errors.Unwrap(Scope.effective(scopes, fallback));
    }
}
