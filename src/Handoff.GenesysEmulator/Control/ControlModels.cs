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
    IReadOnlyList<MessageView> Messages);

/// <param name="MessageId">The <c>channel.messageId</c> the client sent (inbound only).</param>
/// <param name="WebhookStatus">Outcome of the webhook for this message: the agent message itself (outbound) or its
/// Delivered receipt (inbound): pending, delivered, failed or skipped.</param>
internal sealed record MessageView(
    string Id,
    string Direction,
    string? Text,
    DateTimeOffset Time,
    string? MessageId,
    IReadOnlyList<AttachmentView>? Content,
    ReceiptView? Receipt,
    string? WebhookStatus);

internal sealed record AttachmentView(string MediaType, string Url, string? Mime, string? Filename);

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
    DateTimeOffset DateModified);

internal sealed record RevokedTokensView(int Revoked);

/// <summary>Body of <c>POST /emulator/conversations/{id}/agent-messages</c>.</summary>
internal sealed record AgentMessageRequest(string? Text);

/// <summary>Body of <c>PUT /emulator/integrations/{id}</c>.</summary>
internal sealed record IntegrationPutRequest(string? Name, string? WebhookUrl, string? WebhookSecret);

/// <summary>Maps store snapshots to control views.</summary>
internal sealed class ControlViews(IntegrationRegistry integrations, WebhookDeliveryLog deliveries, TimeProvider time)
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
        integration.DateModified);

    private ConversationView Conversation(
        ConversationSnapshot conversation,
        IReadOnlyDictionary<string, DeliveryOutcome> outcomes,
        IReadOnlyDictionary<string, string> names)
    {
        var user = conversation.User;
        var typing = conversation.CustomerTypingAt is { } at && time.GetUtcNow() - at < TypingWindow;
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
            [.. conversation.Messages.Select(m => Message(m, outcomes))]);
    }

    private static MessageView Message(MessageSnapshot message, IReadOnlyDictionary<string, DeliveryOutcome> outcomes) => new(
        message.Id,
        Lower(message.Direction),
        message.Text,
        message.Time,
        message.ClientMessageId,
        message.Content.Count == 0 ? null : [.. message.Content.Select(a => new AttachmentView(a.MediaType, a.Url, a.Mime, a.Filename))],
        message.Receipt is { } receipt ? new ReceiptView(receipt.Status, receipt.Reasons, receipt.Time) : null,
        outcomes.TryGetValue(message.Id, out var outcome) ? Lower(outcome) : null);

    /// <summary>Nickname, else first and last name, else the user id.</summary>
    private static string DisplayName(EndUser user)
    {
        if (!string.IsNullOrWhiteSpace(user.Nickname))
        {
            return user.Nickname;
        }

        var fullName = string.Join(' ', new[] { user.FirstName, user.LastName }.Where(n => !string.IsNullOrWhiteSpace(n)));
        return fullName.Length > 0 ? fullName : user.Id;
    }

    private static string Lower<TEnum>(TEnum value)
        where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
