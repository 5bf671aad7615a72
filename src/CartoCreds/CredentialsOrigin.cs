namespace CartoCreds;

/// <summary>The layers credentials are resolved from, highest precedence first (SPEC §2).</summary>
public enum CredentialsLayer
{
    /// <summary>A credentials value handed over whole, or values set in code by a setter.</summary>
    Explicit,

    /// <summary>Username, API key and base URL given as arguments.</summary>
    Arguments,

    /// <summary>A credentials file named by path.</summary>
    File,

    /// <summary>The variables <c>CARTO_USERNAME</c>, <c>CARTO_API_KEY</c> and <c>CARTO_BASE_URL</c>.</summary>
    Environment,

    /// <summary>The file CARTOframes saves at its default location.</summary>
    SavedSession,
}

/// <summary>Where credentials came from: the layer and its location.</summary>
/// <param name="Layer">The layer that gave the credentials.</param>
/// <param name="Location">
/// The argument names, the file's absolute path, or the variable names; <see langword="null"/> for
/// <see cref="CredentialsLayer.Explicit"/>.
/// </param>
public sealed record CredentialsOrigin(CredentialsLayer Layer, string? Location)
{
    /// <summary>
    /// The CARTO CLI profile that gave CARTO 3 credentials (as read from the file); otherwise
    /// <see langword="null"/>.
    /// </summary>
    public string? Profile { get; init; }

    /// <summary>
    /// The enum's values are the core's layers in the core's order, with the core's ids for names
    /// (a test holds them together), so the mapping is the position: no case can be mapped wrongly.
    /// </summary>
    internal static CredentialsOrigin Of(Core.Origin origin) =>
        new((CredentialsLayer)origin.Layer.Tag, origin.Location?.Value) { Profile = origin.Profile?.Value };

    /// <summary>
    /// The origin in the core's words, as every message says it:
    /// <c>Saved session (/home/ana/.config/cartoframes/creds.json)</c>, or with a CARTO CLI
    /// profile <c>Saved session (/home/ana/.carto_credentials.json, profile eu)</c>.
    /// </summary>
    /// <returns>The layer's name, and the location in parentheses when there is one.</returns>
    public override string ToString() =>
        Core.Messages.origin(new Core.Origin(
            Microsoft.FSharp.Collections.ListModule.Item((int)Layer, Core.LayerModule.all),
            Option(Location),
            Option(Profile)));

    private static Microsoft.FSharp.Core.FSharpOption<string> Option(string? text) =>
        text is null ? Microsoft.FSharp.Core.FSharpOption<string>.None : Microsoft.FSharp.Core.FSharpOption<string>.Some(text);
}

/// <summary>No credentials could be found: no layer was present, or no scope and no default were set.</summary>
public sealed class CredentialsNotFoundException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that says where credentials were looked for.</summary>
    /// <param name="message">Every layer and why it was unavailable, and how to save credentials.</param>
    public CredentialsNotFoundException(string message)
        : base(message)
    {
    }
}
