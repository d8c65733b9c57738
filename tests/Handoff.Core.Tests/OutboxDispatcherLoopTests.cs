using System.Collections.Concurrent;
using Handoff.Channels;
using Handoff.Core.Channels;
using Handoff.Core.Dispatch;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Tests;

/// <summary>
/// The dispatcher as it runs in the host (its own loop, real clock): every handoff is served as soon as a worker is free,
/// whatever another handoff's delivery is waiting for, and nothing is lost, doubled or reordered while streams start and end.
/// </summary>
public sealed class OutboxDispatcherLoopTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan NoPoll = TimeSpan.FromMinutes(10);
    private readonly TestData.TempStore _db = new();
    private readonly RecordingAdapter _adapter = new();
    private OutboxDispatcher _dispatcher = null!;
    private ServiceProvider _services = null!;

    private static CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartDispatcherAsync(int concurrency, int? maxConcurrency = null, IHandoffStore? store = null)
    {
        _services = new ServiceCollection()
            .AddSingleton<IChannelAdapter>(_adapter)
            .AddScoped<ChannelRegistry>()
            .BuildServiceProvider();
        _dispatcher = new OutboxDispatcher(store ?? _db.Store, _db.Signals, _services.GetRequiredService<IServiceScopeFactory>(),
            // No poll within a test: every wake-up has to come from a signal or a retry's due time.
            Options.Create(new OutboxOptions { Concurrency = concurrency, MaxConcurrency = maxConcurrency, PollInterval = NoPoll, BaseDelay = TimeSpan.FromMilliseconds(50) }),
            TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);
        await _dispatcher.StartAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        _adapter.ReleaseAll();
        if (_dispatcher is not null)
        {
            await _dispatcher.StopAsync(Ct);
            _dispatcher.Dispose();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        _db.Dispose();
    }

    private Task<HandoffRecord> CreateAsync(string user) => TestData.CreateNowAsync(_db.Store, user);

    private Task EnqueueAsync(HandoffRecord h, string messageId) => TestData.EnqueueNowAsync(_db.Store, h.Id, messageId);

    /// <summary>
    /// Runs the dispatcher with two started handoffs; the first one's message <paramref name="hangingMessageId"/> is in flight
    /// and hangs (a due head being delivered) when this returns.
    /// </summary>
    private async Task<(HandoffRecord Hanging, HandoffRecord Other)> TwoHandoffsOneHangingAsync(string hangingMessageId)
    {
        await StartDispatcherAsync(concurrency: 4);
        var hanging = await CreateAsync("hanging");
        var other = await CreateAsync("other");
        await _adapter.WaitForAsync(h => h.Contains($"{hanging.Id}:start") && h.Contains($"{other.Id}:start"), Patience);

        _adapter.Hang(hangingMessageId);
        await EnqueueAsync(hanging, hangingMessageId);
        await _adapter.WaitForAsync(h => h.Contains($"{hanging.Id}:{hangingMessageId}"), Patience);
        return (hanging, other);
    }

    [Fact]
    public async Task A_delivery_that_hangs_does_not_hold_up_another_handoff()
    {
        var (slow, other) = await TwoHandoffsOneHangingAsync("slow-1");

        // Stored after the hanging call started: with rounds, it would wait for that call (up to AttemptTimeout).
        await EnqueueAsync(other, "other-1");
        await _adapter.WaitForAsync(h => h.Contains($"{other.Id}:other-1"), TimeSpan.FromSeconds(5));
        Assert.True(_adapter.IsHanging("slow-1"));

        _adapter.ReleaseAll();
        await EnqueueAsync(slow, "slow-2");
        await _adapter.WaitForAsync(h => h.Contains($"{slow.Id}:slow-2"), Patience);
        Assert.Equal(["start", "slow-1", "slow-2"], _adapter.CallsOf(slow.Id));
    }

    [Fact]
    public async Task Messages_from_many_concurrent_senders_are_each_delivered_once_in_order()
    {
        // Fewer workers than handoffs, and more messages per handoff than one stream takes: streams start, run dry, hit
        // their limit and are taken up again while senders keep storing.
        await StartDispatcherAsync(concurrency: 3);
        var handoffs = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => CreateAsync($"sender-{i}")));
        const int perHandoff = 90;
        await Task.WhenAll(handoffs.Select(h => Task.Run(async () =>
        {
            for (var i = 0; i < perHandoff; i++)
            {
                await EnqueueAsync(h, $"m{i:000}");
                if (i % 7 == 0)
                {
                    await Task.Delay(Random.Shared.Next(0, 15)); // let the stream run dry now and then
                }
            }
        })));

        await _adapter.WaitForAsync(_ => handoffs.All(h => _adapter.CallsOf(h.Id).Count == perHandoff + 1), Patience,
            () => "calls of the handoffs not done: " + string.Join(" | ", handoffs.Select(h => _adapter.CallsOf(h.Id)).Where(c => c.Count != perHandoff + 1).Select(c => string.Join(",", c))));
        await Task.Delay(300); // anything delivered twice would show up now
        foreach (var h in handoffs)
        {
            Assert.Equal(["start", .. Enumerable.Range(0, perHandoff).Select(i => $"m{i:000}")], _adapter.CallsOf(h.Id));
        }

        Assert.Empty(await _db.Store.GetDueOutboxAsync(DateTimeOffset.UtcNow, 100, Ct));
    }

    [Fact]
    public async Task A_stream_taking_its_handoff_up_again_does_not_deliver_what_another_stream_delivered_meanwhile()
    {
        // What a busy machine does now and then: a stream runs dry and leaves its handoff, sees that a message just
        // arrived, and is held up before it takes the handoff up again; meanwhile the dispatcher streams that message.
        var store = HeadReadHook.Wrap(_db.Store);
        await StartDispatcherAsync(concurrency: 2, store: store.Store);
        var h = await CreateAsync("taken-up-again");
        await _adapter.WaitForAsync(c => c.Contains($"{h.Id}:start"), Patience);
        _adapter.Hang("m2");
        store.Once(
            handoffId => handoffId == h.Id && _adapter.CallsOf(h.Id).Contains("m1"),
            async read =>
            {
                // The look of the stream that delivered m1, after it left the handoff.
                await EnqueueAsync(h, "m2");
                var head = await read();
                Assert.Equal("m2", head?.MessageId);
                await _adapter.WaitForAsync(c => c.Contains($"{h.Id}:m2"), Patience); // another stream has it
                _adapter.ReleaseAll();
                while (await _db.Store.GetDueHeadAsync(h.Id, DateTimeOffset.UtcNow, Ct) is not null)
                {
                    await Task.Delay(10);
                }

                await Task.Delay(200); // that stream ends
                return head;
            });

        await EnqueueAsync(h, "m1");
        await store.Fired.WaitAsync(Patience);
        await Task.Delay(300); // a second m2 would show up now
        Assert.Equal(["start", "m1", "m2"], _adapter.CallsOf(h.Id));
    }

    [Theory]
    [InlineData(null, false)] // the default ceiling: 8 × Concurrency
    [InlineData(2, false)] // fixed
    [InlineData(null, true)] // every message accepted only after the channel pushed back (e.g. a 429 it waited out)
    public async Task While_the_channel_keeps_up_and_work_waits_more_handoffs_are_delivered_at_once(int? maxConcurrency, bool throttled)
    {
        // A channel that takes 20 ms per message: two slots to begin with, 12 handoffs with work.
        await StartDispatcherAsync(concurrency: 2, maxConcurrency);
        _adapter.Throttled = throttled;
        var handoffs = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => CreateAsync($"busy-{i}")));
        await _adapter.WaitForAsync(_ => handoffs.All(h => _adapter.CallsOf(h.Id).Count == 1), Patience);
        _adapter.MessageLatency = TimeSpan.FromMilliseconds(20);
        const int perHandoff = 15;
        foreach (var h in handoffs)
        {
            for (var i = 0; i < perHandoff; i++)
            {
                await EnqueueAsync(h, $"m{i:00}");
            }
        }

        await _adapter.WaitForAsync(_ => handoffs.All(h => _adapter.CallsOf(h.Id).Count == perHandoff + 1), Patience);

        if (maxConcurrency is not null || throttled)
        {
            Assert.Equal(2, _adapter.MostMessagesInFlight);
        }
        else
        {
            // Grown past the floor; never more than one delivery per handoff (order).
            Assert.InRange(_adapter.MostMessagesInFlight, 3, handoffs.Length);
        }

        foreach (var h in handoffs)
        {
            Assert.Equal(["start", .. Enumerable.Range(0, perHandoff).Select(i => $"m{i:00}")], _adapter.CallsOf(h.Id));
        }
    }

    [Fact]
    public async Task A_retry_goes_out_when_due_while_another_handoff_is_being_delivered()
    {
        var (_, retried) = await TwoHandoffsOneHangingAsync("busy-1");

        _adapter.FailOnce("retry-1");
        await EnqueueAsync(retried, "retry-1");
        await _adapter.WaitForAsync(_ => _adapter.CallsOf(retried.Id).Count(c => c == "retry-1") == 1, Patience);

        // Backoff is 50–75 ms here and nothing polls: the retry goes out only if the dispatcher waits for its due time
        // (not for the due head in flight), and well within Patience, which is far below the poll interval.
        await _adapter.WaitForAsync(_ => _adapter.CallsOf(retried.Id).Count(c => c == "retry-1") == 2, Patience);
        Assert.True(Patience < NoPoll);
        Assert.True(_adapter.IsHanging("busy-1"));
    }

    [Fact]
    public async Task Stopping_lets_the_delivery_in_flight_finish_and_record_it_as_sent()
    {
        await StartDispatcherAsync(concurrency: 2);
        var h = await CreateAsync("stopping");
        await _adapter.WaitForAsync(calls => calls.Contains($"{h.Id}:start"), Patience);
        _adapter.Hang("last");
        await EnqueueAsync(h, "last");
        await _adapter.WaitForAsync(calls => calls.Contains($"{h.Id}:last"), Patience);

        var stopping = _dispatcher.StopAsync(Ct);
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted);
        _adapter.ReleaseAll();
        await stopping.WaitAsync(Patience);

        Assert.Null(await _db.Store.GetDueHeadAsync(h.Id, DateTimeOffset.UtcNow.AddHours(1), Ct));
        Assert.Equal(["start", "last"], _adapter.CallsOf(h.Id));
    }
}

