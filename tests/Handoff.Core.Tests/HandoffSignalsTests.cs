using Handoff.Core.Storage;

namespace Handoff.Core.Tests;

/// <summary>Event-feed wake-ups: readers that leave stop being woken, readers that stay are woken as before.</summary>
public sealed class HandoffSignalsTests
{
    [Fact]
    public void A_reader_that_leaves_drops_its_handoffs_wake_up()
    {
        var signals = new HandoffSignals();
        using var cts = new CancellationTokenSource();
        for (var i = 0; i < 100; i++)
        {
            // An SSE client that connects, waits and goes away before its handoff has another event.
            using var reading = signals.ReadEvents($"h-{i}");
            _ = signals.WaitForEventsAsync($"h-{i}", cts.Token);
            Assert.True(signals.HasEventWaiters);
        }

        Assert.Equal(0, signals.PendingEventWakeUps);
        Assert.False(signals.HasEventWaiters);
    }

    [Fact]
    public async Task A_reader_that_stays_is_woken_when_another_reader_of_its_handoff_leaves()
    {
        var signals = new HandoffSignals();
        using var staying = signals.ReadEvents("h");
        var woken = signals.WaitForEventsAsync("h", CancellationToken.None);
        using (signals.ReadEvents("h"))
        {
            _ = signals.WaitForEventsAsync("h", CancellationToken.None);
        }

        Assert.True(signals.HasEventWaiters);
        Assert.Equal(1, signals.PendingEventWakeUps);
        signals.EventsAppended("h");
        await woken.WaitAsync(TimeSpan.FromSeconds(5));

        // The last reader leaving (twice: disposing again changes nothing) leaves nothing behind.
        staying.Dispose();
        staying.Dispose();
        Assert.False(signals.HasEventWaiters);
        Assert.Equal(0, signals.PendingEventWakeUps);
    }
}
