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
    /// <summary>An agent (or a flow/bot on the contact-center side) wrote: <see cref="ChannelInbound.Text"/>, <see cref="ChannelInbound.Attachments"/>.</summary>
    AgentMessage,

    AgentTyping,

    /// <summary>The contact center's receipt for a user message.</summary>
    Receipt,

    /// <summary>The agent ended the conversation: the handoff ends (<c>endedBy: agent</c>).</summary>
    AgentEnded,

    /// <summary>
    /// The contact center ended the conversation without an agent ending it (a flow, an inactivity rule, an administrator):
    /// the handoff ends (<c>endedBy: system</c>).
    /// </summary>
    ConversationEnded,

    /// <summary>
    /// Another agent took over (blind transfer, or an agent who did not answer was replaced): the handoff stays open.
    /// <see cref="ChannelInbound.PreviousAgentDisplayName"/> left, <see cref="ChannelInbound.AgentDisplayName"/> joined (either may be unknown).
    /// </summary>
    AgentTransferred,

    /// <summary>The agent left and the conversation went back to a queue: the handoff stays open and waits again.</summary>
    Requeued,

    /// <summary>The handoff is still waiting in its queue; <see cref="ChannelInbound.EstimatedWaitSeconds"/> says for how long.</summary>
    Waiting,
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

    /// <summary>Who the bot should show as the sender. Never empty for agent messages; for transfers, the agent who took over.</summary>
    public string? AgentDisplayName { get; init; }

    /// <summary>For receipts: the id of the user message it refers to (the id core passed in <see cref="ChannelMessage.Id"/>).</summary>
    public string? ReceiptForMessageId { get; init; }

    /// <summary>For receipts: true when delivered, false when failed.</summary>
    public bool? ReceiptDelivered { get; init; }

    /// <summary>For failed receipts, endings, transfers and requeues: why (a short code such as <c>transfer</c>, or an operator-readable text).</summary>
    public string? Reason { get; init; }

    /// <summary>Agent attachments (agent messages only).</summary>
    public IReadOnlyList<ChannelAttachment>? Attachments { get; init; }

    /// <summary>For transfers and requeues: who the user was talking to before, when known.</summary>
    public string? PreviousAgentDisplayName { get; init; }

    /// <summary>For <see cref="InboundKind.Waiting"/>: the contact center's estimate, in seconds.</summary>
    public int? EstimatedWaitSeconds { get; init; }

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
