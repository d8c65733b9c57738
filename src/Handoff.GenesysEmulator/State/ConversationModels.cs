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
    string? Image = null)
{
    /// <summary>Nickname, else first and last name, else null.</summary>
    public string? Name
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(Nickname))
            {
                return Nickname;
            }

            var fullName = string.Join(' ', new[] { FirstName, LastName }.Where(n => !string.IsNullOrWhiteSpace(n)));
            return fullName.Length > 0 ? fullName : null;
        }
    }
}

/// <summary>An attachment carried in a message's <c>content[]</c>.</summary>
internal sealed record MessageAttachment(
    string MediaType, string Url, string? Mime, string? Filename, string? Id = null, long? ContentSizeBytes = null);

/// <summary>A reason on a receipt (<c>reasons[]</c>).</summary>
internal sealed record ReceiptReason(string? Code, string? Message);

/// <summary>The receipt the client posted for an agent message.</summary>
internal sealed record MessageReceipt(string Status, IReadOnlyList<ReceiptReason> Reasons, DateTimeOffset Time);

/// <summary>A read-only copy of one message.</summary>
/// <param name="Sender">The agent who wrote an outbound message; null for inbound ones.</param>
internal sealed record MessageSnapshot(
    string Id,
    MessageDirection Direction,
    string? Text,
    IReadOnlyList<MessageAttachment> Content,
    DateTimeOffset Time,
    string? ClientMessageId,
    MessageReceipt? Receipt,
    Agent? Sender = null);

internal enum ParticipantPurpose
{
    Customer,
    Agent,
}

/// <summary>Participant states the emulator uses (a subset of Genesys' list, fact sheet §11.5).</summary>
internal enum ParticipantState
{
    Alerting,
    Connected,
    Disconnected,
}

/// <summary>Why a participant left. Written lowercase by the Conversations API and UPPER_SNAKE in detail events (§11.3, §11.5).</summary>
internal enum DisconnectType
{
    Client,
    Peer,
    System,
    Transfer,
}

internal static class DisconnectTypeNames
{
    /// <summary>The Conversations API spelling (<c>client</c>, <c>transfer</c>, …).</summary>
    public static string ForConversationsApi(this DisconnectType type) => type.ToString().ToLowerInvariant();

    /// <summary>The detail-event spelling (<c>CLIENT</c>, <c>TRANSFER</c>, …).</summary>
    public static string ForDetailEvents(this DisconnectType type) => type.ToString().ToUpperInvariant();
}

/// <summary>A read-only copy of one participant (a customer or an agent leg).</summary>
/// <param name="SessionId">The leg's session (communication) id, as detail events carry it.</param>
internal sealed record ParticipantSnapshot(
    string Id,
    ParticipantPurpose Purpose,
    ParticipantState State,
    string? UserId,
    string? Name,
    string? QueueId,
    DisconnectType? DisconnectType,
    DateTimeOffset StartTime,
    DateTimeOffset? StartAlertingTime,
    DateTimeOffset? ConnectedTime,
    DateTimeOffset? EndTime,
    string SessionId)
{
    public bool IsActive => State != ParticipantState.Disconnected;
}

/// <summary>A read-only copy of one conversation, taken under the store's lock.</summary>
/// <param name="QueueId">The ACD queue the conversation was routed to.</param>
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
    IReadOnlyList<MessageSnapshot> Messages,
    string QueueId,
    IReadOnlyList<ParticipantSnapshot> Participants)
{
    public ParticipantSnapshot Customer => Participants.First(p => p.Purpose == ParticipantPurpose.Customer);

    /// <summary>The agent leg that is connected, or alerting (waiting in queue) after a requeue; null when none is.</summary>
    public ParticipantSnapshot? ActiveAgent =>
        Participants.LastOrDefault(p => p.Purpose == ParticipantPurpose.Agent && p.IsActive);

    /// <summary>The most recent agent leg that had an agent (connected now or earlier).</summary>
    public ParticipantSnapshot? LatestAgent =>
        Participants.LastOrDefault(p => p.Purpose == ParticipantPurpose.Agent && p.UserId is not null);
}

/// <summary>Result of accepting an inbound user message.</summary>
internal sealed record InboundMessageResult(ConversationSnapshot Conversation, MessageSnapshot Message, bool ConversationCreated)
{
    /// <summary>The conversation already had an inbound message with this client messageId: nothing was added.</summary>
    public bool Repeated { get; init; }
}

internal enum AgentActionStatus
{
    Ok,
    NotFound,
    Disconnected,

    /// <summary>The request contradicts who is on the conversation (e.g. another agent is connected).</summary>
    Conflict,
}

/// <summary>Result of an agent action on a conversation (message, typing, join, transfer).</summary>
/// <param name="Problem">Why a <see cref="AgentActionStatus.Conflict"/> happened.</param>
internal sealed record AgentActionResult(
    AgentActionStatus Status, ConversationSnapshot? Conversation, MessageSnapshot? Message = null, string? Problem = null);

/// <summary>How a transfer proceeds (control API).</summary>
internal enum TransferKind
{
    /// <summary>Straight to the target agent, who is connected at once.</summary>
    Blind,

    /// <summary>Back to the queue: a new agent leg alerts until an agent picks it up.</summary>
    Requeue,
}

internal enum ParticipantUpdateStatus
{
    Accepted,
    ConversationNotFound,
    ParticipantNotFound,
}

/// <summary>A message found by its Genesys id, with what its details need from its conversation.</summary>
internal sealed record MessageLookup(MessageSnapshot Message, string ConversationId, string IntegrationId, EndUser User);

/// <summary>Live counts of a queue's conversations.</summary>
internal sealed record QueueActivity(int Waiting, int Interacting);
