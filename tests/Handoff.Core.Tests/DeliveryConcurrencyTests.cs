using Handoff.Core.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.Core.Tests;

/// <summary>The dispatcher's adaptive limit on deliveries in flight (<see cref="DeliveryConcurrency"/>).</summary>
public sealed class DeliveryConcurrencyTests
{
    private static readonly TimeSpan DecreaseEvery = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();

    private DeliveryConcurrency Limit(int floor, int ceiling) => new(floor, ceiling, DecreaseEvery, _time);

    private static CancellationToken Ct => CancellationToken.None;

    /// <summary>A wait that must be served now (a bounded wait, so that a limit which never grows fails instead of hanging).</summary>
    private static Task ServedAsync(ValueTask waiting) => waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(5));

    /// <summary>Takes every free slot, then starts one more wait that cannot be served yet (work short of a slot).</summary>
    private static async Task<ValueTask> FillAndWaitAsync(DeliveryConcurrency limit)
    {
        while (limit.InFlight < limit.Limit)
        {
            await limit.WaitAsync(Ct);
        }

        var waiting = limit.WaitAsync(Ct);
        Assert.False(waiting.IsCompleted);
        return waiting;
    }

    /// <summary>Raises the limit by <paramref name="steps"/> successes, each with work waiting for a slot (served by the new one).</summary>
    private static async Task GrowAsync(DeliveryConcurrency limit, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            var waiting = await FillAndWaitAsync(limit);
            limit.Delivered();
            await ServedAsync(waiting);
        }
    }

    [Fact]
    public async Task Starts_at_the_floor_and_a_wait_beyond_it_is_served_when_a_slot_is_released()
    {
        using var limit = Limit(floor: 2, ceiling: 8);
        var waiting = await FillAndWaitAsync(limit);
        Assert.Equal(2, limit.InFlight);

        limit.Release();
        await ServedAsync(waiting);

        Assert.Equal(2, limit.InFlight);
        Assert.Equal(2, limit.Limit);
    }

    [Fact]
    public async Task Successes_without_work_waiting_for_a_slot_do_not_raise_the_limit()
    {
        using var limit = Limit(floor: 2, ceiling: 8);
        await limit.WaitAsync(Ct);

        for (var i = 0; i < 20; i++)
        {
            limit.Delivered();
        }

        Assert.Equal(2, limit.Limit);
    }

    [Fact]
    public async Task While_work_waits_each_success_adds_a_slot_up_to_the_ceiling()
    {
        using var limit = Limit(floor: 2, ceiling: 5);
        for (var expected = 3; expected <= 5; expected++)
        {
            var waiting = await FillAndWaitAsync(limit);
            limit.Delivered();
            await ServedAsync(waiting); // served by the new slot, nothing released
            Assert.Equal(expected, limit.Limit);
            Assert.Equal(expected, limit.InFlight);
        }

        var beyond = limit.WaitAsync(Ct);
        limit.Delivered();
        Assert.Equal(5, limit.Limit);
        Assert.False(beyond.IsCompleted);
        limit.Release();
        await ServedAsync(beyond);
    }

    [Fact]
    public async Task Congestion_halves_the_limit_once_per_period_and_never_below_the_floor()
    {
        using var limit = Limit(floor: 3, ceiling: 64);
        await GrowAsync(limit, steps: 13);

        Assert.Equal(16, limit.Limit);

        limit.Congested();
        Assert.Equal(8, limit.Limit);
        limit.Congested(); // the same burst of failures reporting in
        Assert.Equal(8, limit.Limit);

        _time.Advance(DecreaseEvery);
        limit.Congested();
        Assert.Equal(4, limit.Limit);
        _time.Advance(DecreaseEvery);
        limit.Congested();
        Assert.Equal(3, limit.Limit);
        _time.Advance(DecreaseEvery);
        limit.Congested();
        Assert.Equal(3, limit.Limit);
    }

    [Fact]
    public async Task After_congestion_the_limit_grows_by_one_per_round_of_deliveries()
    {
        using var limit = Limit(floor: 2, ceiling: 64);
        await GrowAsync(limit, steps: 6);

        Assert.Equal(8, limit.Limit);
        limit.Congested();
        Assert.Equal(4, limit.Limit);
        for (var i = 0; i < 4; i++)
        {
            limit.Release(); // in flight back under the limit, as the deliveries that started before it finish
        }

        // Past the first congestion: four successes (the limit) with work waiting for one step, not one each.
        var next = await FillAndWaitAsync(limit);
        for (var i = 0; i < 3; i++)
        {
            limit.Delivered();
            Assert.Equal(4, limit.Limit);
        }

        limit.Delivered();
        Assert.Equal(5, limit.Limit);
        await ServedAsync(next);
    }

    [Fact]
    public async Task A_wait_is_cancelled_with_its_token()
    {
        using var limit = Limit(floor: 1, ceiling: 1);
        await limit.WaitAsync(Ct);
        using var cancel = new CancellationTokenSource();

        var waiting = limit.WaitAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, limit.InFlight);
    }
    [Fact]
    public async Task A_reloaded_floor_raises_the_limit_at_once_and_serves_the_waiting_dispatcher()
    {
        using var limit = Limit(floor: 2, ceiling: 8);
        var waiting = await FillAndWaitAsync(limit);

        limit.Reconfigure(floor: 4, ceiling: 8, DecreaseEvery);

        await ServedAsync(waiting);
        Assert.Equal(4, limit.Limit);
        Assert.Equal(3, limit.InFlight);
    }

    [Fact]
    public async Task A_reloaded_ceiling_below_the_limit_lowers_it_and_push_back_never_goes_below_the_new_floor()
    {
        using var limit = Limit(floor: 2, ceiling: 16);
        await GrowAsync(limit, 8);
        Assert.Equal(10, limit.Limit);

        limit.Reconfigure(floor: 3, ceiling: 5, DecreaseEvery);
        Assert.Equal(5, limit.Limit);
        var waiting = await FillAndWaitAsync(limit);
        limit.Delivered();
        Assert.Equal(5, limit.Limit); // at the new ceiling: no more slots
        Assert.False(waiting.IsCompleted);

        limit.Congested();
        Assert.Equal(3, limit.Limit); // half of 5 is below the new floor
        for (var i = 0; i < 7; i++)
        {
            limit.Release();
        }

        Assert.Equal(3, limit.InFlight); // the ten taken while the limit was 10, less seven
        Assert.False(waiting.IsCompleted);
        limit.Release();
        await ServedAsync(waiting);
    }
}
