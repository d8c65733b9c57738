using Handoff.Channels;
using Handoff.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Dispatch;

/// <summary>
/// Deletes what only deduplication needs once it is older than <see cref="RetentionOptions.KeepFinished"/> (see
/// <see cref="IHandoffStore.PruneAsync"/>), a batch per write with a pause between batches, so the store stops growing with
/// every message relayed while the relay's own writes keep their turn.
/// </summary>
public sealed partial class StoreRetention(
    IHandoffStore store,
    IOptionsMonitor<RetentionOptions> options,
    TimeProvider time,
    ILogger<StoreRetention> logger,
    IDispatchLock? dispatchLock = null) : BackgroundService
{
    private static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan PauseBetweenBatches = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await dispatchLock.HoldAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var wait = FirstRunDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                var settings = options.CurrentValue;
                wait = settings.Interval > TimeSpan.Zero ? settings.Interval : TimeSpan.FromHours(1);
                if (settings.KeepFinished > TimeSpan.Zero)
                {
                    await PruneAsync(settings, stoppingToken).ConfigureAwait(false);
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

    /// <summary>One pass: batches until nothing old is left and every inbound key has been looked at; returns the rows deleted.</summary>
    internal async Task<int> PruneAsync(RetentionOptions settings, CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - settings.KeepFinished;
        var batch = Math.Max(1, settings.BatchSize);
        var deleted = 0;
        while (true)
        {
            var step = await store.PruneAsync(before, batch, cancellationToken).ConfigureAwait(false);
            deleted += step.Deleted;
            if (step.Deleted == 0 && step.SweptAllInbound)
            {
                break;
            }

            // Real time, whatever clock the service runs on: the pause is there to give the writer back to the relay.
            await Task.Delay(PauseBetweenBatches, cancellationToken).ConfigureAwait(false);
        }

        if (deleted > 0)
        {
            LogPruned(logger, deleted, before);
        }

        return deleted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted {Rows} finished outbox items, callbacks and dedupe keys from before {Before:u}")]
    private static partial void LogPruned(ILogger logger, int rows, DateTimeOffset before);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention pass failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
