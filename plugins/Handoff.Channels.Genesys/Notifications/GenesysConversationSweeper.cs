using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys.Notifications;

/// <summary>
/// The slow, sure path beside the socket: at start-up and every <see cref="GenesysNotificationOptions.ResyncInterval"/> it
/// re-reads the channel's active handoffs (after a restart, handoffs of other replicas, endings seen elsewhere), and every
/// <see cref="GenesysNotificationOptions.PollInterval"/> it re-decides the conversations whose events do not arrive live
/// (socket down, notifications off, over the topic limit, a rejected subscription).
/// </summary>
internal sealed partial class GenesysConversationSweeper(
    GenesysConversationRegistry registry,
    GenesysConversationMonitor monitor,
    GenesysNotificationListener listener,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider time,
    ILogger<GenesysConversationSweeper> logger,
    IDispatchLock? dispatchLock = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Where the listener runs (the process holding the dispatch lock); the first resync there reads every active handoff.
        if (!await dispatchLock.HoldAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var nextResync = time.GetUtcNow();
        var nextPoll = time.GetUtcNow() + options.CurrentValue.Notifications.PollInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = options.CurrentValue.Notifications;
            try
            {
                var now = time.GetUtcNow();
                if (now >= nextResync)
                {
                    await monitor.ResyncAsync(stoppingToken).ConfigureAwait(false);
                    nextResync = now + settings.ResyncInterval;
                }

                if (now >= nextPoll)
                {
                    var polled = 0;
                    foreach (var watched in registry.All.Where(w => !listener.IsCovered(w.ConversationId)))
                    {
                        monitor.Notify(watched.ConversationId);
                        polled++;
                    }

                    if (polled > 0)
                    {
                        LogPolled(logger, polled);
                    }

                    nextPoll = now + settings.PollInterval;
                }

                var wait = (nextResync < nextPoll ? nextResync : nextPoll) - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                nextResync = time.GetUtcNow() + settings.ResyncInterval;
                await Task.Delay(settings.ResyncInterval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Checking {Count} Genesys conversation(s) whose events do not arrive live")]
    private static partial void LogPolled(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Re-reading the active Genesys handoffs failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
