using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Handoff.Core.Storage;

/// <summary>
/// <see cref="HandoffSignals"/> across processes. Processes sharing a store each signal only themselves after a commit, so
/// ten times a second this asks the store whether another process committed (<see cref="IHandoffStore.TakeCommitsByOthersAsync"/>)
/// and, if so, wakes this process's dispatchers (they then scan for due work: in the process holding the dispatch lock, an
/// item a standby stored goes out within ~0.1 s instead of at the next <c>PollInterval</c>) and the event-feed readers of
/// every handoff that has new events (an agent's reply stored by the process that got the webhook reaches a bot's SSE
/// stream on another one at once instead of at its next keep-alive).
/// </summary>
/// <remarks>Costs a pragma per tick while nothing changes, and one indexed read of the new events' handoffs per tick that finds another process's commit (whether or not a feed reader waits, so that the next read starts where this one ended).</remarks>
public sealed partial class OtherProcessesWatch(IHandoffStore store, HandoffSignals signals, TimeProvider time, ILogger<OtherProcessesWatch> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // The store counts other processes' commits from when it opened; events from the first successful look on are
            // this watch's to wake readers for (a reader reads what was stored before when it starts). A failing first look
            // (the database busy or unreadable for a moment) is retried on the next tick, like every other look: a throw
            // out of here would stop the host.
            long? lastSeq = null;
            using var timer = new PeriodicTimer(Interval, time);
            var failing = false;
            do
            {
                try
                {
                    lastSeq = lastSeq is { } seq
                        ? await TickAsync(seq, stoppingToken).ConfigureAwait(false)
                        : (await store.GetHandoffsWithEventsAfterAsync(-1, stoppingToken).ConfigureAwait(false)).LastSeq;
                    failing = false;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (!failing)
                    {
                        failing = true;
                        LogFailed(logger, ex); // once per failing stretch: the periodic scans still find the work
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<long> TickAsync(long lastSeq, CancellationToken stoppingToken)
    {
        if (!await store.TakeCommitsByOthersAsync(stoppingToken).ConfigureAwait(false))
        {
            return lastSeq;
        }

        signals.OutboxChanged();
        signals.CallbacksChanged();

        // Events stored since the last look, this process's own included (they were signalled already; a second wake-up
        // costs a feed reader one read). Read even with no reader waiting, so that the next look starts from here.
        var (last, handoffs) = await store.GetHandoffsWithEventsAfterAsync(lastSeq, stoppingToken).ConfigureAwait(false);
        if (signals.HasEventWaiters)
        {
            foreach (var id in handoffs)
            {
                signals.EventsAppended(id);
            }
        }

        return last;
    }

    [LoggerMessage(EventId = 1706, Level = LogLevel.Warning, Message = "Could not check the store for other processes' commits; their work is found by the next periodic scan.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
