using Handoff.Channels;

namespace Handoff.Testing;

/// <summary>
/// A dispatch lock the test hands to the process with <see cref="Take"/>: until then the process stands by, as a replica
/// does while another one holds the store's lock. (Also compiled into test projects that do not reference this one, by link.)
/// </summary>
public sealed class GatedDispatchLock : IDispatchLock
{
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsHeld => _held.Task.IsCompleted;

    public void Take() => _held.TrySetResult();

    public Task WaitAsync(CancellationToken cancellationToken) => _held.Task.WaitAsync(cancellationToken);
}
