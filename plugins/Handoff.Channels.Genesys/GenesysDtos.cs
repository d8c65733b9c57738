using System.ComponentModel;
using System.Text.Json.Serialization;

namespace Handoff.Channels.Genesys;

// Genesys wire shapes (section 3 and 4 of the reference). Internal: the rest of Handoff never sees them.
// Incoming shapes use nullable strings (not enums or DateTimeOffset) so new values or odd formats never break parsing.

/// <summary><c>channel.from</c> of an inbound message/event: the end user, addressed by the handoff id.</summary>
internal sealed record OpenRecipient(
    string Id,
    string IdType,
    string? Nickname = null,
    string? FirstName = null,
    string? LastName = null,
    string? Email = null);

internal sealed record OpenChannelMetadata(IReadOnlyDictionary<string, string> CustomAttributes);

/// <summary><c>channel</c> of an inbound message or event (OpenInboundMessageMessagingChannel).</summary>
internal sealed record OpenInboundChannel(
    OpenRecipient From,
    string Time,
    string? MessageId = null,
    OpenChannelMetadata? Metadata = null);

/// <summary>OpenInboundNormalizedMessage. <c>text</c> may be left out when <c>content</c> carries attachments.</summary>
internal sealed record OpenInboundMessage(OpenInboundChannel Channel, string? Text, IReadOnlyList<OpenInboundContent>? Content = null);

/// <summary>One <c>content[]</c> item of an inbound message: an attachment by URL (section 3.1).</summary>
internal sealed record OpenInboundContent(string ContentType, OpenInboundAttachment Attachment);

internal sealed record OpenInboundAttachment(string MediaType, string Url, string? Mime = null, string? Filename = null);

internal sealed record OpenInboundEventItem(string EventType);

/// <summary>OpenInboundNormalizedEvent.</summary>
internal sealed record OpenInboundEvent(OpenInboundChannel Channel, IReadOnlyList<OpenInboundEventItem> Events);

internal sealed record OpenReceiptChannel(OpenRecipient To, string Time);

internal sealed record OpenReason(string? Code, string? Message);

/// <summary>OpenInboundNormalizedReceipt: only <c>Delivered</c> or <c>Failed</c>.</summary>
internal sealed record OpenInboundReceipt(
    string Id,
    OpenReceiptChannel Channel,
    string Status,
    string Direction,
    bool IsFinalReceipt,
    IReadOnlyList<OpenReason>? Reasons = null);

/// <summary>What we read from an inbound response (OpenMessageNormalizedMessage and friends).</summary>
internal sealed class OpenInboundResponse
{
    public string? Id { get; set; }

    public string? ConversationId { get; set; }
}

/// <summary>Standard Genesys error body.</summary>
internal sealed class GenesysErrorBody
{
    public string? Message { get; set; }

    public string? Code { get; set; }

    public int? Status { get; set; }

    public string? ContextId { get; set; }
}

/// <summary>OpenIntegration (read model), the fields we use.</summary>
internal sealed class OpenIntegration
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? OutboundNotificationWebhookUrl { get; set; }

    public string? Status { get; set; }

    public string? CreateStatus { get; set; }
}

/// <summary>OAuth token response (and the OAuth error fields).</summary>
internal sealed class OAuthTokenResponse
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; set; }

    [JsonPropertyName("expires_in")]
    public long? ExpiresIn { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("error_description")]
    public string? ErrorDescription { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }
}

/// <summary>A cached access token with the time to refresh it. Immutable so HybridCache's L1 can hand out the instance.</summary>
[ImmutableObject(true)]
internal sealed record GenesysAccessToken(string AccessToken, DateTimeOffset RefreshAt);

// ---- Webhook (Genesys → us) ------------------------------------------------------------------------------------

internal sealed class WebhookMessage
{
    public string? Id { get; set; }

    public WebhookChannel? Channel { get; set; }

    public string? Type { get; set; }

    public string? Text { get; set; }

    public string? Direction { get; set; }

    public string? OriginatingEntity { get; set; }

    public string? ConversationId { get; set; }

    public string? Status { get; set; }

    public bool? IsFinalReceipt { get; set; }

    public List<WebhookReason>? Reasons { get; set; }

    public List<WebhookEvent>? Events { get; set; }

    public List<WebhookContent>? Content { get; set; }
}

internal sealed class WebhookChannel
{
    public string? Id { get; set; }

    public string? Platform { get; set; }

    public string? Type { get; set; }

    public string? MessageId { get; set; }

    public string? Time { get; set; }

    public WebhookParty? To { get; set; }

    public WebhookParty? From { get; set; }
}

internal sealed class WebhookParty
{
    public string? Id { get; set; }

    public string? IdType { get; set; }

    public string? Nickname { get; set; }

    public string? FirstName { get; set; }

    public string? LastName { get; set; }
}

internal sealed class WebhookReason
{
    public string? Code { get; set; }

    public string? Message { get; set; }
}

internal sealed class WebhookEvent
{
    public string? EventType { get; set; }
}

internal sealed class WebhookContent
{
    public string? ContentType { get; set; }

    public WebhookAttachment? Attachment { get; set; }
}

