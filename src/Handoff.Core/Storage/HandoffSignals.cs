using System.Collections.Concurrent;

namespace Handoff.Core.Storage;

/// <summary>
/// In-process wake-ups after a commit: event-feed readers (SSE) wait for their handoff, the dispatcher waits for outbox work.
/// Signals carry no data; readers always re-read the store, so a missed or extra signal is harmless.
/// </summary>
public sealed class HandoffSignals
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _handoffWaiters = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _outbox = new(0, int.MaxValue);
    private int _outboxPending;
    private readonly SemaphoreSlim _callbacks = new(0, int.MaxValue);
    private int _callbacksPending;

    public void CallbacksChanged()
    {
        if (Interlocked.Exchange(ref _callbacksPending, 1) == 0)
        {
            _callbacks.Release();
        }
    }

    public async Task WaitForCallbacksAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (await _callbacks.WaitAsync(timeout, cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Exchange(ref _callbacksPending, 0);
        }
    }

    /// <summary>Event-feed readers connected to this process, per handoff (guarded by <see cref="_readersGate"/>).</summary>
    private readonly Dictionary<string, int> _readers = new(StringComparer.Ordinal);
    private readonly Lock _readersGate = new();

    /// <summary>
    /// Registers an event-feed reader of <paramref name="handoffId"/> for as long as it stays connected; disposing it when
    /// the reader leaves drops the handoff's pending wake-up once no other reader waits for it, so handoffs whose readers
    /// left stop being woken (and held in memory) for nobody.
    /// </summary>
    public IDisposable ReadEvents(string handoffId)
    {
        lock (_readersGate)
        {
            _readers[handoffId] = _readers.GetValueOrDefault(handoffId) + 1;
        }

        return new EventReader(this, handoffId);
    }

    private void ReaderLeft(string handoffId)
    {
        lock (_readersGate)
        {
            var left = _readers.GetValueOrDefault(handoffId) - 1;
            if (left > 0)
            {
                _readers[handoffId] = left;
                return;
            }

            _readers.Remove(handoffId);
            // No reader of this handoff remains in this process: nobody awaits its wake-up any more. A reader that
            // registers after this takes a new one (it registers before it asks for the wake-up).
            _handoffWaiters.TryRemove(handoffId, out _);
        }
    }

    /// <summary>
    /// A task that completes the next time events are appended to <paramref name="handoffId"/>. Readers that wait for
    /// it hold a <see cref="ReadEvents"/> registration while they do.
    /// </summary>
    public Task WaitForEventsAsync(string handoffId, CancellationToken cancellationToken)
    {
        var tcs = _handoffWaiters.GetOrAdd(handoffId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        return tcs.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// True while an event-feed reader of this process waits for some handoff's next event (readers that left took their
    /// wake-ups with them; one between two waits takes its next wake-up before it reads, so it misses nothing).
    /// </summary>
    public bool HasEventWaiters => !_handoffWaiters.IsEmpty;

    /// <summary>Handoffs with a pending wake-up (for tests: it must not keep growing after readers leave).</summary>
    internal int PendingEventWakeUps => _handoffWaiters.Count;

    private sealed class EventReader(HandoffSignals signals, string handoffId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                signals.ReaderLeft(handoffId);
            }
        }
    }

    /// <summary>
    /// A store's write is committed: wakes the feed readers of its handoff when it stored events (and the callback
    /// dispatcher when the handoff has a callback URL), and the outbox dispatcher when it added an outbox item.
    /// </summary>
    public void Committed(UpdateResult result)
    {
        if (result.Events.Count > 0 && result.Handoff is not null)
        {
            EventsAppended(result.Handoff.Id);
            if (result.Handoff.CallbackUrl is not null)
            {
                CallbacksChanged();
            }
        }

        if (result.Outbox is not null && !result.OutboxDuplicate)
        {
            OutboxChanged(result.Outbox.HandoffId);
        }
    }

    public void EventsAppended(string handoffId)
    {
        if (_handoffWaiters.TryRemove(handoffId, out var tcs))
        {
            tcs.TrySetResult();
        }
    }

    /// <summary>Handoffs whose outbox a dispatcher worker is delivering right now (at most one worker each).</summary>
    private readonly ConcurrentDictionary<string, byte> _streaming = new(StringComparer.Ordinal);

    /// <summary>Claims <paramref name="handoffId"/>'s outbox for one dispatcher worker; false when another has it.</summary>
    public bool TryBeginStreaming(string handoffId) => _streaming.TryAdd(handoffId, 0);

    public void EndStreaming(string handoffId) => _streaming.TryRemove(handoffId, out _);

    /// <summary>
    /// Outbox work was added for <paramref name="handoffId"/>: wakes the dispatcher unless a worker is streaming that
    /// handoff already (the worker reaches the new item itself, and looks once more before it stops).
    /// </summary>
    public void OutboxChanged(string handoffId)
    {
        if (!_streaming.ContainsKey(handoffId))
        {
            OutboxChanged();
        }
    }

    /// <summary>Outbox work was added or became due.</summary>
    public void OutboxChanged()
    {
        // Coalesce: one pending release is enough to wake the dispatcher.
        if (Interlocked.Exchange(ref _outboxPending, 1) == 0)
        {
            _outbox.Release();
        }
    }

    /// <summary>Waits for outbox work or the timeout; returns true when signalled.</summary>
    public async Task<bool> WaitForOutboxAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var signalled = await _outbox.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (signalled)
        {
            Interlocked.Exchange(ref _outboxPending, 0);
        }

        return signalled;
    }
}
