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

/// <summary>OpenInboundNormalizedMessage.</summary>
internal sealed record OpenInboundMessage(OpenInboundChannel Channel, string Text);

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
    public string? MediaType { get; set; }

    public string? Filename { get; set; }

    public string? Mime { get; set; }
}
