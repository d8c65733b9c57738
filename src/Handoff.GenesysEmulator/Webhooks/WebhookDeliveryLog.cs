using System.Text;

namespace Handoff.GenesysEmulator.Webhooks;

internal enum DeliveryOutcome
{
    /// <summary>Queued or being attempted.</summary>
    Pending,
    Delivered,
    Failed,

    /// <summary>The integration had no webhook URL.</summary>
    Skipped,
}

/// <summary>A read-only copy of one delivery record.</summary>
internal sealed record WebhookDeliverySnapshot(
    string MessageId,
    string ConversationId,
    string IntegrationId,
    string Type,
    Uri? Url,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    DeliveryOutcome Outcome,
    int Redeliveries,
    DateTimeOffset QueuedAt,
    DateTimeOffset? CompletedAt,
    string? Signature,
    byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>Every webhook delivery, keyed by the body's message id, in the order they were queued.</summary>
internal sealed class WebhookDeliveryLog(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, Entry> _byMessageId = new(StringComparer.Ordinal);

    public IReadOnlyList<WebhookDeliverySnapshot> GetAll()
    {
        lock (_gate)
        {
            return [.. _entries.Select(e => e.Snapshot())];
        }
    }

    public WebhookDeliverySnapshot? Find(string messageId)
    {
        lock (_gate)
        {
            return _byMessageId.GetValueOrDefault(messageId)?.Snapshot();
        }
    }

    /// <summary>The outcome of the delivery of each message id (for the conversation views).</summary>
    public IReadOnlyDictionary<string, DeliveryOutcome> Outcomes()
    {
        lock (_gate)
        {
            return _byMessageId.ToDictionary(p => p.Key, p => p.Value.Outcome, StringComparer.Ordinal);
        }
    }

    public WebhookDeliverySnapshot Add(string conversationId, string integrationId, WebhookPayload payload, string? signature)
    {
        var entry = new Entry(payload.MessageId, conversationId, integrationId, payload.Type, payload.Body, signature, time.GetUtcNow());
        lock (_gate)
        {
            if (_byMessageId.Remove(payload.MessageId, out var previous))
            {
                _entries.Remove(previous);
            }

            _entries.Add(entry);
            _byMessageId[entry.MessageId] = entry;
            return entry.Snapshot();
        }
    }

    /// <summary>Marks a known delivery as pending again for a redelivery; null when unknown.</summary>
    public WebhookDeliverySnapshot? BeginRedelivery(string messageId)
    {
        lock (_gate)
        {
            if (!_byMessageId.TryGetValue(messageId, out var entry))
            {
                return null;
            }

            entry.Redeliveries++;
            entry.Outcome = DeliveryOutcome.Pending;
            entry.CompletedAt = null;
            return entry.Snapshot();
        }
    }

    public void RecordAttempt(string messageId, Uri url, int? statusCode, string? error)
    {
        lock (_gate)
        {
            if (_byMessageId.TryGetValue(messageId, out var entry))
            {
                entry.Url = url;
                entry.Attempts++;
                entry.LastStatusCode = statusCode;
                entry.LastError = error;
            }
        }
    }

    public void Complete(string messageId, DeliveryOutcome outcome, Uri? url = null)
    {
        lock (_gate)
        {
            if (_byMessageId.TryGetValue(messageId, out var entry))
            {
                entry.Outcome = outcome;
                entry.Url = url ?? entry.Url;
                entry.CompletedAt = time.GetUtcNow();
            }
        }
    }

    private sealed class Entry(
        string messageId, string conversationId, string integrationId, string type, byte[] body, string? signature, DateTimeOffset queuedAt)
    {
        public string MessageId { get; } = messageId;
        public Uri? Url { get; set; }
        public int Attempts { get; set; }
        public int? LastStatusCode { get; set; }
        public string? LastError { get; set; }
        public DeliveryOutcome Outcome { get; set; } = DeliveryOutcome.Pending;
        public int Redeliveries { get; set; }
        public DateTimeOffset? CompletedAt { get; set; }

        public WebhookDeliverySnapshot Snapshot() => new(
            MessageId, conversationId, integrationId, type, Url, Attempts, LastStatusCode, LastError, Outcome, Redeliveries,
            queuedAt, CompletedAt, signature, body);
    }
}