internal sealed class WebhookAttachment
{
    public string? Id { get; set; }

    public string? MediaType { get; set; }

    public string? Url { get; set; }

    public string? Filename { get; set; }

    public string? Mime { get; set; }

    public long? ContentSizeBytes { get; set; }
}

// ---- Conversations, users, queues (section 11.5-11.7) --------------------------------------------------------------

/// <summary>MessageConversation: the fields we read.</summary>
internal sealed class MessageConversation
{
    public string? Id { get; set; }

    public List<MessageParticipant>? Participants { get; set; }
}

/// <summary>MessageMediaParticipant. Times stay strings (parsed when needed): odd formats never break reading.</summary>
internal sealed class MessageParticipant
{
    public string? Id { get; set; }

    public string? Name { get; set; }

    public string? Purpose { get; set; }

    public string? State { get; set; }

    public string? DisconnectType { get; set; }

    public string? StartTime { get; set; }

    public string? StartAlertingTime { get; set; }

    public string? ConnectedTime { get; set; }

    public string? EndTime { get; set; }

    public GenesysEntityRef? User { get; set; }

    /// <summary>Flat form of <see cref="User"/>'s id found in the generic Participant model; read when <c>user</c> is absent.</summary>
    public string? UserId { get; set; }

    public GenesysEntityRef? Queue { get; set; }
}

internal sealed class GenesysEntityRef
{
    public string? Id { get; set; }

    public string? Name { get; set; }
}

/// <summary>MediaParticipantRequest: only <c>state</c>.</summary>
internal sealed record ParticipantStateRequest(string State);

/// <summary>MessageData: who created the message.</summary>
internal sealed class MessageDetails
{
    public string? Id { get; set; }

    public string? ConversationId { get; set; }

    public GenesysEntityRef? CreatedBy { get; set; }
}

/// <summary>User: the fields we read.</summary>
internal sealed class GenesysUser
{
    public string? Id { get; set; }

    public string? Name { get; set; }
}

/// <summary>EstimatedWaitTimePredictions.</summary>
internal sealed class EstimatedWaitTimes
{
    public List<EstimatedWaitTime>? Results { get; set; }
}

internal sealed class EstimatedWaitTime
{
    public string? Intent { get; set; }

    public string? Formula { get; set; }

    public double? EstimatedWaitTimeSeconds { get; set; }
}

/// <summary>QueueObservationQuery (request).</summary>
internal sealed record QueueObservationQuery(QueueObservationFilter Filter, IReadOnlyList<string> Metrics);

internal sealed record QueueObservationFilter(string Type, IReadOnlyList<QueueObservationPredicate> Predicates);

internal sealed record QueueObservationPredicate(string Dimension, string Value);

/// <summary>QueueObservationQueryResponse.</summary>
internal sealed class QueueObservations
{
    public List<QueueObservationResult>? Results { get; set; }
}

internal sealed class QueueObservationResult
{
    public Dictionary<string, string>? Group { get; set; }

    public List<QueueObservationData>? Data { get; set; }
}

internal sealed class QueueObservationData
{
    public string? Metric { get; set; }

    public string? Qualifier { get; set; }

    public QueueObservationStats? Stats { get; set; }
}

internal sealed class QueueObservationStats
{
    public long? Count { get; set; }
}

// ---- Notifications (section 11.1-11.3) ------------------------------------------------------------------------------

/// <summary>Channel: a notification channel and its WebSocket URI.</summary>
internal sealed class NotificationChannel
{
    public string? Id { get; set; }

    public string? ConnectUri { get; set; }

    public string? Expires { get; set; }
}

internal sealed record ChannelTopicRequest(string Id);

/// <summary>ChannelTopicEntityListing.</summary>
internal sealed class ChannelTopicListing
{
    public List<ChannelTopic>? Entities { get; set; }
}

internal sealed class ChannelTopic
{
    public string? Id { get; set; }

    public string? State { get; set; }

    public string? RejectionReason { get; set; }
}

/// <summary>One WebSocket frame: <c>{topicName, version, eventBody, metadata}</c>; <c>result</c> on channel errors [S].</summary>
internal sealed class NotificationFrame
{
    public string? TopicName { get; set; }

    public System.Text.Json.JsonElement EventBody { get; set; }

    public string? Result { get; set; }
}

/// <summary>A detail event body (section 11.3): the fields the decision needs. UPPER_SNAKE enums.</summary>
internal sealed class DetailEventBody
{
    public string? ConversationId { get; set; }

    public string? ParticipantId { get; set; }

    public string? UserId { get; set; }

    public string? DisconnectType { get; set; }

    public long? EventTime { get; set; }
}

/// <summary>The suggested body a Process Automation trigger's data action posts (section 11.8).</summary>
internal sealed class TriggerEvent
{
    public string? Source { get; set; }

    public string? Topic { get; set; }

    public string? ConversationId { get; set; }

    public string? ParticipantId { get; set; }

    public string? UserId { get; set; }

    public string? DisconnectType { get; set; }

    public long? InteractingDurationMs { get; set; }

    public long? EventTime { get; set; }
}
