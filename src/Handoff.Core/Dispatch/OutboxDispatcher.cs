using System.Diagnostics;
using Handoff.Channels;
using Handoff.Core.Application;
using Handoff.Core.Channels;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Dispatch;

/// <summary>
/// Delivers the durable outbox to channel adapters: the head item of every handoff in parallel, items of one handoff
/// strictly in order, with exponential backoff (or the channel's Retry-After) on transient failures. After the retry
/// budget the bot is told (<c>handoff.failed</c> for a start, <c>message.failed</c> for a message); a failed end or
/// receipt is only logged (the bot has nothing to do about it).
/// </summary>
public sealed partial class OutboxDispatcher(
    IHandoffStore store,
    HandoffSignals signals,
    IServiceScopeFactory scopes,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger,
    IOptionsMonitor<HandoffTelemetryOptions>? telemetry = null,
    DispatchLock? dispatchLock = null) : BackgroundService
{
    private readonly OutboxOptions _options = options.Value;

    /// <summary>Items of one handoff delivered back to back before the dispatcher looks for other work.</summary>
    private const int StreamLimit = 64;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Every handoff with due work gets its own stream as soon as a slot is free: no rounds, so one slow delivery (up to
        // AttemptTimeout) never holds up other handoffs' work, and a handoff that was idle is served the moment its next
        // item is stored. A handoff is streamed by at most one worker at a time (HandoffSignals keeps the set), which keeps
        // its items in order. How many streams run at once adapts to the channel (DeliveryConcurrency). Only the process
        // holding the store's dispatch lock delivers: two processes on one store would stream the same head.
        if (!await dispatchLock.HoldAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        using var slots = new DeliveryConcurrency(_options.Concurrency, _options.ConcurrencyCeiling, _options.BaseDelay, time);
        var streams = new HandoffStreams(slots, signals.TryBeginStreaming, signals.EndStreaming);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var scannedAt = time.GetUtcNow();
                    var due = await store.GetDueOutboxAsync(scannedAt, _options.BatchSize, stoppingToken).ConfigureAwait(false);
                    var started = 0;
                    foreach (var item in due)
                    {
                        // A handoff being streamed already is skipped: its stream reaches this item.
                        if (await streams.StartAsync(item.HandoffId, id => StreamAsync(id, slots, stoppingToken), stoppingToken).ConfigureAwait(false))
                        {
                            started++;
                        }
                    }

                    if (started == 0)
                    {
                        await WaitForWorkAsync(scannedAt, stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    LogLoopFailed(logger, ex);
                    await Task.Delay(_options.PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // Deliveries in flight finish when the host stops (each call is bounded by AttemptTimeout), so what the channel
            // accepted is also recorded as sent; what was not started stays queued.
            await streams.WhenAllEndedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers one handoff's due items back to back (each completion hands back the next item and the handoff, so there
    /// are no reads in between), up to <see cref="StreamLimit"/> so that other handoffs get their turn.
    /// </summary>
    private async Task StreamAsync(string handoffId, DeliveryConcurrency slots, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var wakeDispatcher = false;
        var owned = true; // this worker holds the handoff in HandoffSignals' streaming set
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var channels = scope.ServiceProvider.GetRequiredService<ChannelRegistry>();

            // Read the head afresh: the scan that started this stream may be older than another stream's last delivery.
            var current = await store.GetDueHeadAsync(handoffId, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            HandoffRecord? handoff = null;
            for (var streamed = 0; current is not null; streamed++)
            {
                if (streamed >= StreamLimit || stoppingToken.IsCancellationRequested)
                {
                    wakeDispatcher = true; // the rest waits for its next turn
                    return;
                }

                var step = await DeliverAsync(current, channels, CancellationToken.None, handoff).ConfigureAwait(false);
                slots.Report(step.Outcome, step.Throttled);

                if (step.Rescheduled)
                {
                    wakeDispatcher = true; // the dispatcher times the retry
                    return;
                }

                (current, handoff) = (step.Next, step.Handoff);
                if (current is null)
                {
                    owned = false; // until it is taken up again (an exception in between must not unmark another stream's handoff)
                    current = await LeaveOrTakeUpAgainAsync(handoffId).ConfigureAwait(false);
                    owned = current is not null;
                    handoff = null;
                }
            }
        }
        catch (Exception ex)
        {
            LogStreamFailed(logger, ex, handoffId);
            wakeDispatcher = true;
        }
        finally
        {
            if (owned)
            {
                signals.EndStreaming(handoffId);
            }

            slots.Release();
            if (wakeDispatcher)
            {
                signals.OutboxChanged();
            }
        }
    }

    /// <summary>
    /// A stream that ran dry leaves the handoff, unless work arrived as it did. Anything stored while it was about to end
    /// did not wake the dispatcher (the handoff was being streamed), so it looks once more after leaving the set and takes
    /// the handoff up again if something is there. Returns the head to go on with (the handoff taken up again), or null
    /// (left: nothing more, or another stream has it).
    /// </summary>
    /// <remarks>
    /// The head seen before taking the handoff up again is only a hint: between that look and the take-up the dispatcher
    /// may have started another stream for the handoff that delivered that item (and more) and ended. Delivering the
    /// hint would send it a second time, after the ones behind it. So the head is read again once this worker owns the
    /// handoff, and the same steps repeat if it is gone.
    /// </remarks>
    private async Task<OutboxItem?> LeaveOrTakeUpAgainAsync(string handoffId)
    {
        while (true)
        {
            signals.EndStreaming(handoffId);
            var hint = await store.GetDueHeadAsync(handoffId, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            if (hint is null || !signals.TryBeginStreaming(handoffId))
            {
                return null; // nothing more, or the dispatcher started another stream for it meanwhile
            }

            try
            {
                if (await store.GetDueHeadAsync(handoffId, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false) is { } head)
                {
                    return head;
                }
            }
            catch
            {
                signals.EndStreaming(handoffId);
                throw;
            }
        }
    }

    /// <param name="scannedAt">When the scan that started nothing looked: heads due by then that it did not start belong to
    /// running streams; a head due later (a retry) shortens the wait, and one that came due since the scan ends it.</param>
    private async Task WaitForWorkAsync(DateTimeOffset scannedAt, CancellationToken stoppingToken)
    {
        var wait = _options.PollInterval;
        if (await store.GetNextOutboxDueAfterAsync(scannedAt, stoppingToken).ConfigureAwait(false) is { } next && next - time.GetUtcNow() < wait)
        {
            wait = next - time.GetUtcNow();
        }

        if (wait > TimeSpan.Zero)
        {
            await signals.WaitForOutboxAsync(wait, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers one item and records the outcome. Never throws for a delivery problem. Returns the handoff's next due item
    /// and the handoff as the completion left it (both read in the completing transaction), or nothing after a retry is
    /// scheduled.
    /// </summary>
    /// <param name="known">The handoff as the previous completion of this stream returned it; read from the store when null.</param>
    internal async Task<DeliveryStep> DeliverAsync(
        OutboxItem item, ChannelRegistry channels, CancellationToken stoppingToken, HandoffRecord? known = null)
    {
        var handoff = known is not null && known.Id == item.HandoffId
            ? known
            : await store.GetAsync(item.HandoffId, stoppingToken).ConfigureAwait(false);
        if (handoff is null)
        {
            await store.CompleteOutboxAsync(item, OutboxStatus.Cancelled, "handoff not found", null, stoppingToken).ConfigureAwait(false);
            return default;
        }

        using var activity = HandoffTracing.StartHop(RelaySpanName(item.Kind), handoff, ActivityKind.Producer);
        activity?.SetTag("handoff.outbox.attempt", item.Attempts + 1);
        if (item.MessageId is not null)
        {
            activity?.SetTag("handoff.message.id", item.MessageId);
            HandoffTracing.TagText(activity, item.Text, telemetry?.CurrentValue);
        }
        using var scope = HandoffLogScope.Begin(logger, handoff.Id);

        if (Skip(item, handoff) is { } skip)
        {
            return await CompleteAsync(item, OutboxStatus.Cancelled, skip.Reason, skip.Change, stoppingToken).ConfigureAwait(false);
        }

        var adapter = channels.Find(handoff.Channel);
        DeliveryResult result;
        if (adapter is null)
        {
            result = DeliveryResult.Permanent($"Channel '{handoff.Channel}' is not installed.");
        }
        else
        {
            result = await CallAdapterAsync(adapter, item, handoff, stoppingToken).ConfigureAwait(false);
        }

        var attempts = item.Attempts + 1;
        if (result.Outcome == DeliveryOutcome.Retry && item.Kind != OutboxKind.Typing && attempts < _options.MaxAttempts)
        {
            var delay = Backoff(attempts, result.RetryAfter);
            LogRetry(logger, item.Kind, handoff.Id, attempts, delay, result.Reason);
            HandoffMetrics.Delivery(handoff.Channel, item.Kind, "retry");
            activity?.SetStatus(ActivityStatusCode.Error, "retry");
            await store.RescheduleOutboxAsync(item, attempts, time.GetUtcNow() + delay, result.Reason, stoppingToken).ConfigureAwait(false);
            return new DeliveryStep(null, null, Rescheduled: true, result.Outcome);
        }

        var now = time.GetUtcNow();
        if (result.Outcome == DeliveryOutcome.Delivered)
        {
            HandoffMetrics.Delivery(handoff.Channel, item.Kind, "delivered");
            if (item.Kind == OutboxKind.Message)
            {
                HandoffMetrics.RelayLatency("to_agent", handoff.Channel, now - item.CreatedAt);
            }

            Func<HandoffRecord, Transition>? change = item.Kind == OutboxKind.Start
                ? h => HandoffTransitions.StartDelivered(h, result.State, now)
                : result.State is { Count: > 0 } ? h => HandoffTransitions.ChannelStateChanged(h, result.State, now) : null;
            var sent = await CompleteAsync(item, OutboxStatus.Sent, null, change, stoppingToken).ConfigureAwait(false);
            return sent with { Outcome = result.Outcome, Throttled = result.Throttled };
        }

        var reason = result.Outcome == DeliveryOutcome.Retry
            ? $"gave up after {attempts} attempts: {result.Reason}"
            : result.Reason ?? "the channel refused it";
        LogFailed(logger, item.Kind, handoff.Id, attempts, reason);
        HandoffMetrics.Delivery(handoff.Channel, item.Kind, "failed");
        activity?.SetStatus(ActivityStatusCode.Error, "failed");
        Func<HandoffRecord, Transition>? failure = item.Kind switch
        {
            OutboxKind.Start => h => HandoffTransitions.StartFailed(h, reason, now),
            OutboxKind.Message => h => HandoffTransitions.MessageFailed(h, item.MessageId!, reason),
            _ => null,
        };
        var step = await store.CompleteOutboxAndPeekAsync(item, OutboxStatus.Failed, reason, failure, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
        var completed = step.Completed;
        if (item.Kind == OutboxKind.Start && completed.Handoff is { Status: HandoffStatus.Failed } failed && completed.Events.Count > 0)
        {
            HandoffMetrics.Ended(failed);
        }

        return new DeliveryStep(step.Next, completed.Handoff, Outcome: result.Outcome);
    }

    private async Task<DeliveryStep> CompleteAsync(
        OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, CancellationToken stoppingToken)
    {
        var step = await store.CompleteOutboxAndPeekAsync(item, status, error, change, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
        return new DeliveryStep(step.Next, step.Completed.Handoff);
    }

    /// <summary>Span names by kind, built once (<c>handoff relay message</c>, …).</summary>
    private static readonly Dictionary<OutboxKind, string> RelaySpanNames = Enum.GetValues<OutboxKind>().ToDictionary(kind => kind, SpanNameOf);

    private static string RelaySpanName(OutboxKind kind) => RelaySpanNames.TryGetValue(kind, out var name) ? name : SpanNameOf(kind);

    private static string SpanNameOf(OutboxKind kind) => $"handoff relay {kind.ToString().ToLowerInvariant()}";

    /// <summary>
    /// What a delivery leaves for its stream: the handoff's next due item and the handoff, or a scheduled retry; and the
    /// channel's answer for <see cref="DeliveryConcurrency.Report"/> (<paramref name="Outcome"/> null when nothing was sent,
    /// e.g. a skipped item; <paramref name="Throttled"/>: accepted only after pushing back).
    /// </summary>
    internal readonly record struct DeliveryStep(
        OutboxItem? Next, HandoffRecord? Handoff, bool Rescheduled = false, DeliveryOutcome? Outcome = null, bool Throttled = false);

    private async Task<DeliveryResult> CallAdapterAsync(IChannelAdapter adapter, OutboxItem item, HandoffRecord handoff, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(_options.AttemptTimeout);
        var channelHandoff = handoff.ToChannel();
        try
        {
            return item.Kind switch
            {
                OutboxKind.Start => await adapter.StartAsync(channelHandoff, timeout.Token).ConfigureAwait(false),
                OutboxKind.Message => await adapter.SendMessageAsync(channelHandoff, item.ToChannelMessage(), timeout.Token).ConfigureAwait(false),
                OutboxKind.Typing => await adapter.SendTypingAsync(channelHandoff, timeout.Token).ConfigureAwait(false),
                OutboxKind.End => await adapter.EndAsync(channelHandoff, item.Text, timeout.Token).ConfigureAwait(false),
                OutboxKind.Receipt when item.Receipt is { } receipt =>
                    await adapter.SendReceiptAsync(channelHandoff, receipt.ToChannelReceipt(item.CreatedAt), timeout.Token).ConfigureAwait(false),
                _ => DeliveryResult.Permanent($"Unknown outbox item kind {item.Kind}."),
            };
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return DeliveryResult.Transient($"the channel did not answer within {_options.AttemptTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAdapterThrew(logger, ex, adapter.Channel, item.Kind, handoff.Id);
            return DeliveryResult.Transient($"{ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>
    /// Work that no longer makes sense: typing or messages after the agent side ended (the user was told), a start after an
    /// end, a receipt once nobody is on the contact-center side any more.
    /// </summary>
    private static (string Reason, Func<HandoffRecord, Transition>? Change)? Skip(OutboxItem item, HandoffRecord handoff)
    {
        if (handoff.IsActive)
        {
            return null;
        }

        return item.Kind switch
        {
            OutboxKind.Typing => ("handoff ended", null),
            OutboxKind.Start when handoff.Status == HandoffStatus.Failed => ("handoff failed", null),
            // Messages the user sent before ending still go out, ahead of the end itself.
            OutboxKind.Message when handoff.EndedBy == EndedBy.User => null,
            OutboxKind.Message => ("handoff ended", h => HandoffTransitions.MessageFailed(h, item.MessageId!, "handoff_ended")),
            // Receipts queued before a user end still go out ahead of it; otherwise the agent has left.
            OutboxKind.Receipt when handoff.EndedBy is EndedBy.User or EndedBy.Timeout => null,
            OutboxKind.Receipt => ("handoff ended", null),
            OutboxKind.End when handoff.Status == HandoffStatus.Failed => ("handoff failed", null),
            _ => null,
        };
    }

    private TimeSpan Backoff(int attempts, TimeSpan? retryAfter)
    {
        var jitter = Random.Shared.Next(0, (int)Math.Clamp(_options.BaseDelay.TotalMilliseconds / 2, 1, int.MaxValue));
        return RetryDelay.For(attempts, _options.BaseDelay, _options.MaxDelay, retryAfter, jitter);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox stream of handoff {HandoffId} failed; its work stays queued")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string handoffId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox loop failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Kind} for handoff {HandoffId} not delivered (attempt {Attempts}); retrying in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, OutboxKind kind, string handoffId, int attempts, TimeSpan delay, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Kind} for handoff {HandoffId} failed after {Attempts} attempt(s): {Reason}")]
    private static partial void LogFailed(ILogger logger, OutboxKind kind, string handoffId, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Channel {Channel} threw delivering {Kind} for handoff {HandoffId}")]
    private static partial void LogAdapterThrew(ILogger logger, Exception exception, string channel, OutboxKind kind, string handoffId);
}
