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

    /// <summary>
    /// Runs a started service through standing by and taking over: <paramref name="tick"/> (its clock moving on) five
    /// times while it stands by, then <paramref name="assertIdle"/>; then hands it the lock and ticks until
    /// <paramref name="done"/>, failing with <paramref name="notDone"/> after 10 s.
    /// </summary>
    public async Task StandByThenTakeAsync(Action tick, Func<Task> assertIdle, Func<Task<bool>> done, string notDone)
    {
        for (var i = 0; i < 5; i++)
        {
            tick();
            await Task.Delay(20);
        }

        await assertIdle();

        Take();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await done())
        {
            Xunit.Assert.True(DateTime.UtcNow < deadline, notDone);
            tick();
            await Task.Delay(20);
        }
    }
}
