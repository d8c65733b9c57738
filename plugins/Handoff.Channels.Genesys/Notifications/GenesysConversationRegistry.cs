using System.Collections.Concurrent;

namespace Handoff.Channels.Genesys.Notifications;

/// <summary>A Genesys conversation this process watches for endings and transfers, and the handoff it belongs to.</summary>
internal sealed record WatchedConversation(string ConversationId, string HandoffId, DateTimeOffset Since);

/// <summary>
/// The conversations this process watches (in memory): conversation id → handoff. Public only so the public adapter can
/// take it from DI; its members are the plugin's own. Filled by the adapter when a start
/// returns a conversation id, by the webhook when one first appears, and from <see cref="IChannelHandoffDirectory"/> after a
/// restart; emptied when a handoff ends. Waiters learn about every change (the notification listener re-subscribes).
/// </summary>
public sealed class GenesysConversationRegistry
{
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, WatchedConversation> _byConversation = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = NewSignal();
    private long _version;

    internal GenesysConversationRegistry(TimeProvider time) => _time = time;

    /// <summary>Grows with every change; lets a reader tell whether what it acted on is still current.</summary>
    internal long Version => Interlocked.Read(ref _version);

    internal int Count => _byConversation.Count;

    /// <summary>Every watched conversation, the longest-watched first.</summary>
    internal IReadOnlyList<WatchedConversation> All => [.. _byConversation.Values.OrderBy(w => w.Since).ThenBy(w => w.ConversationId, StringComparer.Ordinal)];

    internal WatchedConversation? Find(string conversationId) => _byConversation.GetValueOrDefault(conversationId);

    /// <summary>Starts watching; true when it is new. Idempotent.</summary>
    internal bool Watch(string handoffId, string conversationId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(handoffId);
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId);
        var added = _byConversation.TryAdd(conversationId, new WatchedConversation(conversationId, handoffId, _time.GetUtcNow()));
        if (added)
        {
            Changed();
        }

        return added;
    }

    internal bool Unwatch(string conversationId)
    {
        var removed = _byConversation.TryRemove(conversationId, out _);
        if (removed)
        {
            Changed();
        }

        return removed;
    }

    /// <summary>Stops watching every conversation of <paramref name="handoffId"/>.</summary>
    internal bool UnwatchHandoff(string handoffId)
    {
        var removed = false;
        foreach (var watched in _byConversation.Values.Where(w => w.HandoffId == handoffId))
        {
            removed |= _byConversation.TryRemove(watched.ConversationId, out _);
        }

        if (removed)
        {
            Changed();
        }

        return removed;
    }

    /// <summary>Completes at the next change after the call (take it before reading, so no change is missed).</summary>
    internal Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _changed.Task.WaitAsync(cancellationToken);
        }
    }

    private void Changed()
    {
        Interlocked.Increment(ref _version);
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = NewSignal();
        }

        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
