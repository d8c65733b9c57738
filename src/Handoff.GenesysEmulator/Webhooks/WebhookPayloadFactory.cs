using System.Text.Json;
using Handoff.GenesysEmulator.Genesys;
using Handoff.GenesysEmulator.State;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Handoff.GenesysEmulator.Webhooks;

/// <summary>A serialized webhook body, ready to sign and send.</summary>
internal sealed record WebhookPayload(string MessageId, string Type, byte[] Body);

/// <summary>
/// Builds the outbound webhook bodies exactly as fact sheet §4 shows them. Every body shares the envelope: <c>channel.to</c>
/// is the end user (the <c>from.id</c> the client sent) and <c>channel.from</c> is the integration, whose nickname is the
/// integration name (never the agent's).
/// </summary>
internal sealed class WebhookPayloadFactory(IOptions<JsonOptions> json, TimeProvider time)
{
    private readonly JsonSerializerOptions _serializer = json.Value.SerializerOptions;

    /// <summary>
    /// An agent's message (shape of a captured production log); attachments go in <c>content[]</c> and <c>text</c> may then
    /// be empty (fact sheet §4).
    /// </summary>
    public WebhookPayload AgentText(Integration integration, ConversationSnapshot conversation, MessageSnapshot message)
    {
        var body = new OpenNormalizedMessage
        {
            Id = message.Id,
            Channel = Envelope(integration, conversation, message.Id, message.Time),
            Type = OpenMessaging.TextType,
            Text = message.Content.Count > 0 ? message.Text ?? string.Empty : message.Text,
            Content = message.Content.Count == 0 ? null : [.. message.Content.Select(OpenContents.From)],
            OriginatingEntity = OpenMessaging.Human,
            Direction = OpenMessaging.Outbound,
            ConversationId = conversation.Id,
        };
        return Serialize(body);
    }

    /// <summary>The agent is typing: an <c>Event</c> body with no <c>text</c>.</summary>
    public WebhookPayload AgentTyping(Integration integration, ConversationSnapshot conversation)
    {
        var id = Guid.NewGuid().ToString("N");
        var body = new OpenNormalizedMessage
        {
            Id = id,
            Channel = Envelope(integration, conversation, id, time.GetUtcNow()),
            Type = OpenMessaging.EventType,
            Events = [new OpenEvent { EventType = OpenMessaging.Typing, Typing = new OpenTyping { Type = "On", Duration = 5000 } }],
            Direction = OpenMessaging.Outbound,
            ConversationId = conversation.Id,
        };
        return Serialize(body);
    }

    /// <summary>
    /// The <c>Delivered</c> receipt Genesys sends back for an inbound user message.
    /// </summary>
    /// <remarks>
    /// UNCONFIRMED SHAPE (fact sheet §4 marks receipt triggers and payloads [U]); this is the one place that decides it:
    /// <list type="bullet">
    /// <item><c>id</c> is the Genesys message id of the inbound message (what the inbound response returned as <c>id</c>);</item>
    /// <item><c>channel.messageId</c> is the <c>channel.messageId</c> the client sent on that message, omitted when it sent none,
    /// so a client can correlate the receipt with its own outbox;</item>
    /// <item><c>status</c> is <c>Delivered</c>, <c>isFinalReceipt</c> is <c>true</c>, <c>direction</c> is <c>Outbound</c>
    /// (Genesys sends it), the envelope is the one every webhook uses, and <c>conversationId</c> is included.</item>
    /// </list>
    /// Change it here only, once a real org has been observed.
    /// </remarks>
    public WebhookPayload InboundReceipt(Integration integration, ConversationSnapshot conversation, MessageSnapshot inbound)
    {
        var body = new OpenNormalizedMessage
        {
            Id = inbound.Id,
            Channel = Envelope(integration, conversation, inbound.ClientMessageId, time.GetUtcNow()),
            Type = OpenMessaging.ReceiptType,
            Status = OpenMessaging.Delivered,
            IsFinalReceipt = true,
            Direction = OpenMessaging.Outbound,
            ConversationId = conversation.Id,
        };
        return Serialize(body);
    }

    private static OpenChannel Envelope(
        Integration integration, ConversationSnapshot conversation, string? messageId, DateTimeOffset at) => new()
        {
            Id = integration.Id,
            MessageId = messageId,
            Time = at,
            To = new OpenAddress { Id = conversation.User.Id, IdType = conversation.User.IdType },
            From = new OpenAddress { Id = integration.Id, IdType = OpenMessaging.Opaque, Nickname = integration.Name },
        };

    private WebhookPayload Serialize(OpenNormalizedMessage body) =>
        new(body.Id, body.Type, JsonSerializer.SerializeToUtf8Bytes(body, _serializer));
}
