namespace Handoff.Channels;

/// <summary>
/// Implemented by core, injected into plugins: the handoffs a channel must keep watching. A plugin that learns about
/// endings or transfers out of band (notification sockets, triggers, polling) lists them after a restart, and to map
/// the contact center's conversation ids (kept in <see cref="ChannelHandoff.State"/>) back to handoffs.
/// </summary>
public interface IChannelHandoffDirectory
{
    /// <summary>Every handoff of <paramref name="channel"/> that is still queued or connected, oldest first.</summary>
    Task<IReadOnlyList<ActiveChannelHandoff>> GetActiveAsync(string channel, CancellationToken cancellationToken);
}
