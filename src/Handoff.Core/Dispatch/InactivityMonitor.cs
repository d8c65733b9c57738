using Handoff.Channels;
using Handoff.Core.Application;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Dispatch;

/// <summary>
/// Ends handoffs that nobody touched for <see cref="InactivityOptions.InactivityTimeout"/> (<c>endedBy: timeout</c>,
/// reason <c>inactivity</c>) and queues telling the channel, as a user end does. Idle when no timeout is set. Runs in the
/// process holding the dispatch lock only: every other process sharing the store would scan for the same handoffs.
/// </summary>
public sealed partial class InactivityMonitor(
    IHandoffStore store,
    IOptionsMonitor<InactivityOptions> options,
    TimeProvider time,
    ILogger<InactivityMonitor> logger,
    IDispatchLock? dispatchLock = null) : BackgroundService
{
    private const int BatchSize = 100;
    private static readonly TimeSpan MaxCheckInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DisabledCheckInterval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await dispatchLock.HoldAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var timeout = options.CurrentValue.InactivityTimeout;
            try
            {
                if (timeout is { } t && t > TimeSpan.Zero)
                {
                    await EndIdleAsync(t, stoppingToken).ConfigureAwait(false);
                }

                await Task.Delay(CheckInterval(timeout), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogLoopFailed(logger, ex);
                await Task.Delay(CheckInterval(timeout), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends every handoff idle for longer than <paramref name="timeout"/>; returns how many were ended.</summary>
    internal async Task<int> EndIdleAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ended = 0;
        while (true)
        {
            var now = time.GetUtcNow();
            var before = now - timeout;
            var idle = await store.GetIdleActiveAsync(before, BatchSize, cancellationToken).ConfigureAwait(false);
            var endedThisBatch = 0;
            foreach (var id in idle)
            {
                // Re-checked inside the write: a message that arrived meanwhile keeps the handoff open.
                var handoff = await HandoffEnding.EndAsync(store, id, EndedBy.Timeout, "inactivity", now, h => h.IsActive && h.UpdatedAt < before, cancellationToken)
                    .ConfigureAwait(false);
                if (handoff is { Status: HandoffStatus.Ended, EndedBy: EndedBy.Timeout } && handoff.EndedAt == now)
                {
                    endedThisBatch++;
                    LogEnded(logger, id, timeout);
                }
            }

            ended += endedThisBatch;
            if (idle.Count < BatchSize || endedThisBatch == 0)
            {
                return ended;
            }
        }
    }

    private static TimeSpan CheckInterval(TimeSpan? timeout) => timeout is { } t && t > TimeSpan.Zero
        ? TimeSpan.FromTicks(Math.Clamp(t.Ticks / 4, TimeSpan.FromMilliseconds(50).Ticks, MaxCheckInterval.Ticks))
        : DisabledCheckInterval;

    [LoggerMessage(Level = LogLevel.Information, Message = "Handoff {HandoffId} ended after {Timeout} without activity")]
    private static partial void LogEnded(ILogger logger, string handoffId, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Error, Message = "Inactivity check failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);
}
