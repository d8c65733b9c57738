namespace Handoff.Channels;

/// <summary>The handoff as a channel sees it.</summary>
/// <param name="Id">Handoff id. Unique per handoff; adapters may use it as the contact center's user/session id.</param>
/// <param name="Queue">The queue name the handoff is routed to (one of <see cref="IChannelAdapter.Queues"/>).</param>
/// <param name="User">The end user.</param>
/// <param name="Attributes">Free string attributes from the bot (intent, customer id, …).</param>
/// <param name="Transcript">What the user and the bot said before the handoff.</param>
/// <param name="CreatedAt">When the handoff was accepted.</param>
/// <param name="State">Opaque adapter state returned by earlier calls (e.g. the contact center's conversation id); empty at first.</param>
public sealed record ChannelHandoff(
    string Id,
    string Queue,
    ChannelUser User,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<TranscriptLine> Transcript,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string> State);

public sealed record ChannelUser(string Id, string? Nickname, string? FirstName, string? LastName, string? Email)
{
    /// <summary>The best human-readable name available.</summary>
    public string DisplayName =>
        !string.IsNullOrWhiteSpace(Nickname) ? Nickname!
        : string.Join(' ', new[] { FirstName, LastName }.Where(n => !string.IsNullOrWhiteSpace(n))) is { Length: > 0 } full ? full
        : Id;
}

/// <param name="From"><c>user</c> or <c>bot</c>.</param>
public sealed record TranscriptLine(string From, string Text, DateTimeOffset? Time);

/// <summary>A user message to relay. <paramref name="Id"/> is stable across retries: use it as the idempotency key.</summary>
/// <param name="Text">The text; may be empty when the message only carries <see cref="Attachments"/>.</param>
public sealed record ChannelMessage(string Id, string Text, DateTimeOffset Time)
{
    /// <summary>Files the user sent, as URLs the contact center can fetch. Empty for plain text.</summary>
    public IReadOnlyList<ChannelAttachment> Attachments { get; init; } = [];
}

/// <summary>A file sent by the user or the agent, by URL (Handoff never stores the bytes).</summary>
/// <param name="Url">Absolute http(s) URL.</param>
/// <param name="MediaType"><c>image</c>, <c>video</c>, <c>audio</c>, <c>file</c> or <c>link</c> (lower case), when known.</param>
/// <param name="Mime">The MIME type, e.g. <c>image/png</c>, when known.</param>
/// <param name="Filename">The file name shown to the reader, when known.</param>
/// <param name="Size">The size in bytes, when known.</param>
public sealed record ChannelAttachment(string Url, string? MediaType = null, string? Mime = null, string? Filename = null, long? Size = null);

/// <summary>Whether the bot side got an agent message (see <see cref="IChannelAdapter.SendReceiptAsync"/>).</summary>
/// <param name="MessageId">The contact center's id of the agent message (the <see cref="ChannelInbound.ExternalId"/> it arrived with).</param>
/// <param name="Delivered">True: the bot platform has it. False: it could not be delivered.</param>
/// <param name="Failure">For failures: why, in channel-neutral terms.</param>
/// <param name="Reason">For failures: a short text for logs and the contact center's records.</param>
/// <param name="Time">When the bot side got it, or gave up.</param>
public sealed record ChannelReceipt(string MessageId, bool Delivered, ReceiptFailure? Failure, string? Reason, DateTimeOffset Time);

public enum ReceiptFailure
{
    /// <summary>The bot platform could not be reached or kept failing until Handoff gave up.</summary>
    Undeliverable,

    /// <summary>The bot platform said it no longer wants this handoff's events (e.g. its callback answered 410 Gone).</summary>
    Refused,
}

/// <summary>Where a handoff stands, as a channel needs to know it.</summary>
public enum ChannelHandoffStatus
{
    /// <summary>Waiting for an agent (no agent message yet, or back in a queue after a transfer).</summary>
    Queued,

    /// <summary>An agent has written.</summary>
    Connected,
}

/// <summary>An active handoff of a channel (see <see cref="IChannelHandoffDirectory"/>).</summary>
public sealed record ActiveChannelHandoff(ChannelHandoff Handoff, ChannelHandoffStatus Status);

/// <summary>How busy a contact-center queue is right now. Each figure is null when the contact center did not say.</summary>
public sealed record QueueAvailability(int? AgentsOnQueue, int? AgentsIdle, int? EstimatedWaitSeconds);

public enum QueueAvailabilityStatus
{
    /// <summary><see cref="QueueAvailabilityResult.Availability"/> is set.</summary>
    Available,

    /// <summary>The channel cannot report availability for this queue (not supported, or not configured: the reason says which setting).</summary>
    NotConfigured,

    /// <summary>The contact center could not be asked right now, or refused (the reason says why, for an operator).</summary>
    Unavailable,
}

public sealed record QueueAvailabilityResult(QueueAvailabilityStatus Status, QueueAvailability? Availability, string? Reason)
{
    public static QueueAvailabilityResult Ok(QueueAvailability availability) => new(QueueAvailabilityStatus.Available, availability, null);

    public static QueueAvailabilityResult NotConfigured(string reason) => new(QueueAvailabilityStatus.NotConfigured, null, reason);

    public static QueueAvailabilityResult Unavailable(string reason) => new(QueueAvailabilityStatus.Unavailable, null, reason);
}

public enum DeliveryOutcome
{
    /// <summary>The contact center accepted it.</summary>
    Delivered,

    /// <summary>A transient failure (timeout, 429, 5xx): core retries later with backoff.</summary>
    Retry,

    /// <summary>A permanent failure (bad request, unknown integration, missing permission): core gives up and tells the bot.</summary>
    Failed,
}

/// <param name="Outcome">What happened.</param>
/// <param name="Reason">For failures: a message an operator understands.</param>
/// <param name="State">New or changed adapter state to persist on the handoff (merged into <see cref="ChannelHandoff.State"/>).</param>
/// <param name="RetryAfter">For <see cref="DeliveryOutcome.Retry"/>: how long the contact center asked us to wait, if it said.</param>
public sealed record DeliveryResult(
    DeliveryOutcome Outcome,
    string? Reason = null,
    IReadOnlyDictionary<string, string>? State = null,
    TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// For <see cref="DeliveryOutcome.Delivered"/>: accepted only after the contact center pushed back (e.g. a 429 or a 5xx
    /// the adapter retried itself). Core then delivers to fewer handoffs at once, as it does after a retry; an adapter that
    /// waits out a rate limit without saying so makes core keep adding calls in flight.
    /// </summary>
    public bool Throttled { get; init; }

    public static DeliveryResult Ok(IReadOnlyDictionary<string, string>? state = null) => new(DeliveryOutcome.Delivered, State: state);
    public static DeliveryResult Transient(string reason, TimeSpan? retryAfter = null) => new(DeliveryOutcome.Retry, reason, RetryAfter: retryAfter);
    public static DeliveryResult Permanent(string reason) => new(DeliveryOutcome.Failed, reason);
}
