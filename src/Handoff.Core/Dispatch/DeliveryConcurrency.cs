using Handoff.Channels;
using Handoff.Core.Application;

namespace Handoff.Core.Dispatch;

/// <summary>
/// How many handoffs a dispatcher delivers at once (the outbox to the contact center, callbacks to bot platforms): an
/// additive-increase / multiplicative-decrease limit between <see cref="OutboxOptions.Concurrency"/> (the floor, where it
/// starts) and <see cref="OutboxOptions.MaxConcurrency"/> (for callbacks: the same keys under <c>Handoff:Callbacks</c>).
/// </summary>
/// <remarks>
/// <para>
/// With a contact center that takes <i>L</i> to accept a message, a fixed number of deliveries in flight caps the relay at
/// about that number / <i>L</i> messages per second, whatever the CPUs could do: 32 at 50 ms is ~500 a second, and a
/// busier bot platform would see its users' messages queue up. How many calls the contact center takes at once is not
/// known in advance (it depends on the org's limits and on the region's latency), so the limit is found the way TCP finds
/// a window: while deliveries succeed and work is waiting for a slot, one more slot per success (doubling per round of
/// deliveries) until the first sign of congestion, then one more per round; a delivery the channel asks to retry (429,
/// 5xx, a timeout) halves the limit, at most once per <see cref="OutboxOptions.BaseDelay"/>, never below the floor.
/// </para>
/// <para>
/// The limit only grows while the dispatcher has due work it could not start (it waited for a slot), so an idle or
/// lightly loaded service stays at the floor. One waiter at a time: the dispatcher's loop.
/// </para>
/// </remarks>
internal sealed class DeliveryConcurrency : IDisposable
{
    /// <summary>With no ceiling configured, the limit may grow to this many times the floor.</summary>
    public const int DefaultCeilingFactor = 8;

    /// <summary>The configured ceiling, or <see cref="DefaultCeilingFactor"/> × the floor.</summary>
    public static int Ceiling(int floor, int? max) => max ?? checked(floor * DefaultCeilingFactor);

    private readonly Lock _gate = new();
    private int _floor;
    private int _ceiling;
    private TimeSpan _decreaseEvery;
    private readonly TimeProvider _time;
    private readonly string _dispatcher;
    private int _limit;
    private int _inFlight;
    private int _slowStartBelow;
    private int _successes;
    private bool _demand;
    private long? _lastDecrease;
    private TaskCompletionSource? _waiter;

    /// <param name="dispatcher">The <c>dispatcher</c> tag of the <c>handoff.dispatch.concurrency</c> metric: outbox, callbacks.</param>
    public DeliveryConcurrency(int floor, int ceiling, TimeSpan decreaseEvery, TimeProvider time, string dispatcher = "outbox")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(floor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ceiling, floor);
        (_floor, _ceiling, _decreaseEvery, _time, _dispatcher) = (floor, ceiling, decreaseEvery, time, dispatcher);
        _limit = floor;
        _slowStartBelow = ceiling;
        HandoffMetrics.DeliveryConcurrencyChanged(dispatcher, floor);
    }

    /// <summary>
    /// New settings while running (the configuration was reloaded): the limit is moved into the new floor and ceiling, and
    /// a dispatcher waiting for a slot gets one at once if that raised it. Deliveries in flight above a lowered limit finish.
    /// </summary>
    public void Reconfigure(int floor, int ceiling, TimeSpan decreaseEvery)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(floor, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ceiling, floor);
        lock (_gate)
        {
            if (floor == _floor && ceiling == _ceiling && decreaseEvery == _decreaseEvery)
            {
                return;
            }

            (_floor, _ceiling, _decreaseEvery) = (floor, ceiling, decreaseEvery);
            _slowStartBelow = Math.Clamp(_slowStartBelow, floor, ceiling);
            Change(Math.Clamp(_limit, floor, ceiling));
            WakeWaiter();
        }
    }

    /// <summary>The current limit on deliveries in flight.</summary>
    public int Limit
    {
        get { lock (_gate) { return _limit; } }
    }

    /// <summary>Deliveries holding a slot.</summary>
    public int InFlight
    {
        get { lock (_gate) { return _inFlight; } }
    }

    /// <summary>Takes a slot, waiting while all are taken (which tells the limit there is more work than slots).</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task freed;
            lock (_gate)
            {
                if (_inFlight < _limit)
                {
                    _inFlight++;
                    return;
                }

                _demand = true;
                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                freed = _waiter.Task;
            }

            await freed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Gives a slot back.</summary>
    public void Release()
    {
        lock (_gate)
        {
            _inFlight--;
            WakeWaiter();
        }
    }

    /// <summary>
    /// What the other side answered one delivery: accepted (<see cref="Delivered"/>), asked for a retry or accepted only after
    /// pushing back (<see cref="Congested"/>); a refusal for good or no answer asked for (null: nothing was sent) changes nothing.
    /// </summary>
    public void Report(DeliveryOutcome? outcome, bool throttled = false)
    {
        if (outcome == DeliveryOutcome.Retry || (outcome == DeliveryOutcome.Delivered && throttled))
        {
            Congested();
        }
        else if (outcome == DeliveryOutcome.Delivered)
        {
            Delivered();
        }
    }

    /// <summary>The channel accepted a delivery: room for one more while work is waiting for a slot.</summary>
    public void Delivered()
    {
        lock (_gate)
        {
            if (!_demand || _limit >= _ceiling)
            {
                return;
            }

            if (_limit < _slowStartBelow || ++_successes >= _limit)
            {
                _successes = 0;
                _demand = false; // the next step up needs the dispatcher to be short of a slot again
                Change(_limit + 1);
                WakeWaiter();
            }
        }
    }

    /// <summary>The channel asked for a retry (throttled, failing or too slow): half as many in flight.</summary>
    public void Congested()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (_lastDecrease is { } last && _time.GetElapsedTime(last, now) < _decreaseEvery)
            {
                return; // the deliveries that started before the last decrease are still reporting in
            }

            _lastDecrease = now;
            _successes = 0;
            _slowStartBelow = Math.Max(_floor, _limit / 2);
            Change(_slowStartBelow);
        }
    }

    /// <summary>Takes this limit out of the <c>handoff.dispatch.concurrency</c> metric (the dispatcher stopped).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            Change(0);
        }
    }

    private void Change(int limit)
    {
        if (limit != _limit)
        {
            HandoffMetrics.DeliveryConcurrencyChanged(_dispatcher, limit - _limit);
            _limit = limit;
        }
    }

    private void WakeWaiter()
    {
        var waiter = _waiter;
        _waiter = null;
        waiter?.TrySetResult();
    }
}
