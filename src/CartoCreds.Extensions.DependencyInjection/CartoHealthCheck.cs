using CartoCreds;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Health checks of the registered CARTO credentials (SPEC §9).</summary>
public static class CartoHealthChecksBuilderExtensions
{
    /// <summary>The name the check is registered under unless another is given.</summary>
    public const string DefaultName = "carto";

    /// <summary>
    /// Adds a check that verifies the registered credentials with CARTO (SPEC §8): healthy when
    /// CARTO names the account, degraded when CARTO cannot be reached or is limiting requests,
    /// <paramref name="failureStatus"/> (unhealthy by default) when it rejects them or answers
    /// something else. The result is kept for 5 minutes, so a probe every few seconds costs one
    /// verification in that time. Requires <c>AddCartoCredentials</c>.
    /// </summary>
    /// <param name="builder">The health checks, from <c>AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status when CARTO rejects the credentials.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns><paramref name="builder"/>, to chain.</returns>
    /// <example><code>builder.Services.AddHealthChecks().AddCartoCredentials();</code></example>
    public static IHealthChecksBuilder AddCartoCredentials(
        this IHealthChecksBuilder builder,
        string name = DefaultName,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // One check for the container: the health service asks the registration's factory at every
        // run, and the kept result must outlive a run.
        builder.Services.TryAddSingleton(provider => new CartoHealthCheck(
            provider.GetRequiredService<ICartoAuthenticator>(),
            provider.GetService<TimeProvider>() ?? TimeProvider.System));
        return builder.Add(new HealthCheckRegistration(
            name, provider => provider.GetRequiredService<CartoHealthCheck>(), failureStatus, tags));
    }
}

/// <summary>Verifies the credentials, at most once per <see cref="CacheFor"/>; concurrent probes share one verification.</summary>
internal sealed class CartoHealthCheck(ICartoAuthenticator credentials, TimeProvider time) : IHealthCheck
{
    /// <summary>How long a verification's result is kept.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    private readonly object _gate = new();
    private Task<(HealthStatus? Status, string Description)>? _pending;
    private DateTimeOffset _verifiedAt;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Task<(HealthStatus? Status, string Description)> pending;
        lock (_gate)
        {
            if (_pending is null || (_pending.IsCompleted && time.GetUtcNow() - _verifiedAt >= CacheFor))
            {
                _verifiedAt = time.GetUtcNow();
                _pending = Verify();
            }

            pending = _pending;
        }

        // A probe that gives up waits no longer; the verification itself is bounded by its own timeout.
        var (status, description) = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new HealthCheckResult(status ?? context.Registration.FailureStatus, description);
    }

    /// <summary>One verification, as a status (null: the registration's failure status) and words without a secret.</summary>
    private async Task<(HealthStatus? Status, string Description)> Verify()
    {
        try
        {
            var identity = credentials switch
            {
                Credentials legacy => await legacy.VerifyAsync().ConfigureAwait(false),
                CloudCredentials cloud => await cloud.VerifyAsync().ConfigureAwait(false),
                _ => throw new InvalidOperationException("these credentials cannot be verified"),
            };
            return (HealthStatus.Healthy, "CARTO verified the credentials (user " + CartoCreds.Core.Refused.terminalSafe(identity.Username ?? identity.UserId ?? "?") + ")");
        }
        catch (CartoVerificationException e) when (e.Failure is CartoVerificationFailure.Unreachable or CartoVerificationFailure.RateLimited)
        {
            return (HealthStatus.Degraded, e.Message);
        }
        catch (CartoVerificationException e)
        {
            return (null, e.Message);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message);
        }
    }
}
