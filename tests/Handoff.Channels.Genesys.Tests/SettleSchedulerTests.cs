using System.Collections.Concurrent;
using Handoff.Channels.Genesys.Notifications;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>The settle window: never decide on a single event; decide once, a window after the first one.</summary>
public sealed class SettleSchedulerTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<(string Key, DateTimeOffset At)> _runs = new();
    private readonly SemaphoreSlim _ran = new(0);
    private Func<string, Task<bool>> _evaluate = _ => Task.FromResult(true);
    private readonly SettleScheduler _scheduler;

    public SettleSchedulerTests() =>
        _scheduler = new SettleScheduler(_time, () => Window, async (key, _) =>
        {
            _runs.Enqueue((key, _time.GetUtcNow()));
            try
            {
                return await _evaluate(key);
            }
            finally
            {
                _ran.Release();
            }
        }, NullLogger.Instance);

    public void Dispose() => _scheduler.Dispose();

    private async Task WaitForRunsAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.True(await _ran.WaitAsync(TimeSpan.FromSeconds(5)), $"evaluation {i + 1} of {count} never ran");
        }
    }

    /// <summary>Lets continuations scheduled by a timer run, then checks nothing else ran.</summary>
    private async Task AssertNoMoreRunsAsync() => Assert.False(await _ran.WaitAsync(TimeSpan.FromMilliseconds(200)));

    [Fact]
    public async Task Events_within_the_window_cause_one_decision_after_the_window()
    {
        _scheduler.Schedule("c1");
        _time.Advance(TimeSpan.FromSeconds(1));
        _scheduler.Schedule("c1");
        _scheduler.Schedule("c1");
        await AssertNoMoreRunsAsync();

        _time.Advance(TimeSpan.FromSeconds(2));
        await WaitForRunsAsync(1);

        Assert.Equal(_time.GetUtcNow(), Assert.Single(_runs).At);
        await AssertNoMoreRunsAsync();
        Assert.Equal(0, _scheduler.Pending);
    }

    [Fact]
    public async Task Nothing_is_decided_before_the_window_elapsed()
    {
        _scheduler.Schedule("c1");

        _time.Advance(Window - TimeSpan.FromMilliseconds(1));

        await AssertNoMoreRunsAsync();
        Assert.Equal(1, _scheduler.Pending);
    }

    [Fact]
    public async Task An_event_during_a_decision_causes_another_one_a_window_later()
    {
        var release = new TaskCompletionSource<bool>();
        _evaluate = _ => _runs.Count == 1 ? release.Task : Task.FromResult(true);
        _scheduler.Schedule("c1");
        _time.Advance(Window);
        await WaitUntilAsync(() => _runs.Count == 1);

        _scheduler.Schedule("c1"); // arrives while the first decision reads the participants
        release.SetResult(true);
        await WaitForRunsAsync(1);
        await WaitUntilAsync(() => _scheduler.IsWaiting("c1"));
        await AssertNoMoreRunsAsync();

        _time.Advance(Window);
        await WaitForRunsAsync(1);
        Assert.Equal(2, _runs.Count);
    }

    [Fact]
    public async Task A_decision_that_could_not_read_is_retried_up_to_the_limit()
    {
        _evaluate = _ => Task.FromResult(false);
        _scheduler.Schedule("c1");

        for (var i = 0; i < SettleScheduler.MaxAttempts; i++)
        {
            await WaitUntilAsync(() => _scheduler.IsWaiting("c1"));
            _time.Advance(Window);
            await WaitForRunsAsync(1);
        }

        await WaitUntilAsync(() => _scheduler.Pending == 0);
        _time.Advance(Window);
        await AssertNoMoreRunsAsync();
        Assert.Equal(SettleScheduler.MaxAttempts, _runs.Count);
    }

    [Fact]
    public async Task Conversations_settle_independently()
    {
        _scheduler.Schedule("c1");
        _time.Advance(TimeSpan.FromSeconds(2));
        _scheduler.Schedule("c2");

        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitForRunsAsync(1);
        Assert.Equal("c1", Assert.Single(_runs).Key);

        _time.Advance(TimeSpan.FromSeconds(2));
        await WaitForRunsAsync(1);
        Assert.Equal(["c1", "c2"], _runs.Select(r => r.Key));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition never held");
            await Task.Delay(10);
        }
    }
}
