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
/// The argument names, the file path, or the variable names; <see langword="null"/> for
/// <see cref="CredentialsLayer.Explicit"/>.
/// </param>
public sealed record CredentialsOrigin(CredentialsLayer Layer, string? Location)
{
    internal static CredentialsOrigin Of(Core.Origin origin) =>
        new(
            origin.Layer.Tag switch
            {
                Core.Layer.Tags.Explicit => CredentialsLayer.Explicit,
                Core.Layer.Tags.Arguments => CredentialsLayer.Arguments,
                Core.Layer.Tags.File => CredentialsLayer.File,
                Core.Layer.Tags.Environment => CredentialsLayer.Environment,
                _ => CredentialsLayer.SavedSession,
            },
            origin.Location?.Value);

    /// <summary>The origin as people read it: <c>Saved session (/home/ana/.config/cartoframes/creds.json)</c>.</summary>
    public override string ToString() => Location is null ? $"{Layer}" : $"{Layer} ({Location})";
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
