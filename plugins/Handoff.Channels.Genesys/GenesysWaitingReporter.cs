using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Every <see cref="GenesysOptions.WaitingInterval"/>, tells each queued handoff how long Genesys expects it to wait
/// (<c>handoff.waiting</c>), for queues configured with a <c>QueueId</c>: one estimate call per queue, not per handoff.
/// </summary>
internal sealed partial class GenesysWaitingReporter(
    IChannelHandoffDirectory directory,
    IChannelInbox inbox,
    GenesysClientFactory clients,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider time,
    ILogger<GenesysWaitingReporter> logger,
    IDispatchLock? dispatchLock = null) : BackgroundService
{
    private static readonly TimeSpan DisabledRecheck = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Once per deployment, not per process: the bot would hear every estimate from each replica.
        if (!await dispatchLock.HoldAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = options.CurrentValue.WaitingInterval;
            try
            {
                if (interval > TimeSpan.Zero)
                {
                    await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                    await ReportAsync(stoppingToken).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(DisabledRecheck, time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
            }
        }
    }

    /// <summary>One round: returns how many handoffs were told.</summary>
    internal async Task<int> ReportAsync(CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        var queued = (await directory.GetActiveAsync(GenesysChannel.Name, cancellationToken).ConfigureAwait(false))
            .Where(a => a.Status == ChannelHandoffStatus.Queued)
            .GroupBy(a => a.Handoff.Queue, StringComparer.OrdinalIgnoreCase);

        var told = 0;
        var client = clients.Create();
        foreach (var queue in queued)
        {
            if (current.FindQueue(queue.Key)?.Value.QueueId is not { Length: > 0 } queueId)
            {
                continue;
            }

            var waits = await client.GetEstimatedWaitAsync(queueId.Trim(), cancellationToken).ConfigureAwait(false);
            if (!waits.IsSuccess)
            {
                LogEstimateFailed(logger, queue.Key, waits.Reason);
                continue;
            }

            if (GenesysQueueFigures.EstimatedWaitSeconds(waits.Value) is not { } seconds)
            {
                continue;
            }

            var now = time.GetUtcNow();
            foreach (var entry in queue)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"genesys-waiting:{entry.Handoff.Id}:{now.ToUnixTimeMilliseconds()}");
                var inbound = new ChannelInbound(GenesysChannel.Name, entry.Handoff.Id, InboundKind.Waiting, id, now) { EstimatedWaitSeconds = seconds };
                if (await inbox.AcceptAsync(inbound, cancellationToken).ConfigureAwait(false) == InboxResult.Accepted)
                {
                    told++;
                }
            }
        }

        return told;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No wait estimate for queue {Queue}: {Reason}")]
    private static partial void LogEstimateFailed(ILogger logger, string queue, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reporting wait estimates failed; retrying next round")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
