namespace Handoff.Channels;

/// <summary>
/// The runtime side of a channel plugin: turns Handoff's operations into the contact center's calls.
/// Registered transient (typed HttpClients are transient), so keep no state in the instance.
/// </summary>
/// <remarks>
/// Core calls these methods from its durable outbox, in order per handoff, and retries on a
/// <see cref="DeliveryOutcome.Retry"/> result. Every call for one handoff carries the same <see cref="ChannelHandoff"/>,
/// including the <see cref="ChannelHandoff.State"/> the adapter returned earlier.
/// </remarks>
public interface IChannelAdapter
{
    /// <summary>The channel name, as in <see cref="ChannelPluginAttribute"/>.</summary>
    string Channel { get; }

    /// <summary>The queues this channel is configured for (case-insensitive names).</summary>
    IReadOnlyCollection<string> Queues { get; }

    /// <summary>Opens the conversation in the contact center: the first message carries the bot transcript.</summary>
    Task<DeliveryResult> StartAsync(ChannelHandoff handoff, CancellationToken cancellationToken);

    /// <summary>Relays one user message to the agent.</summary>
    Task<DeliveryResult> SendMessageAsync(ChannelHandoff handoff, ChannelMessage message, CancellationToken cancellationToken);

    /// <summary>Tells the agent that the user is typing.</summary>
    Task<DeliveryResult> SendTypingAsync(ChannelHandoff handoff, CancellationToken cancellationToken);

    /// <summary>
    /// Tells the contact center that the bot side ended the handoff (the user or the bot ended it, or it timed out):
    /// close the user's side of the conversation there. Called once, after any user messages sent before the end.
    /// </summary>
    Task<DeliveryResult> EndAsync(ChannelHandoff handoff, string? reason, CancellationToken cancellationToken);

    /// <summary>
    /// Optional: tells the contact center whether the bot side got an agent message (so the agent sees "delivered" or
    /// "failed"). Core calls it once per agent message, from the outbox, in order with the handoff's other work.
    /// The default does nothing.
    /// </summary>
    Task<DeliveryResult> SendReceiptAsync(ChannelHandoff handoff, ChannelReceipt receipt, CancellationToken cancellationToken) =>
        Task.FromResult(DeliveryResult.Ok());

    /// <summary>
    /// Optional: how many agents are on <paramref name="queue"/> and how long a new handoff would wait. Called on request
    /// (<c>GET /v1/queues/{name}/availability</c>), not from the outbox. The default says the channel does not report it.
    /// </summary>
    Task<QueueAvailabilityResult> GetQueueAvailabilityAsync(string queue, CancellationToken cancellationToken) =>
        Task.FromResult(QueueAvailabilityResult.NotConfigured($"Channel '{Channel}' does not report queue availability."));
}
