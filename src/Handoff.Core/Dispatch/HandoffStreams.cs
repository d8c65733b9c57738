using System.Collections.Concurrent;

namespace Handoff.Core.Dispatch;

/// <summary>
/// The streams a dispatcher runs: at most one per handoff (which keeps its work in order), as many at once as its
/// <see cref="DeliveryConcurrency"/> allows, each started as soon as a slot is free; the dispatcher waits for all of them
/// when it stops.
/// </summary>
/// <param name="tryBegin">Marks a handoff as being streamed; false when it already is.</param>
/// <param name="end">Unmarks it (a stream does this itself when it ends).</param>
internal sealed class HandoffStreams(DeliveryConcurrency slots, Func<string, bool> tryBegin, Action<string> end)
{
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>
    /// Starts <paramref name="stream"/> for <paramref name="handoffId"/> once a slot is free, unless the handoff is being
    /// streamed already (its stream gets to the work). The stream must release its slot and end the handoff's mark.
    /// </summary>
    /// <returns>Whether a stream was started.</returns>
    public async ValueTask<bool> StartAsync(string handoffId, Func<string, Task> stream, CancellationToken cancellationToken)
    {
        if (!tryBegin(handoffId))
        {
            return false;
        }

        try
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            end(handoffId);
            throw;
        }

        var task = stream(handoffId);
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(done, out _),
            _running, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>Completes when every stream started so far has ended.</summary>
    public Task WhenAllEndedAsync() => Task.WhenAll(_running.Keys);
}
