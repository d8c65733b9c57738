using System.Text.Json.Serialization;

namespace Handoff.Core.Domain;

[JsonConverter(typeof(JsonStringEnumConverter<HandoffStatus>))]
public enum HandoffStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("connected")] Connected,
    [JsonStringEnumMemberName("ended")] Ended,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Who ended a handoff.</summary>
public static class EndedBy
{
    public const string Agent = "agent";
    public const string User = "user";
    public const string System = "system";
    public const string Timeout = "timeout";
}

public sealed record HandoffUser(string Id, string? Nickname = null, string? FirstName = null, string? LastName = null, string? Email = null);

public sealed record TranscriptEntry(string From, string Text, DateTimeOffset? Time);

/// <summary>A file sent by URL. <see cref="MediaType"/> is lower case: image, video, audio, file or link.</summary>
public sealed record MessageAttachment(
    string Url,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MediaType = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Mime = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Filename = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Size = null);

/// <summary>One line of the human part of a handoff (what the user and the agents said after the handoff started).</summary>
/// <param name="From"><c>user</c> or <c>agent</c>.</param>
public sealed record ConversationLine(
    string From,
    string Text,
    DateTimeOffset Time,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<MessageAttachment>? Attachments = null);

/// <summary>The handoff aggregate: one user, one queue, one conversation in one contact center.</summary>
public sealed record HandoffRecord
{
    public required string Id { get; init; }
    public required string Client { get; init; }
    public required string Channel { get; init; }
    public required string Queue { get; init; }
    public required HandoffUser User { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<TranscriptEntry> Transcript { get; init; } = [];
    public HandoffStatus Status { get; init; } = HandoffStatus.Queued;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public string? EndReason { get; init; }
    public string? EndedBy { get; init; }
    public string? AgentDisplayName { get; init; }
    public DateTimeOffset? FirstAgentMessageAt { get; init; }

    /// <summary>
    /// Lines of the human part appended by the current transition. The store keeps the whole conversation (the last
    /// <see cref="HandoffTransitions.MaxConversationLines"/> lines) in its own table, appended to, never rewritten, and
    /// does not load it with the handoff, so a long chat doesn't make every write slower; it puts the full conversation
    /// into <c>handoff.ended</c>'s <c>transcript</c>.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<ConversationLine> Conversation { get; init; } = [];
    /// <summary>Opaque state the channel adapter asked us to keep (e.g. the contact center's conversation id).</summary>
    public IReadOnlyDictionary<string, string> ChannelState { get; init; } = new Dictionary<string, string>();

    /// <summary>W3C traceparent of the request that started the handoff: every later hop is recorded under this trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Where every event of this handoff is also POSTed (signed), if anywhere.</summary>
    public string? CallbackUrl { get; init; }

    public bool IsActive => Status is HandoffStatus.Queued or HandoffStatus.Connected;
}

/// <summary>A stored event in a handoff's feed. <see cref="Seq"/> grows monotonically across all handoffs.</summary>
public sealed record HandoffEvent(long Seq, string HandoffId, string Type, DateTimeOffset Time, string DataJson);

/// <summary>An event about to be stored.</summary>
/// <param name="Time">When it happened; defaults to the handoff's <see cref="HandoffRecord.UpdatedAt"/> after the change.</param>
public sealed record NewEvent(string Type, object Data, DateTimeOffset? Time = null);

public static class EventTypes
{
    public const string Queued = "handoff.queued";
    public const string Connected = "handoff.connected";
    public const string Failed = "handoff.failed";
    public const string Ended = "handoff.ended";
    public const string Transferred = "handoff.transferred";
    public const string Waiting = "handoff.waiting";
    public const string AgentMessage = "agent.message";
    public const string AgentTyping = "agent.typing";
    public const string MessageDelivered = "message.delivered";
    public const string MessageFailed = "message.failed";

    public static readonly IReadOnlyList<string> All =
        [Queued, Connected, Failed, Ended, Transferred, Waiting, AgentMessage, AgentTyping, MessageDelivered, MessageFailed];
}
