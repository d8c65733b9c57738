using System.Diagnostics;
using Handoff.GenesysEmulator.State;
using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.Webhooks;

/// <summary>
/// Drains <see cref="WebhookOutbox"/> and delivers each webhook with Genesys' policy: a timeout per attempt, retries on
/// timeout/429/5xx with a pause between attempts, no retry on other 4xx. Deliveries of one conversation go out in order
/// (one lane per conversation); different conversations do not wait for each other.
/// </summary>
internal sealed partial class WebhookDispatcher(
    WebhookOutbox outbox,
    WebhookSender sender,
    IntegrationRegistry integrations,
    WebhookDeliveryLog log,
    EmulatorStats stats,
    IOptionsMonitor<EmulatorOptions> options,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<WebhookJob>> _lanes = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _running = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in outbox.Reader.ReadAllAsync(stoppingToken))
            {
                Route(job, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; queued deliveries are dropped like the rest of the in-memory state.
        }

        Task[] running;
        lock (_gate)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Appends the job to its conversation's lane, starting a worker when the lane was idle.</summary>
    private void Route(WebhookJob job, CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            if (_lanes.TryGetValue(job.ConversationId, out var lane))
            {
                lane.Enqueue(job);
                return;
            }

            _lanes[job.ConversationId] = new Queue<WebhookJob>([job]);
            var worker = Task.Run(() => DrainLaneAsync(job.ConversationId, stoppingToken), CancellationToken.None);
            _running.Add(worker);
            worker.ContinueWith(
                finished =>
                {
                    lock (_gate)
                    {
                        _running.Remove(finished);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task DrainLaneAsync(string laneKey, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            WebhookJob job;
            lock (_gate)
            {
                var lane = _lanes[laneKey];
                if (lane.Count == 0)
                {
                    _lanes.Remove(laneKey);
                    return;
                }

                job = lane.Dequeue();
            }

            try
            {
                await DeliverAsync(job, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                log.Complete(job.MessageId, DeliveryOutcome.Failed);
                LogDeliveryCrashed(logger, exception, job.Type, job.MessageId);
            }
        }
    }

    private async Task DeliverAsync(WebhookJob job, CancellationToken stoppingToken)
    {
        using var activity = StartActivity(job);

        var integration = integrations.Find(job.IntegrationId);
        if (integration?.WebhookUrl is not { } url)
        {
            log.Complete(job.MessageId, DeliveryOutcome.Skipped);
            activity?.SetTag("genesys.webhook.outcome", "skipped");
            LogSkipped(logger, job.Type, job.MessageId, job.IntegrationId);
            return;
        }

        var policy = options.CurrentValue.Webhooks;
        var maxAttempts = 1 + policy.MaxRetries;
        for (var attempt = 1; ; attempt++)
        {
            var result = await sender.SendAsync(url, job, integration.WebhookHeaders, policy.Timeout, stoppingToken);
            stats.WebhookAttempted();
            log.RecordAttempt(job.MessageId, url, result.StatusCode, result.Error);
            activity?.SetTag(EmulatorTelemetry.AttemptsTag, attempt);

            if (result.IsSuccess)
            {
                log.Complete(job.MessageId, DeliveryOutcome.Delivered, url);
                activity?.SetTag("genesys.webhook.outcome", "delivered");
                LogDelivered(logger, job.Type, job.MessageId, job.ConversationId, result.StatusCode!.Value, attempt);
                return;
            }

            if (!GenesysRetryPolicy.ShouldRetry(result) || attempt >= maxAttempts)
            {
                log.Complete(job.MessageId, DeliveryOutcome.Failed, url);
                activity?.SetTag("genesys.webhook.outcome", "failed");
                activity?.SetStatus(ActivityStatusCode.Error, $"webhook answered {result}");
                LogFailed(logger, job.Type, job.MessageId, job.ConversationId, result.ToString(), attempt);
                return;
            }

            LogRetrying(logger, job.Type, job.MessageId, result.ToString(), attempt, policy.RetryDelay.TotalMilliseconds);
            await Task.Delay(policy.RetryDelay, time, stoppingToken);
        }
    }

    /// <summary>
    /// Starts the delivery's activity as a child of the request that queued it, so the outgoing HTTP call carries a
    /// <c>traceparent</c> in the same trace. Without a listener on the source, a plain Activity keeps propagation working.
    /// </summary>
    private static Activity? StartActivity(WebhookJob job)
    {
        // Lane workers inherit no request context; never let an unrelated ambient activity become the parent.
        Activity.Current = null;
        const string name = "genesys.webhook.deliver";
        var activity = EmulatorTelemetry.Source.StartActivity(name, ActivityKind.Internal, job.Parent ?? default);
        if (activity is null && job.Parent is { } parent)
        {
            activity = new Activity(name);
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.Start();
        }

        activity?.SetTag(EmulatorTelemetry.IntegrationIdTag, job.IntegrationId);
        activity?.SetTag(EmulatorTelemetry.ConversationIdTag, job.ConversationId);
        activity?.SetTag(EmulatorTelemetry.MessageIdTag, job.MessageId);
        activity?.SetTag(EmulatorTelemetry.WebhookTypeTag, job.Type);
        return activity;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Webhook {Type} {MessageId} for conversation {ConversationId} delivered: HTTP {StatusCode} after {Attempts} attempt(s)")]
    private static partial void LogDelivered(
        ILogger logger, string type, string messageId, string conversationId, int statusCode, int attempts);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Webhook {Type} {MessageId} for conversation {ConversationId} failed: {Result} after {Attempts} attempt(s)")]
    private static partial void LogFailed(
        ILogger logger, string type, string messageId, string conversationId, string result, int attempts);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Webhook {Type} {MessageId} attempt {Attempt} answered {Result}; retrying in {DelayMs} ms")]
    private static partial void LogRetrying(
        ILogger logger, string type, string messageId, string result, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Webhook {Type} {MessageId} skipped: integration {IntegrationId} has no webhook URL")]
    private static partial void LogSkipped(ILogger logger, string type, string messageId, string integrationId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Type} {MessageId} crashed")]
    private static partial void LogDeliveryCrashed(ILogger logger, Exception exception, string type, string messageId);
}
