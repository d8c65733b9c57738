using Handoff.Channels;

namespace Handoff.Core.Channels;

/// <summary>
/// The channel adapters discovered at start-up, indexed by name (case-insensitive). Scoped, because adapters are
/// transient (they hold typed HttpClients).
/// </summary>
public sealed class ChannelRegistry
{
    private readonly Dictionary<string, IChannelAdapter> _adapters;

    public ChannelRegistry(IEnumerable<IChannelAdapter> adapters)
    {
        _adapters = new Dictionary<string, IChannelAdapter>(StringComparer.OrdinalIgnoreCase);
        foreach (var adapter in adapters)
        {
            if (!_adapters.TryAdd(adapter.Channel, adapter))
            {
                throw new InvalidOperationException($"Two channel adapters are named '{adapter.Channel}'.");
            }
        }
    }

    public IEnumerable<IChannelAdapter> All => _adapters.Values.OrderBy(a => a.Channel, StringComparer.OrdinalIgnoreCase);

    public IChannelAdapter? Find(string channel) => _adapters.GetValueOrDefault(channel);

    /// <summary>The configured spelling of <paramref name="queue"/> on <paramref name="adapter"/>, or null when it has no such queue.</summary>
    public static string? ResolveQueue(IChannelAdapter adapter, string queue) =>
        adapter.Queues.FirstOrDefault(q => string.Equals(q, queue, StringComparison.OrdinalIgnoreCase));
}
