using Handoff.Channels;
using Handoff.Core.Domain;
using Handoff.Core.Storage;

namespace Handoff.Core.Channels;

/// <summary>Core's <see cref="IChannelHandoffDirectory"/>: the active handoffs of a channel, read from the store.</summary>
internal sealed class HandoffDirectory(IHandoffStore store) : IChannelHandoffDirectory
{
    public async Task<IReadOnlyList<ActiveChannelHandoff>> GetActiveAsync(string channel, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        var active = await store.GetActiveAsync(channel, cancellationToken).ConfigureAwait(false);
        return active
            .Select(h => new ActiveChannelHandoff(h.ToChannel(), h.Status == HandoffStatus.Connected ? ChannelHandoffStatus.Connected : ChannelHandoffStatus.Queued))
            .ToArray();
    }
}