/// <summary>
/// A store whose next head read for a chosen handoff runs a test's code around the real read (the rest is the store as it
/// is), to hold a dispatcher worker up at that point.
/// </summary>
public class HeadReadHook : System.Reflection.DispatchProxy
{
    private IHandoffStore _inner = null!;
    private Hook? _hook;

    private sealed record Hook(Func<string, bool> When, Func<Func<Task<OutboxItem?>>, Task<OutboxItem?>> Run);
    private readonly TaskCompletionSource _fired = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static HeadReadHook Wrap(IHandoffStore inner)
    {
        var proxy = Create<IHandoffStore, HeadReadHook>();
        var hook = (HeadReadHook)(object)proxy;
        hook._inner = inner;
        return hook;
    }

    public IHandoffStore Store => (IHandoffStore)(object)this;

    /// <summary>Completes when the hooked read has returned (faulted when the test's code threw).</summary>
    public Task Fired => _fired.Task;

    public void Once(Func<string, bool> when, Func<Func<Task<OutboxItem?>>, Task<OutboxItem?>> run) => Volatile.Write(ref _hook, new Hook(when, run));

    protected override object? Invoke(System.Reflection.MethodInfo? method, object?[]? args)
    {
        if (method!.Name == nameof(IHandoffStore.GetDueHeadAsync) && Volatile.Read(ref _hook) is { } hook && hook.When((string)args![0]!)
            && Interlocked.CompareExchange(ref _hook, null, hook) == hook)
        {
            // The real read runs when the test's code asks for it, as of that moment.
            return RunAsync(hook.Run, () => _inner.GetDueHeadAsync((string)args[0]!, DateTimeOffset.UtcNow, (CancellationToken)args[2]!));
        }

        try
        {
            return method.Invoke(_inner, args);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private async Task<OutboxItem?> RunAsync(Func<Func<Task<OutboxItem?>>, Task<OutboxItem?>> run, Func<Task<OutboxItem?>> read)
    {
        try
        {
            var result = await run(read);
            _fired.TrySetResult();
            return result;
        }
        catch (Exception e)
        {
            _fired.TrySetException(e); // the test's own assertions fail the test, not only the dispatcher's read
            throw;
        }
    }
}
