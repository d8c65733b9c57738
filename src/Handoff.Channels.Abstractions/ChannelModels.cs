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
public sealed record ChannelMessage(string Id, string Text, DateTimeOffset Time);

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
    public static DeliveryResult Ok(IReadOnlyDictionary<string, string>? state = null) => new(DeliveryOutcome.Delivered, State: state);
    public static DeliveryResult Transient(string reason, TimeSpan? retryAfter = null) => new(DeliveryOutcome.Retry, reason, RetryAfter: retryAfter);
    public static DeliveryResult Permanent(string reason) => new(DeliveryOutcome.Failed, reason);
}
