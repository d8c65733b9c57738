namespace Handoff.Core.Domain;

/// <summary>What the dispatcher must tell the channel, in order, per handoff.</summary>
public enum OutboxKind
{
    Start = 0,
    Message = 1,
    Typing = 2,
    End = 3,

    /// <summary>A receipt for an agent message: the bot side got it, or it could not be delivered.</summary>
    Receipt = 4,
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

    /// <summary>For messages: files sent by URL.</summary>
    public IReadOnlyList<MessageAttachment> Attachments { get; init; } = [];

    /// <summary>For receipts: which agent message and what happened to it.</summary>
    public OutboxReceipt? Receipt { get; init; }
    public OutboxStatus Status { get; init; } = OutboxStatus.Pending;
    public int Attempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset NextAttemptAt { get; init; }
    public string? LastError { get; init; }
}

/// <summary>What a <see cref="OutboxKind.Receipt"/> item tells the channel.</summary>
/// <param name="AgentMessageId">The channel's id of the agent message (the <c>messageId</c> of its <c>agent.message</c> event).</param>
/// <param name="Delivered">True: the bot side has it; false: it could not be delivered.</param>
/// <param name="Refused">For failures: the bot platform said it no longer wants the handoff's events (410 Gone).</param>
/// <param name="Reason">For failures: why, for logs and the contact center.</param>
public sealed record OutboxReceipt(string AgentMessageId, bool Delivered, bool Refused = false, string? Reason = null)
{
    /// <summary>The outbox message id of a receipt: one receipt per agent message, whichever rule came first.</summary>
    public static string OutboxMessageId(string agentMessageId) => "receipt:" + agentMessageId;
}
