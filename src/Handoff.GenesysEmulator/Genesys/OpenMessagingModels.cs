namespace Handoff.GenesysEmulator.Genesys;

// Wire models of Open Messaging (fact sheet §3 and §4). Requests are read leniently (every field nullable, unknown
// fields ignored, names case-insensitive) and validated by InboundValidation; responses and webhook bodies share
// OpenNormalizedMessage, which mirrors Genesys' own normalized message schema. Nulls are never written.

/// <summary>Constant values of the normalized message schema.</summary>
internal static class OpenMessaging
{
    public const string Platform = "Open";
    public const string ChannelType = "Private";
    public const string Opaque = "Opaque";
    public const string Inbound = "Inbound";
    public const string Outbound = "Outbound";

    public const string TextType = "Text";
    public const string EventType = "Event";
    public const string ReceiptType = "Receipt";

    public const string Typing = "Typing";
    public const string Human = "Human";
    public const string Attachment = "Attachment";

    public const string Delivered = "Delivered";
    public const string Failed = "Failed";

    /// <summary><c>channel.from.idType</c> values; matched case-insensitively, written in this casing.</summary>
    public static readonly IReadOnlyList<string> IdTypes = ["Email", "Phone", Opaque];

    /// <summary>Attachment <c>mediaType</c> values.</summary>
    public static readonly IReadOnlyList<string> MediaTypes = ["Image", "Video", "Audio", "File", "Link"];

    /// <summary>Receipt statuses a client may post (§3.2).</summary>
    public static readonly IReadOnlyList<string> InboundReceiptStatuses = [Delivered, Failed];

    /// <summary>Receipt reason codes (§3.2).</summary>
    public static readonly IReadOnlyList<string> ReasonCodes =
    [
        "MessageExpired", "RateLimited", "MessageNotAllowed", "GeneralError", "UnsupportedMessage", "UnknownMessage",
        "InvalidMessageStructure", "InvalidDestination", "ServerError", "MediaTypeNotAllowed",
        "InvalidMediaContentLength", "RecipientOptedOut", "DataFiltered",
    ];
}

/// <summary>A party of a message: <c>channel.from</c> / <c>channel.to</c>.</summary>
internal sealed record OpenAddress
{
    public string? Id { get; init; }
    public string? IdType { get; init; }
    public string? Nickname { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? Image { get; init; }
}

/// <summary><c>channel.metadata</c> of an inbound message.</summary>
internal sealed record OpenChannelMetadata
{
    public Dictionary<string, string>? CustomAttributes { get; init; }
}

/// <summary>The <c>channel</c> object of an inbound request (message, receipt or event).</summary>
internal sealed record OpenInboundChannel
{
    public string? MessageId { get; init; }
    public string? Time { get; init; }
    public OpenAddress? From { get; init; }
    public OpenAddress? To { get; init; }
    public OpenChannelMetadata? Metadata { get; init; }
}

/// <summary>One <c>content[]</c> item.</summary>
internal sealed record OpenContent
{
    public string? ContentType { get; init; }
    public OpenAttachment? Attachment { get; init; }
}

internal sealed record OpenAttachment
{
    public string? Id { get; init; }
    public string? MediaType { get; init; }
    public string? Url { get; init; }
    public string? Mime { get; init; }
    public string? Filename { get; init; }
    public long? ContentSizeBytes { get; init; }
}

/// <summary>Maps stored attachments to <c>content[]</c> items.</summary>
internal static class OpenContents
{
    public static OpenContent From(State.MessageAttachment attachment) => new()
    {
        ContentType = OpenMessaging.Attachment,
        Attachment = new OpenAttachment
        {
            Id = attachment.Id,
            MediaType = attachment.MediaType,
            Url = attachment.Url,
            Mime = attachment.Mime,
            Filename = attachment.Filename,
            ContentSizeBytes = attachment.ContentSizeBytes,
        },
    };
}

/// <summary>A receipt reason (<c>reasons[]</c>).</summary>
internal sealed record OpenReason
{
    public string? Code { get; init; }
    public string? Message { get; init; }
}

/// <summary>An <c>events[]</c> item.</summary>
internal sealed record OpenEvent
{
    public string? EventType { get; init; }
    public OpenTyping? Typing { get; init; }
}

internal sealed record OpenTyping
{
    public string? Type { get; init; }
    public long? Duration { get; init; }
}

/// <summary>Body of <c>POST …/inbound/open/message</c> (OpenInboundNormalizedMessage, §3.1).</summary>
internal sealed record OpenInboundMessageRequest
{
    public OpenInboundChannel? Channel { get; init; }
    public string? Text { get; init; }
    public List<OpenContent>? Content { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
}

/// <summary>Body of <c>POST …/inbound/open/receipt</c> (OpenInboundNormalizedReceipt, §3.2).</summary>
internal sealed record OpenInboundReceiptRequest
{
    public string? Id { get; init; }
    public OpenInboundChannel? Channel { get; init; }
    public string? Status { get; init; }
    public List<OpenReason>? Reasons { get; init; }
    public bool? IsFinalReceipt { get; init; }
}

/// <summary>Body of <c>POST …/inbound/open/event</c> (OpenInboundNormalizedEvent, §3.3).</summary>
internal sealed record OpenInboundEventRequest
{
    public OpenInboundChannel? Channel { get; init; }
    public List<OpenEvent>? Events { get; init; }
}

/// <summary>The <c>channel</c> object Genesys writes (responses and webhooks).</summary>
internal sealed record OpenChannel
{
    public required string Id { get; init; }
    public string Platform { get; init; } = OpenMessaging.Platform;
    public string Type { get; init; } = OpenMessaging.ChannelType;
    public string? MessageId { get; init; }
    public required DateTimeOffset Time { get; init; }
    public OpenAddress? To { get; init; }
    public OpenAddress? From { get; init; }
}

/// <summary>
/// A normalized message as Genesys writes it: the inbound responses (OpenMessageNormalizedMessage,
/// OpenReceiptNormalizedMessage, OpenEventNormalizedMessage) and the outbound webhook bodies.
/// </summary>
internal sealed record OpenNormalizedMessage
{
    public required string Id { get; init; }
    public required OpenChannel Channel { get; init; }
    public required string Type { get; init; }
    public string? Text { get; init; }
    public IReadOnlyList<OpenContent>? Content { get; init; }
    public IReadOnlyList<OpenEvent>? Events { get; init; }
    public string? Status { get; init; }
    public IReadOnlyList<OpenReason>? Reasons { get; init; }
    public bool? IsFinalReceipt { get; init; }
    public string? OriginatingEntity { get; init; }
    public required string Direction { get; init; }
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    public string? ConversationId { get; init; }
}
