using System.Text.Json;
using Handoff.Core.Domain;
using Handoff.Core.Storage;

namespace Handoff.Core.Application;

/// <summary>
/// Receipts for agent messages, sent to the contact center through the outbox. The rule: an agent message is
/// <b>delivered</b> as soon as the bot side has it — its callback was acknowledged (2xx), or it was returned by the JSON
/// event feed or written to an SSE stream, whichever comes first. It <b>failed</b> when its callback was given up on
/// (retries exhausted, or the bot platform answered 410 Gone) before any of that happened. One receipt per agent message.
/// </summary>
internal static class AgentReceipts
{
    public static Task DeliveredAsync(IHandoffStore store, IReadOnlyList<HandoffEvent> events, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var items = events
            .Where(e => e.Type == EventTypes.AgentMessage)
            .Select(e => (Event: e, MessageId: MessageId(e)))
            .Where(x => x.MessageId is not null)
            .Select(x => Item(x.Event.HandoffId, new OutboxReceipt(x.MessageId!, Delivered: true), now))
            .ToArray();
        return items.Length == 0 ? Task.CompletedTask : store.EnqueueAsync(items, cancellationToken);
    }

    public static Task FailedAsync(IHandoffStore store, HandoffEvent agentMessage, bool refused, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (agentMessage.Type != EventTypes.AgentMessage || MessageId(agentMessage) is not { } messageId)
        {
            return Task.CompletedTask;
        }

        return store.EnqueueAsync([Item(agentMessage.HandoffId, new OutboxReceipt(messageId, Delivered: false, refused, reason), now)], cancellationToken);
    }

    private static OutboxItem Item(string handoffId, OutboxReceipt receipt, DateTimeOffset now) => new()
    {
        HandoffId = handoffId,
        Kind = OutboxKind.Receipt,
        MessageId = OutboxReceipt.OutboxMessageId(receipt.AgentMessageId),
        Receipt = receipt,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    private static string? MessageId(HandoffEvent e)
    {
        using var data = JsonDocument.Parse(e.DataJson);
        return data.RootElement.TryGetProperty("messageId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
    }
}
