using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Handoff.Channels;
using Handoff.Core.Application;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Dispatch;

/// <summary>
/// POSTs every event of a handoff that has a callback URL to the bot platform, signed, in order per handoff (one stream
/// per handoff, many handoffs at once: <c>Handoff:Callbacks:Concurrency</c> and more while the bot platforms keep up, see
/// <see cref="DeliveryConcurrency"/>), with retries and backoff. Stored with the event in one transaction, so a restart
/// resends what was not acknowledged.
/// An acknowledged agent message gets a Delivered receipt for the contact center; one given up on gets a Failed one.
/// </summary>
public sealed partial class CallbackDispatcher(
    IHandoffStore store,
    HandoffSignals signals,
    IHttpClientFactory httpClients,
    IOptionsMonitor<CallbackOptions> options,
    TimeProvider time,
    ILogger<CallbackDispatcher> logger,
    DispatchLock? dispatchLock = null) : BackgroundService
{
    public const string HttpClientName = "handoff-callbacks";

    /// <summary>Callbacks of one handoff posted back to back before its stream gives other handoffs their turn.</summary>
    private const int StreamLimit = 64;

    private readonly ConcurrentDictionary<string, byte> _streaming = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Every handoff with a due callback gets a stream of its own as soon as a slot is free, with no rounds: a bot
        // platform that is slow to answer (up to Callbacks:Timeout per attempt) holds up only its own handoffs, not every
        // other client's. One stream per handoff at a time keeps its events in order.
        // How many at once adapts to the bot platforms' answers, as the outbox's does to the contact center's. Only the
        // process holding the store's dispatch lock posts (the outbox dispatcher's, shared).
        if (!await dispatchLock.HoldAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var limits = options.CurrentValue.Callbacks;
        using var slots = new DeliveryConcurrency(limits.Concurrency, limits.ConcurrencyCeiling, limits.BaseDelay, time, "callbacks");
        var streams = new HandoffStreams(slots, id => _streaming.TryAdd(id, 0), id => _streaming.TryRemove(id, out _));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var settings = options.CurrentValue.Callbacks;
                try
                {
                    // A reload of Callbacks:Concurrency or MaxConcurrency takes effect here, like the other settings.
                    slots.Reconfigure(settings.Concurrency, settings.ConcurrencyCeiling, settings.BaseDelay);
                    var scannedAt = time.GetUtcNow();
                    var due = await store.GetDueCallbacksAsync(scannedAt, 256, stoppingToken).ConfigureAwait(false);
                    var started = 0;
                    foreach (var item in due)
                    {
                        // A handoff being streamed already is skipped: its stream gets to this callback.
                        if (await streams.StartAsync(item.Event.HandoffId, id => StreamAsync(id, slots, stoppingToken), stoppingToken).ConfigureAwait(false))
                        {
                            started++;
                        }
                    }

                    if (started == 0)
                    {
                        // Heads due by the scan and not started are being streamed (their streams signal when they end);
                        // a retry due later shortens the wait.
                        var wait = settings.PollInterval;
                        if (await store.GetNextCallbackDueAfterAsync(scannedAt, stoppingToken).ConfigureAwait(false) is { } next && next - time.GetUtcNow() < wait)
                        {
                            wait = next - time.GetUtcNow();
                        }

                        if (wait > TimeSpan.Zero)
                        {
                            await signals.WaitForCallbacksAsync(wait, stoppingToken).ConfigureAwait(false);
                        }
                    }
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex)
                {
                    LogLoopFailed(logger, ex);
                    await Task.Delay(settings.PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // A POST in flight finishes (bounded by Callbacks:Timeout) and is recorded; what was not started stays queued.
            await streams.WhenAllEndedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Posts one handoff's due callbacks in order until none is due (or a retry waits), up to <see cref="StreamLimit"/>.</summary>
    private async Task StreamAsync(string handoffId, DeliveryConcurrency slots, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var failed = false;
        try
        {
            // Read the head afresh: the scan that started this stream may be older than another stream's last POST for this
            // handoff (which has ended since, or the handoff could not have been taken up).
            var current = await store.GetDueCallbackHeadAsync(handoffId, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            for (var streamed = 0; current is not null && streamed < StreamLimit && !stoppingToken.IsCancellationRequested; streamed++)
            {
                slots.Report(await DeliverAsync(current, CancellationToken.None).ConfigureAwait(false));
                current = await store.GetDueCallbackHeadAsync(handoffId, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogStreamFailed(logger, ex, handoffId);
            failed = true; // looked at again at the next poll, not at once (a store that fails would fail again)
        }
        finally
        {
            _streaming.TryRemove(handoffId, out _);
            slots.Release();
            if (!failed)
            {
                signals.CallbacksChanged(); // whatever was stored meanwhile, or left for the next turn, is looked for again
            }
        }
    }

    /// <returns>
    /// <see cref="DeliveryOutcome.Delivered"/>; <see cref="DeliveryOutcome.Retry"/> when the bot platform failed to take it
    /// (retried later, or given up after the budget); <see cref="DeliveryOutcome.Failed"/> when it refused it for good or
    /// no secret is configured.
    /// </returns>
    internal async Task<DeliveryOutcome> DeliverAsync(CallbackItem item, CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        var settings = current.Callbacks;
        var attempts = item.Attempts + 1;
        string? error;
        TimeSpan? retryAfter = null;
        var permanent = false;
        var refused = false;

        if (!current.CallbackSecrets.TryGetValue(item.Client, out var secret) || string.IsNullOrEmpty(secret))
        {
            error = $"no callback secret is configured for client '{item.Client}' (Handoff:CallbackSecrets:{item.Client})";
            permanent = true;
        }
        else
        {
            (error, retryAfter, permanent) = await PostAsync(item, secret, settings.Timeout, cancellationToken).ConfigureAwait(false);
            refused = permanent; // only a 410 Gone is permanent here
        }

        if (error is null)
        {
            HandoffMetrics.Callback("delivered");
            if (item.Event.Type == EventTypes.AgentMessage)
            {
                HandoffMetrics.RelayLatency("to_bot", "callback", time.GetUtcNow() - item.Event.Time);
            }

            await store.UpdateCallbackAsync(item, OutboxStatus.Sent, attempts, time.GetUtcNow(), null, cancellationToken).ConfigureAwait(false);
            await AgentReceipts.DeliveredAsync(store, [item.Event], time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return DeliveryOutcome.Delivered;
        }

        if (permanent || attempts >= settings.MaxAttempts)
        {
            HandoffMetrics.Callback("failed");
            LogGaveUp(logger, item.Event.Seq, item.Event.HandoffId, attempts, error);
            await store.UpdateCallbackAsync(item, OutboxStatus.Failed, attempts, time.GetUtcNow(), error, cancellationToken).ConfigureAwait(false);
            await AgentReceipts.FailedAsync(store, item.Event, refused, $"the bot platform did not take it: {error}", time.GetUtcNow(), cancellationToken)
                .ConfigureAwait(false);
            return permanent ? DeliveryOutcome.Failed : DeliveryOutcome.Retry;
        }

        var delay = RetryDelay.For(attempts, settings.BaseDelay, settings.MaxDelay, retryAfter);

        HandoffMetrics.Callback("retry");
        LogRetry(logger, item.Event.Seq, item.Event.HandoffId, attempts, delay, error);
        await store.UpdateCallbackAsync(item, OutboxStatus.Pending, attempts, time.GetUtcNow() + delay, error, cancellationToken).ConfigureAwait(false);
        return DeliveryOutcome.Retry;
    }

    private async Task<(string? Error, TimeSpan? RetryAfter, bool Permanent)> PostAsync(CallbackItem item, string secret, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new CallbackBody(
            item.Event.Seq.ToString(CultureInfo.InvariantCulture),
            item.Event.HandoffId,
            item.Event.Seq,
            item.Event.Type,
            item.Event.Time,
            JsonDocument.Parse(item.Event.DataJson).RootElement), CallbackJson.Options);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();

        using var request = new HttpRequestMessage(HttpMethod.Post, item.Url)
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") { CharSet = "utf-8" } } },
        };
        request.Headers.Add(CallbackSigner.EventIdHeader, item.Event.Seq.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(CallbackSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(CallbackSigner.SignatureHeader, CallbackSigner.Sign(secret, timestamp, body));

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cts.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return (null, null, false);
            }

            var retryAfter = response.Headers.RetryAfter?.Delta
                ?? (response.Headers.RetryAfter?.Date is { } date ? date - time.GetUtcNow() : null);
            // 410 Gone: the bot platform says this handoff's callbacks are no longer wanted.
            return ($"the callback URL answered {(int)response.StatusCode}", retryAfter, response.StatusCode == HttpStatusCode.Gone);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ($"the callback URL did not answer within {timeout.TotalSeconds:0} s", null, false);
        }
        catch (HttpRequestException ex)
        {
            return ($"the callback URL could not be reached: {ex.Message}", null, false);
        }
    }

    private sealed record CallbackBody(string Id, string HandoffId, long Seq, string Type, DateTimeOffset Time, JsonElement Data);

    private static class CallbackJson
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Callback stream of handoff {HandoffId} failed; its callbacks stay queued")]
    private static partial void LogStreamFailed(ILogger logger, Exception exception, string handoffId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Callback loop failed; retrying")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Callback of event {Seq} for handoff {HandoffId} not delivered (attempt {Attempts}); retrying in {Delay}: {Error}")]
    private static partial void LogRetry(ILogger logger, long seq, string handoffId, int attempts, TimeSpan delay, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up on the callback of event {Seq} for handoff {HandoffId} after {Attempts} attempt(s): {Error}")]
    private static partial void LogGaveUp(ILogger logger, long seq, string handoffId, int attempts, string error);
}
