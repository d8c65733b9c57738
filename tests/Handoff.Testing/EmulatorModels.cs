namespace Handoff.Testing;

// Records matching the emulator's control API JSON (/emulator/...). Optional fields are null when the emulator omits them.

/// <summary>A conversation as the emulator's agent side sees it.</summary>
public sealed record EmulatorConversation(
    string Id,
    string IntegrationId,
    string? IntegrationName,
    string UserId,
    string? UserIdType,
    string? Nickname,
    string? FirstName,
    string? LastName,
    string? Email,
    string? DisplayName,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? DisconnectedAt,
    DateTimeOffset? CustomerTypingAt,
    bool CustomerTyping,
    IReadOnlyDictionary<string, string> CustomAttributes,
    IReadOnlyList<EmulatorMessage> Messages)
{
    public const string Connected = "connected";
    public const string Disconnected = "disconnected";

    public bool IsConnected => State == Connected;

    /// <summary>The queue the conversation was routed to.</summary>
    public string? QueueId { get; init; }

    public string? QueueName { get; init; }

    /// <summary>The customer and every agent leg, in the order they joined.</summary>
    public IReadOnlyList<EmulatorParticipant> Participants { get; init; } = [];

    /// <summary>The agent on the active leg (connected, or alerting after a requeue to a named agent); null when none.</summary>
    public EmulatorAgent? Agent { get; init; }

    /// <summary>The customer participant; null only for a conversation read from an older emulator.</summary>
    public EmulatorParticipant? Customer => Participants.FirstOrDefault(p => p.Purpose == EmulatorParticipant.CustomerPurpose);

    /// <summary>Agent legs, oldest first.</summary>
    public IReadOnlyList<EmulatorParticipant> AgentParticipants =>
        [.. Participants.Where(p => p.Purpose == EmulatorParticipant.AgentPurpose)];
}

/// <summary>A participant of a conversation (fact sheet §11.5, control API view).</summary>
/// <param name="Purpose"><c>customer</c> or <c>agent</c>.</param>
/// <param name="State"><c>alerting</c>, <c>connected</c> or <c>disconnected</c>.</param>
/// <param name="DisconnectType">Lowercase, as in the Conversations API: <c>client</c>, <c>peer</c>, <c>system</c>, <c>transfer</c>.</param>
public sealed record EmulatorParticipant(
    string Id,
    string Purpose,
    string State,
    string? UserId,
    string? Name,
    string? QueueId,
    string? DisconnectType,
    DateTimeOffset StartTime,
    DateTimeOffset? StartAlertingTime,
    DateTimeOffset? ConnectedTime,
    DateTimeOffset? EndTime)
{
    public const string CustomerPurpose = "customer";
    public const string AgentPurpose = "agent";
    public const string Alerting = "alerting";
    public const string Connected = "connected";
    public const string Disconnected = "disconnected";
}

/// <summary>An agent (Genesys user): on a conversation, or in the emulator's directory.</summary>
public sealed record EmulatorAgent(string UserId, string Name, string? Email = null, string? State = null, bool? IsDefault = null);

/// <summary>One message of a conversation.</summary>
/// <param name="Id">The Genesys message id.</param>
/// <param name="Direction"><c>inbound</c> (user → agent) or <c>outbound</c> (agent → user).</param>
/// <param name="MessageId">The <c>channel.messageId</c> the client sent (inbound only).</param>
/// <param name="Receipt">The receipt the client posted for an agent message.</param>
/// <param name="WebhookStatus">pending, delivered, failed or skipped: the agent message's webhook, or the inbound
/// message's Delivered receipt webhook.</param>
public sealed record EmulatorMessage(
    string Id,
    string Direction,
    string? Text,
    DateTimeOffset Time,
    string? MessageId,
    IReadOnlyList<EmulatorAttachment>? Content,
    EmulatorReceipt? Receipt,
    string? WebhookStatus)
{
    public const string Inbound = "inbound";
    public const string Outbound = "outbound";

    /// <summary>The agent who sent an outbound message.</summary>
    public string? AgentUserId { get; init; }

    public string? AgentName { get; init; }
}

/// <summary>An attachment: read from a message, or sent with an agent message.</summary>
/// <param name="MediaType"><c>Image</c>, <c>Video</c>, <c>Audio</c>, <c>File</c> or <c>Link</c>.</param>
public sealed record EmulatorAttachment(string MediaType, string Url, string? Mime, string? Filename)
{
    public long? ContentSizeBytes { get; init; }
}

