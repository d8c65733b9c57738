using Handoff.GenesysEmulator.State;
using Handoff.GenesysEmulator.Webhooks;

namespace Handoff.GenesysEmulator.Control;

// JSON views of the control API (/emulator/...). Enum-like values are lowercase strings; null fields are omitted.

internal sealed record ConversationView(
    string Id,
    string IntegrationId,
    string? IntegrationName,
    string UserId,
    string UserIdType,
    string? Nickname,
    string? FirstName,
    string? LastName,
    string? Email,
    string DisplayName,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? DisconnectedAt,
    DateTimeOffset? CustomerTypingAt,
    bool CustomerTyping,
    IReadOnlyDictionary<string, string> CustomAttributes,
    IReadOnlyList<MessageView> Messages,
    string QueueId,
    string? QueueName,
    IReadOnlyList<ParticipantView> Participants,
    AgentView? Agent);

/// <summary>A participant of a conversation; <c>disconnectType</c> is lowercase as in the Conversations API.</summary>
internal sealed record ParticipantView(
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
    DateTimeOffset? EndTime);

/// <summary>An agent: on a conversation (its active leg) or in the directory.</summary>
internal sealed record AgentView(string UserId, string Name, string? Email = null, string? State = null, bool? IsDefault = null);

/// <param name="MessageId">The <c>channel.messageId</c> the client sent (inbound only).</param>
/// <param name="WebhookStatus">Outcome of the webhook for this message: the agent message itself (outbound) or its
/// Delivered receipt (inbound): pending, delivered, failed or skipped.</param>
/// <param name="AgentUserId">Who sent an outbound message.</param>
internal sealed record MessageView(
    string Id,
    string Direction,
    string? Text,
    DateTimeOffset Time,
    string? MessageId,
    IReadOnlyList<AttachmentView>? Content,
    ReceiptView? Receipt,
    string? WebhookStatus,
    string? AgentUserId,
    string? AgentName);

internal sealed record AttachmentView(string MediaType, string Url, string? Mime, string? Filename, long? ContentSizeBytes);

internal sealed record ReceiptView(string Status, IReadOnlyList<ReceiptReason> Reasons, DateTimeOffset Time);

internal sealed record AgentTypingView(string Id, string ConversationId);

internal sealed record WebhookDeliveryView(
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
    string Body);

internal sealed record IntegrationView(
    string Id,
    string Name,
    string? WebhookUrl,
    bool HasWebhookSecret,
    IReadOnlyDictionary<string, string> WebhookHeaders,
    DateTimeOffset DateCreated,
    DateTimeOffset DateModified,
    string QueueId);

internal sealed record RevokedTokensView(int Revoked);

/// <summary>Body of <c>POST /emulator/conversations/{id}/agent-messages</c>; the agent is optional.</summary>
internal sealed record AgentMessageRequest(
    string? Text, string? AgentName = null, string? UserId = null, List<AttachmentRequest?>? Attachments = null);

/// <summary>An attachment of an agent message.</summary>
internal sealed record AttachmentRequest(string? Url, string? MediaType, string? Mime, string? Filename, long? ContentSizeBytes);

/// <summary>Body of <c>POST /emulator/conversations/{id}/agent-join</c>.</summary>
internal sealed record AgentJoinRequest(string? Name, string? UserId);

/// <summary>Body of <c>POST /emulator/conversations/{id}/transfer</c>.</summary>
internal sealed record TransferRequest(string? ToAgentName, string? ToUserId, string? Kind);

/// <summary>Body of <c>POST /emulator/conversations/{id}/trigger</c>.</summary>
internal sealed record TriggerRequest(string? Url, string? Topic, Dictionary<string, string>? Headers);

/// <summary>What the trigger target answered, and the body it was sent.</summary>
internal sealed record TriggerView(string Url, int? StatusCode, string? Error, Triggers.TriggerPayload Body);

/// <summary>Body of <c>PUT /emulator/queues/{id}</c>; missing numbers keep their current (or default) value.</summary>
internal sealed record QueuePutRequest(string? Name, int? EstimatedWaitSeconds, int? OnQueueAgents, int? IdleAgents);

/// <summary>A queue: configured staffing plus its live conversations.</summary>
internal sealed record QueueView(
    string Id, string Name, int EstimatedWaitSeconds, int OnQueueAgents, int IdleAgents, int Waiting, int Interacting, bool Configured);

/// <summary>Body of <c>POST /emulator/notifications/socket-closing</c>.</summary>
internal sealed record SocketClosingRequest(int? AfterMs);

internal sealed record SocketClosingView(int Sockets, int AfterMs);

internal sealed record SocketsDroppedView(int Sockets);

/// <summary>One notification channel as the control API shows it.</summary>
internal sealed record NotificationChannelView(
    string Id,
    string ConnectUri,
    DateTimeOffset CreatedAt,
    DateTimeOffset Expires,
    IReadOnlyList<string> Topics,
    bool Connected,
    DateTimeOffset? ConnectedAt,
    long EventsSent,
    long EventsDropped);

internal sealed record NotificationsView(
    IReadOnlyList<NotificationChannelView> Channels, int ConnectedSockets, long EventsSent, long EventsDropped);

/// <summary>Body of <c>POST /emulator/faults</c>.</summary>
internal sealed record FaultRequest(
    string? Path, string? Method, int? Status, double? Rate, int? Count, int? DelayMs, int? RetryAfterSeconds);

/// <summary>A fault rule and how it has been used.</summary>
internal sealed record FaultView(
    string Id,
    string Path,
    string? Method,
    int? Status,
    double? Rate,
    int? Count,
    int? DelayMs,
    int? RetryAfterSeconds,
    int Injected,
    int? Remaining,
    DateTimeOffset CreatedAt);

