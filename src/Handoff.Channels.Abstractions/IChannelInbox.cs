namespace Handoff.Channels;

/// <summary>
/// Implemented by core, injected into plugins: where a channel hands what the contact center sent
/// (agent messages, typing, receipts, endings). Core persists it, deduplicates it and tells the bot.
/// </summary>
public interface IChannelInbox
{
    Task<InboxResult> AcceptAsync(ChannelInbound inbound, CancellationToken cancellationToken);
}

public enum InboundKind
{
    AgentMessage,
    AgentTyping,
    Receipt,
    AgentEnded,
}

/// <summary>Something the contact center sent about one handoff.</summary>
/// <param name="Channel">The channel name.</param>
/// <param name="HandoffId">The handoff it belongs to (adapters address the contact center with it).</param>
/// <param name="Kind">What it is.</param>
/// <param name="ExternalId">The contact center's id for this delivery; core relays each (channel, id) once, across retries and restarts.</param>
/// <param name="Time">When the contact center says it happened.</param>
public sealed record ChannelInbound(string Channel, string HandoffId, InboundKind Kind, string ExternalId, DateTimeOffset Time)
{
    /// <summary>Agent message text.</summary>
    public string? Text { get; init; }

    /// <summary>Who the bot should show as the sender. Never empty for agent messages.</summary>
    public string? AgentDisplayName { get; init; }

    /// <summary>For receipts: the id of the user message it refers to (the id core passed in <see cref="ChannelMessage.Id"/>).</summary>
    public string? ReceiptForMessageId { get; init; }

    /// <summary>For receipts: true when delivered, false when failed.</summary>
    public bool? ReceiptDelivered { get; init; }

    /// <summary>For failed receipts and endings: why.</summary>
    public string? Reason { get; init; }

    /// <summary>Adapter state to merge into the handoff (e.g. a conversation id learned from the webhook).</summary>
    public IReadOnlyDictionary<string, string>? State { get; init; }
}

public enum InboxResult
{
    /// <summary>Stored and relayed to the bot.</summary>
    Accepted,

    /// <summary>Already seen: not relayed again.</summary>
    Duplicate,

    /// <summary>No such handoff (or another channel's): acknowledged, logged, not relayed.</summary>
    UnknownHandoff,

    /// <summary>The handoff has ended: acknowledged, not relayed.</summary>
    HandoffEnded,
}