public sealed record EmulatorReceipt(string Status, IReadOnlyList<EmulatorReceiptReason> Reasons, DateTimeOffset Time);

public sealed record EmulatorReceiptReason(string? Code, string? Message);

/// <summary>One outbound webhook delivery (the first send and any redeliveries of one message id).</summary>
/// <param name="Type">The body's <c>type</c>: Text, Event or Receipt.</param>
/// <param name="Outcome">pending, delivered, failed or skipped (no webhook URL).</param>
/// <param name="Body">The exact JSON body sent.</param>
/// <param name="Signature">The <c>X-Hub-Signature-256</c> value sent, null when unsigned.</param>
public sealed record WebhookDelivery(
    string MessageId,
    string ConversationId,
    string IntegrationId,
    string Type,
    string? Url,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    string Outcome,
    int Redeliveries,
    DateTimeOffset QueuedAt,
    DateTimeOffset? CompletedAt,
    string? Signature,
    string Body)
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    public bool IsCompleted => Outcome != Pending;
}

/// <summary>Counters of <c>GET /emulator/stats</c>.</summary>
public sealed record EmulatorStats(
    long TokenRequests,
    long InboundMessages,
    long InboundEvents,
    long InboundReceipts,
    long WebhookDeliveries,
    long WebhookAttempts)
{
    /// <summary>Requests a fault rule applied to (an error status, a delay, or both).</summary>
    public long FaultsInjected { get; init; }

    /// <summary>Inbound messages repeating a client messageId already in the conversation (not added again).</summary>
    public long InboundDuplicatesIgnored { get; init; }
}

/// <summary>An integration as the control API shows it (the secret itself is not returned).</summary>
public sealed record EmulatorIntegration(
    string Id,
    string Name,
    string? WebhookUrl,
    bool HasWebhookSecret,
    IReadOnlyDictionary<string, string> WebhookHeaders,
    DateTimeOffset DateCreated,
    DateTimeOffset DateModified)
{
    /// <summary>The queue the integration's new conversations wait in (the integration id when none was set).</summary>
    public string? QueueId { get; init; }
}

/// <summary>The emulator's notification channels and counters (<c>GET /emulator/notifications</c>).</summary>
/// <param name="EventsDropped">Events raised while a subscribed channel had no socket (lost, as on Genesys).</param>
public sealed record EmulatorNotifications(
    IReadOnlyList<EmulatorNotificationChannel> Channels, int ConnectedSockets, long EventsSent, long EventsDropped);

public sealed record EmulatorNotificationChannel(
    string Id,
    string ConnectUri,
    DateTimeOffset CreatedAt,
    DateTimeOffset Expires,
    IReadOnlyList<string> Topics,
    bool Connected,
    DateTimeOffset? ConnectedAt,
    long EventsSent,
    long EventsDropped);

/// <summary>
/// A fault rule for the Genesys-compatible routes (<c>/oauth</c>, <c>/api/v2</c>, <c>/channels</c>). Set what to inject
/// when adding one; <see cref="Id"/>, <see cref="Injected"/>, <see cref="Remaining"/> and <see cref="CreatedAt"/> are
/// filled in by the emulator.
/// </summary>
/// <param name="Path">Path prefix, e.g. <c>/api/v2/conversations/messages</c>.</param>
public sealed record EmulatorFault(string Path)
{
    /// <summary>Only this method (e.g. POST); null for any.</summary>
    public string? Method { get; init; }

    /// <summary>Status to answer (Genesys error body); null for a delay-only fault.</summary>
    public int? Status { get; init; }

    /// <summary>Fraction of matching requests to hit (0.0-1.0); null for all.</summary>
    public double? Rate { get; init; }

    /// <summary>Hit only the next <c>Count</c> matching requests; null for no limit.</summary>
    public int? Count { get; init; }

    public int? DelayMs { get; init; }

    /// <summary>Sent as the <c>Retry-After</c> header.</summary>
    public int? RetryAfterSeconds { get; init; }

    public string? Id { get; init; }

    public int Injected { get; init; }

    public int? Remaining { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>A queue: its staffing and its live conversations.</summary>
public sealed record EmulatorQueue(
    string Id, string Name, int EstimatedWaitSeconds, int OnQueueAgents, int IdleAgents, int Waiting, int Interacting, bool Configured);

/// <summary>What a trigger's target answered (null status: unreachable) and the exact body it was sent.</summary>
public sealed record EmulatorTriggerResult(string Url, int? StatusCode, string? Error, System.Text.Json.JsonElement Body);
