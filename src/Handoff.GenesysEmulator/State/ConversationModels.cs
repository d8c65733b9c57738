namespace Handoff.GenesysEmulator.State;

internal enum ConversationState
{
    Connected,
    Disconnected,
}

internal enum MessageDirection
{
    /// <summary>From the end user (bot side) to Genesys.</summary>
    Inbound,

    /// <summary>From the agent (Genesys) to the end user.</summary>
    Outbound,
}

/// <summary>The end user as identified by <c>channel.from</c>; <see cref="IdType"/> is canonical (Email|Phone|Opaque).</summary>
internal sealed record EndUser(
    string Id,
    string IdType,
    string? Nickname = null,
    string? FirstName = null,
    string? LastName = null,
    string? Email = null,
    string? Image = null);

/// <summary>An attachment carried in a message's <c>content[]</c>.</summary>
internal sealed record MessageAttachment(string MediaType, string Url, string? Mime, string? Filename, string? Id = null);

/// <summary>A reason on a receipt (<c>reasons[]</c>).</summary>
internal sealed record ReceiptReason(string? Code, string? Message);

/// <summary>The receipt the client posted for an agent message.</summary>
internal sealed record MessageReceipt(string Status, IReadOnlyList<ReceiptReason> Reasons, DateTimeOffset Time);

/// <summary>A read-only copy of one message.</summary>
internal sealed record MessageSnapshot(
    string Id,
    MessageDirection Direction,
    string? Text,
    IReadOnlyList<MessageAttachment> Content,
    DateTimeOffset Time,
    string? ClientMessageId,
    MessageReceipt? Receipt);

/// <summary>A read-only copy of one conversation, taken under the store's lock.</summary>
internal sealed record ConversationSnapshot(
    string Id,
    string IntegrationId,
    EndUser User,
    ConversationState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastActivityAt,
    DateTimeOffset? DisconnectedAt,
    DateTimeOffset? CustomerTypingAt,
    IReadOnlyDictionary<string, string> CustomAttributes,
    IReadOnlyList<MessageSnapshot> Messages);

/// <summary>Result of accepting an inbound user message.</summary>
internal sealed record InboundMessageResult(ConversationSnapshot Conversation, MessageSnapshot Message, bool ConversationCreated);

internal enum AgentActionStatus
{
    Ok,
    NotFound,
    Disconnected,
}

/// <summary>Result of an agent action on a conversation (message, typing).</summary>
internal sealed record AgentActionResult(AgentActionStatus Status, ConversationSnapshot? Conversation, MessageSnapshot? Message = null);
