using CartoCreds;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Validates the options by resolving the credentials (SPEC §9): a failure is the layered
/// explanation of SPEC §2 / §7.2, which never holds a secret.
/// </summary>
internal sealed class CartoOptionsValidator(CartoResolution resolution) : IValidateOptions<CartoOptions>
{
    public ValidateOptionsResult Validate(string? name, CartoOptions options)
    {
        if (name != Options.Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        if (options.Problems.Count > 0)
        {
            return ValidateOptionsResult.Fail($"CARTO options could not be read: {string.Join("; ", options.Problems)}.");
        }

        // The core's Result, not the facade's exceptions: every way the options can fail is a value.
        return resolution.Problem(options) is { } problem
            ? ValidateOptionsResult.Fail($"CARTO credentials could not be resolved: {problem}")
            : ValidateOptionsResult.Success;
    }
}
