namespace Handoff.Core.Domain;

/// <summary>What the dispatcher must tell the channel, in order, per handoff.</summary>
public enum OutboxKind
{
    Start = 0,
    Message = 1,
    Typing = 2,
    End = 3,
}

public enum OutboxStatus
{
    Pending = 0,
    Sent = 1,
    Failed = 2,
    Cancelled = 3,
}

/// <summary>A durable unit of work for a channel. Persisted before the API answers; delivered by <c>OutboxDispatcher</c>.</summary>
public sealed record OutboxItem
{
    public long Seq { get; init; }
    public required string HandoffId { get; init; }
    public required OutboxKind Kind { get; init; }
    /// <summary>For messages: the message id (client-supplied or generated), stable across retries.</summary>
    public string? MessageId { get; init; }
    public string? Text { get; init; }
    public OutboxStatus Status { get; init; } = OutboxStatus.Pending;
    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset NextAttemptAt { get; init; }
    public string? LastError { get; init; }
}
