namespace Handoff.Channels.Genesys;

/// <summary>Reads the queue figures the bot gets (section 11.7) out of Genesys' answers.</summary>
internal static class GenesysQueueFigures
{
    /// <summary>The <c>MESSAGE</c> estimate (else the first one), in whole seconds; null when Genesys gave none.</summary>
    public static int? EstimatedWaitSeconds(EstimatedWaitTimes? waits)
    {
        var results = waits?.Results?.Where(r => r.EstimatedWaitTimeSeconds is not null).ToList();
        if (results is null || results.Count == 0)
        {
            return null;
        }

        var pick = results.FirstOrDefault(r => string.Equals(r.Intent, GenesysApi.WaitIntentMessage, StringComparison.OrdinalIgnoreCase)) ?? results[0];
        return (int)Math.Max(0, Math.Round(pick.EstimatedWaitTimeSeconds!.Value, MidpointRounding.AwayFromZero));
    }

    /// <summary>On-queue agents (every routing status), and those idle; null when Genesys reported no such metric.</summary>
    public static (int? OnQueue, int? Idle) Agents(QueueObservations? observations)
    {
        var data = observations?.Results?
            .SelectMany(r => r.Data ?? [])
            .Where(d => string.Equals(d.Metric, GenesysApi.MetricOnQueueUsers, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (data is null || data.Count == 0)
        {
            return (null, null);
        }

        var onQueue = data.Sum(d => d.Stats?.Count ?? 0);
        var idle = data.Where(d => string.Equals(d.Qualifier, GenesysApi.QualifierIdle, StringComparison.OrdinalIgnoreCase)).Sum(d => d.Stats?.Count ?? 0);
        return ((int)onQueue, (int)idle);
    }
}
