using System.Diagnostics;
using System.Threading.Channels;
using Handoff.GenesysEmulator.State;

namespace Handoff.GenesysEmulator.Webhooks;

/// <summary>One delivery to perform: the exact bytes and signature to send, and the trace context that caused it.</summary>
internal sealed record WebhookJob(
    string MessageId,
    string ConversationId,
    string IntegrationId,
    string Type,
    byte[] Body,
    string? Signature,
    ActivityContext? Parent);

/// <summary>
/// The queue between request handlers and <see cref="WebhookDispatcher"/>. Enqueueing signs the body, records the delivery
/// as pending and captures <see cref="Activity.Current"/> so the background send can continue the caller's trace.
/// </summary>
internal sealed class WebhookOutbox(IntegrationRegistry integrations, WebhookDeliveryLog log, EmulatorStats stats)
{
    private readonly Channel<WebhookJob> _queue = Channel.CreateUnbounded<WebhookJob>(
        new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<WebhookJob> Reader => _queue.Reader;

    public WebhookDeliverySnapshot Enqueue(string integrationId, string conversationId, WebhookPayload payload)
    {
        var secret = integrations.Find(integrationId)?.WebhookSecret;
        var signature = secret is null ? null : WebhookSignature.Compute(secret, payload.Body);
        var delivery = log.Add(conversationId, integrationId, payload, signature);
        Write(new WebhookJob(
            payload.MessageId, conversationId, integrationId, payload.Type, payload.Body, signature, Activity.Current?.Context));
        return delivery;
    }

    /// <summary>Sends a recorded delivery again with the identical body and signature; null when unknown.</summary>
    public WebhookDeliverySnapshot? Redeliver(string messageId)
    {
        var delivery = log.BeginRedelivery(messageId);
        if (delivery is null)
        {
            return null;
        }

        Write(new WebhookJob(
            delivery.MessageId,
            delivery.ConversationId,
            delivery.IntegrationId,
            delivery.Type,
            delivery.Body,
            delivery.Signature,
            Activity.Current?.Context));
        return delivery;
    }

    private void Write(WebhookJob job)
    {
        stats.WebhookQueued();
        // Unbounded: TryWrite only fails once the writer is completed, which never happens.
        _queue.Writer.TryWrite(job);
    }
}
