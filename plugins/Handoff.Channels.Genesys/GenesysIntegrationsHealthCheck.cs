using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Health check <c>genesys</c> (registered with failure status Degraded): every configured queue's integration exists in the
/// org (<c>GET …/integrations/open/{id}</c>) and, when <c>IntegrationName</c> is set, is named that way in Genesys. The
/// description names each problem and the setting to fix. Answers are kept for <see cref="GenesysOptions.HealthCheckInterval"/>
/// so frequent probes do not spend the API rate limit.
/// </summary>
internal sealed partial class GenesysIntegrationsHealthCheck(
    GenesysClientFactory clients,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider time,
    ILogger<GenesysIntegrationsHealthCheck> logger) : IHealthCheck
{
    public const string Name = "genesys";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (HealthCheckResult Result, DateTimeOffset At)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failureStatus = context?.Registration.FailureStatus ?? HealthStatus.Degraded;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.At < options.CurrentValue.HealthCheckInterval)
            {
                return last.Result;
            }

            var problems = await VerifyAsync(cancellationToken).ConfigureAwait(false);
            var count = options.CurrentValue.Queues.Count;
            var result = problems.Count == 0
                ? HealthCheckResult.Healthy($"{count} queue(s): every Genesys integration exists and has its configured name.")
                : new HealthCheckResult(failureStatus, string.Join(" ", problems));
            _last = (result, time.GetUtcNow());
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One operator-readable sentence per problem; empty when all is well.</summary>
    internal async Task<IReadOnlyList<string>> VerifyAsync(CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        var client = clients.Create();
        var problems = new List<string>();
        foreach (var (queue, entry) in current.Queues.OrderBy(q => q.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(entry.IntegrationId))
            {
                continue;
            }

            var integrationId = entry.IntegrationId.Trim();
            var key = $"{GenesysOptions.SectionName}:Queues:{queue}";
            var found = await client.GetIntegrationAsync(integrationId, cancellationToken).ConfigureAwait(false);
            if (found.IsNotFound)
            {
                problems.Add($"Queue '{queue}': integration {integrationId} does not exist in this Genesys org (check {key}:IntegrationId).");
            }
            else if (!found.IsSuccess)
            {
                problems.Add($"Queue '{queue}': integration {integrationId} could not be verified: {found.Reason}");
            }
            else if (!string.IsNullOrWhiteSpace(entry.IntegrationName)
                && !string.Equals(found.Value?.Name?.Trim(), entry.IntegrationName.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"Queue '{queue}': integration {integrationId} is named '{found.Value?.Name}' in Genesys but {key}:IntegrationName is '{entry.IntegrationName}'.");
            }
        }

        foreach (var problem in problems)
        {
            LogProblem(logger, problem);
        }

        return problems;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys configuration: {Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);
}

/// <summary>Runs the integrations check once at start-up (in the background), so a wrong id or name shows in the log at once.</summary>
internal sealed partial class GenesysStartupVerification(
    GenesysIntegrationsHealthCheck check,
    ILogger<GenesysStartupVerification> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var result = await check.CheckHealthAsync(
                new HealthCheckContext { Registration = new HealthCheckRegistration(GenesysIntegrationsHealthCheck.Name, check, HealthStatus.Degraded, null) },
                stoppingToken).ConfigureAwait(false);
            if (result.Status == HealthStatus.Healthy)
            {
                LogVerified(logger, result.Description);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys configuration verified: {Description}")]
    private static partial void LogVerified(ILogger logger, string? description);
}
