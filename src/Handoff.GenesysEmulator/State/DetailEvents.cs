namespace Handoff.GenesysEmulator.State;

/// <summary>One <c>v2.detail.events.conversation.{id}.*</c> notification: its topic and body (fact sheet §11.3).</summary>
internal sealed record DetailEvent(string Topic, DetailEventBody Body);

/// <summary>
/// A detail event body. The common fields come first; the rest depend on the topic and are omitted when null. Enum values
/// are UPPER_SNAKE here, unlike the Conversations API.
/// </summary>
internal sealed record DetailEventBody
{
    /// <summary>Epoch milliseconds.</summary>
    public required long EventTime { get; init; }

    public required string ConversationId { get; init; }

    public required string ParticipantId { get; init; }

    public required string SessionId { get; init; }

    public string MediaType { get; init; } = "MESSAGE";

    public string MessageType { get; init; } = "OPEN";

    /// <summary>A guess (fact sheet §11.3 marks the provider text [U]).</summary>
    public string Provider { get; init; } = "PureCloud Messaging";

    /// <summary>Open Messaging conversations start from the customer.</summary>
    public string Direction { get; init; } = "INBOUND";

    public string? UserId { get; init; }

    public string? QueueId { get; init; }

    public string? DisconnectType { get; init; }

    public long? InteractingDurationMs { get; init; }

    public long? AlertingDurationMs { get; init; }

    public string? AcdOutcome { get; init; }

    public string? AnsweredUserId { get; init; }

    public long? ConnectedDurationMs { get; init; }
}

/// <summary>Topic names of the detail events the emulator raises.</summary>
internal static class DetailEventTopics
{
    public const string Prefix = "v2.detail.events.conversation.";
    public const string UserStart = "user.start";
    public const string UserEnd = "user.end";
    public const string CustomerEnd = "customer.end";
    public const string AcdStart = "acd.start";
    public const string AcdEnd = "acd.end";

    public static string For(string conversationId, string kind) => $"{Prefix}{conversationId}.{kind}";
}

/// <summary>Receives the detail events a conversation change raised, after the store released its lock.</summary>
internal interface IConversationEventSink
{
    void Publish(IReadOnlyList<DetailEvent> events);
}
