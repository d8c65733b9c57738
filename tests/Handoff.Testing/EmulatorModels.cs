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
}

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
}

public sealed record EmulatorAttachment(string MediaType, string Url, string? Mime, string? Filename);

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
    long WebhookAttempts);

/// <summary>An integration as the control API shows it (the secret itself is not returned).</summary>
public sealed record EmulatorIntegration(
    string Id,
    string Name,
    string? WebhookUrl,
    bool HasWebhookSecret,
    IReadOnlyDictionary<string, string> WebhookHeaders,
    DateTimeOffset DateCreated,
    DateTimeOffset DateModified);
