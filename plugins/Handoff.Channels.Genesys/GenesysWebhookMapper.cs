using System.Globalization;
using System.Text;

namespace Handoff.Channels.Genesys;

/// <summary>The result of mapping one webhook body: something to hand to the inbox, or the reason it is acknowledged and dropped.</summary>
internal readonly record struct WebhookMapping(ChannelInbound? Inbound, string? IgnoredReason)
{
    public static WebhookMapping Relay(ChannelInbound inbound) => new(inbound, null);

    public static WebhookMapping Ignore(string reason) => new(null, reason);
}

/// <summary>Maps a Genesys outbound webhook body (section 4) to a <see cref="ChannelInbound"/>, dispatching on <c>type</c> first.</summary>
internal static class GenesysWebhookMapper
{
    /// <summary>Last resort for <see cref="ChannelInbound.AgentDisplayName"/>, which must never be empty.</summary>
    public const string DefaultAgentName = "Agent";

    public static WebhookMapping Map(WebhookMessage message, GenesysOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        var channel = message.Channel;
        var handoffId = channel?.To?.Id;
        if (string.IsNullOrWhiteSpace(handoffId))
        {
            return WebhookMapping.Ignore("no channel.to.id");
        }

        var time = ParseTime(channel?.Time) ?? now;
        var state = message.ConversationId is { Length: > 0 } conversationId
            ? new Dictionary<string, string> { [GenesysAdapter.ConversationIdStateKey] = conversationId }
            : null;

        switch (message.Type)
        {
            case var t when Is(t, GenesysApi.TypeText) || Is(t, GenesysApi.TypeStructured):
            {
                var text = AgentText(message);
                if (text is null)
                {
                    return WebhookMapping.Ignore($"{message.Type} without text");
                }

                var id = FirstNonEmpty(message.Id, channel?.MessageId);
                if (id is null)
                {
                    return WebhookMapping.Ignore("message without id");
                }

                return WebhookMapping.Relay(new ChannelInbound(GenesysChannel.Name, handoffId, InboundKind.AgentMessage, id, time)
                {
                    Text = text,
                    Attachments = Attachments(message),
                    AgentDisplayName = AgentDisplayName(options, channel?.Id, channel?.From?.Nickname),
                    State = state,
                });
            }

            case var t when Is(t, GenesysApi.TypeEvent):
            {
                if (message.Events?.Any(e => Is(e.EventType, GenesysApi.EventTypeTyping)) != true)
                {
                    return WebhookMapping.Ignore("event other than Typing");
                }

                var id = FirstNonEmpty(message.Id, channel?.MessageId) ?? $"typing:{handoffId}:{channel?.Time}";
                return WebhookMapping.Relay(new ChannelInbound(GenesysChannel.Name, handoffId, InboundKind.AgentTyping, id, time)
                {
                    AgentDisplayName = AgentDisplayName(options, channel?.Id, channel?.From?.Nickname),
                    State = state,
                });
            }

            case var t when Is(t, GenesysApi.TypeReceipt):
            {
                bool delivered;
                if (Is(message.Status, GenesysApi.ReceiptDelivered))
                {
                    delivered = true;
                }
                else if (Is(message.Status, GenesysApi.ReceiptFailed))
                {
                    delivered = false;
                }
                else
                {
                    // Sent, Read, Published, Removed: nothing the bot needs.
                    return WebhookMapping.Ignore($"receipt status {message.Status ?? "(none)"}");
                }

                var forMessage = FirstNonEmpty(channel?.MessageId, message.Id);
                if (forMessage is null)
                {
                    return WebhookMapping.Ignore("receipt without message id");
                }

                if (delivered && forMessage == GenesysAdapter.StartMessageId(handoffId))
                {
                    // The transcript message is ours, not one of core's ChannelMessage ids: a Delivered receipt for it is noise.
                    // A Failed one is still relayed so core can surface it.
                    return WebhookMapping.Ignore("delivered receipt for the start message");
                }

                // The status is part of the id: a Delivered and a later Failed receipt for one message are both relayed.
                var id = $"receipt:{FirstNonEmpty(message.Id, forMessage)}:{(delivered ? GenesysApi.ReceiptDelivered : GenesysApi.ReceiptFailed)}";
                return WebhookMapping.Relay(new ChannelInbound(GenesysChannel.Name, handoffId, InboundKind.Receipt, id, time)
                {
                    ReceiptForMessageId = forMessage,
                    ReceiptDelivered = delivered,
                    Reason = Reasons(message),
                    State = state,
                });
            }

            default:
                return WebhookMapping.Ignore($"type {message.Type ?? "(none)"}");
        }
    }

    /// <summary>
    /// Who the bot shows as the sender: the configured integration name for <c>channel.id</c>, else the webhook's
    /// <c>channel.from.nickname</c> (Genesys puts the integration name there too; never the agent's own name), else "Agent".
    /// </summary>
    public static string AgentDisplayName(GenesysOptions options, string? integrationId, string? nickname) =>
        options.FindIntegrationName(integrationId)
        ?? (string.IsNullOrWhiteSpace(nickname) ? null : nickname.Trim())
        ?? DefaultAgentName;

    /// <summary>
    /// The agent's attachments as links (section 4: <c>content[].attachment</c>). Genesys download links may expire [U]: bots
    /// should fetch them promptly.
    /// </summary>
    private static IReadOnlyList<ChannelAttachment>? Attachments(WebhookMessage message)
    {
        var attachments = message.Content?
            .Select(c => c.Attachment)
            .OfType<WebhookAttachment>()
            .Where(a => Uri.TryCreate(a.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp))
            .Select(a => new ChannelAttachment(a.Url!, a.MediaType?.Trim().ToLowerInvariant(), a.Mime, a.Filename, a.ContentSizeBytes))
            .ToArray();
        return attachments is { Length: > 0 } ? attachments : null;
    }

    private static string? AgentText(WebhookMessage message)
    {
        var text = new StringBuilder(message.Text?.Trim() ?? string.Empty);

        // The text also names each attachment, so a bot that shows only text still tells the user a file was sent;
        // the links themselves travel in the attachments.
        foreach (var attachment in message.Content?.Select(c => c.Attachment).OfType<WebhookAttachment>() ?? [])
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(CultureInfo.InvariantCulture, $"[attachment: {FirstNonEmpty(attachment.Filename, attachment.MediaType) ?? "file"}]");
        }

        return text.Length > 0 ? text.ToString() : null;
    }

    private static string? Reasons(WebhookMessage message)
    {
        var parts = message.Reasons?
            .Select(r => (r.Code, r.Message) switch
            {
                ({ Length: > 0 } code, { Length: > 0 } text) => $"{code}: {text}",
                ({ Length: > 0 } code, _) => code,
                (_, { Length: > 0 } text) => text,
                _ => null,
            })
            .OfType<string>()
            .ToList();
        return parts is { Count: > 0 } ? string.Join("; ", parts) : null;
    }

    private static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;

    private static bool Is(string? value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