/// <summary>Body of <c>PUT /emulator/integrations/{id}</c>; without a <c>queueId</c> the current routing is kept.</summary>
internal sealed record IntegrationPutRequest(string? Name, string? WebhookUrl, string? WebhookSecret, string? QueueId = null);

/// <summary>Maps store snapshots to control views.</summary>
internal sealed class ControlViews(
    IntegrationRegistry integrations, QueueRegistry queues, WebhookDeliveryLog deliveries, TimeProvider time)
{
    /// <summary>Genesys typing indicators last 5 s; the desk shows "typing…" that long after the last event.</summary>
    private static readonly TimeSpan TypingWindow = TimeSpan.FromSeconds(5);

    public IReadOnlyList<ConversationView> Conversations(IEnumerable<ConversationSnapshot> conversations)
    {
        var outcomes = deliveries.Outcomes();
        var names = integrations.GetAll().ToDictionary(i => i.Id, i => i.Name, StringComparer.OrdinalIgnoreCase);
        return [.. conversations.Select(c => Conversation(c, outcomes, names))];
    }

    public ConversationView Conversation(ConversationSnapshot conversation) => Conversations([conversation])[0];

    public MessageView Message(MessageSnapshot message) => Message(message, deliveries.Outcomes());

    public static WebhookDeliveryView Delivery(WebhookDeliverySnapshot delivery) => new(
        delivery.MessageId,
        delivery.ConversationId,
        delivery.IntegrationId,
        delivery.Type,
        delivery.Url?.ToString(),
        delivery.Attempts,
        delivery.LastStatusCode,
        delivery.LastError,
        Lower(delivery.Outcome),
        delivery.Redeliveries,
        delivery.QueuedAt,
        delivery.CompletedAt,
        delivery.Signature,
        delivery.BodyText);

    public static IntegrationView Integration(Integration integration) => new(
        integration.Id,
        integration.Name,
        integration.WebhookUrl?.ToString(),
        integration.WebhookSecret is not null,
        integration.WebhookHeaders,
        integration.DateCreated,
        integration.DateModified,
        integration.RoutingQueueId);

    private ConversationView Conversation(
        ConversationSnapshot conversation,
        IReadOnlyDictionary<string, DeliveryOutcome> outcomes,
        IReadOnlyDictionary<string, string> names)
    {
        var user = conversation.User;
        var typing = conversation.CustomerTypingAt is { } at && time.GetUtcNow() - at < TypingWindow;
        var agent = conversation.ActiveAgent is { UserId: { } agentId } active
            ? new AgentView(agentId, active.Name ?? agentId, State: Lower(active.State))
            : null;
        return new ConversationView(
            conversation.Id,
            conversation.IntegrationId,
            names.GetValueOrDefault(conversation.IntegrationId),
            user.Id,
            user.IdType,
            user.Nickname,
            user.FirstName,
            user.LastName,
            user.Email,
            DisplayName(user),
            Lower(conversation.State),
            conversation.CreatedAt,
            conversation.LastActivityAt,
            conversation.DisconnectedAt,
            conversation.CustomerTypingAt,
            typing,
            conversation.CustomAttributes,
            [.. conversation.Messages.Select(m => Message(m, outcomes))],
            conversation.QueueId,
            queues.Find(conversation.QueueId)?.Name,
            [.. conversation.Participants.Select(Participant)],
            agent);
    }

    public static ParticipantView Participant(ParticipantSnapshot participant) => new(
        participant.Id,
        Lower(participant.Purpose),
        Lower(participant.State),
        participant.UserId,
        participant.Name,
        participant.QueueId,
        participant.DisconnectType?.ForConversationsApi(),
        participant.StartTime,
        participant.StartAlertingTime,
        participant.ConnectedTime,
        participant.EndTime);

    public static NotificationChannelView Channel(Notifications.NotificationChannelSnapshot channel) => new(
        channel.Id,
        channel.ConnectUri.ToString(),
        channel.CreatedAt,
        channel.Expires,
        channel.Topics,
        channel.Connected,
        channel.ConnectedAt,
        channel.EventsSent,
        channel.EventsDropped);

    public static FaultView Fault(Faults.FaultSnapshot fault) => new(
        fault.Id,
        fault.Rule.Path,
        fault.Rule.Method,
        fault.Rule.Status,
        fault.Rule.Rate,
        fault.Rule.Count,
        fault.Rule.DelayMs,
        fault.Rule.RetryAfterSeconds,
        fault.Injected,
        fault.Remaining,
        fault.CreatedAt);

    private static MessageView Message(MessageSnapshot message, IReadOnlyDictionary<string, DeliveryOutcome> outcomes) => new(
        message.Id,
        Lower(message.Direction),
        message.Text,
        message.Time,
        message.ClientMessageId,
        message.Content.Count == 0 ? null : [.. message.Content.Select(a => new AttachmentView(a.MediaType, a.Url, a.Mime, a.Filename, a.ContentSizeBytes))],
        message.Receipt is { } receipt ? new ReceiptView(receipt.Status, receipt.Reasons, receipt.Time) : null,
        outcomes.TryGetValue(message.Id, out var outcome) ? Lower(outcome) : null,
        message.Sender?.UserId,
        message.Sender?.Name);

    /// <summary>Nickname, else first and last name, else the user id.</summary>
    private static string DisplayName(EndUser user) => user.Name ?? user.Id;

    private static string Lower<TEnum>(TEnum value)
        where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
