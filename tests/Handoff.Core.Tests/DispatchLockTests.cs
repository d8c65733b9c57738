using System.Collections.Concurrent;
using Handoff.Channels;
using Handoff.Core.Channels;
using Handoff.Core.Dispatch;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Handoff.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Tests;

/// <summary>
/// Two processes on one database (replicas, or the two sides of a deployment that overlap): only the one holding the
/// store's dispatch lock delivers, so the outbox is delivered once; the other stands by and takes over when it is released.
/// Each "process" here is what a process has of its own: a store over the file, its signals, its lock, its dispatcher.
/// </summary>
public sealed class DispatchLockTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan FastPoll = TimeSpan.FromMilliseconds(20);
    private readonly TempDatabase _database = new("dispatch-lock");

    /// <summary>Every call either process's channel got, in the order they came (what the contact center saw).</summary>
    private readonly ConcurrentQueue<string> _genesys = new();

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => _database.Dispose();

    [Fact]
    public void One_store_at_a_time_holds_the_lock_of_a_database_file_and_it_names_its_holder()
    {
        using var first = Open(new HandoffSignals());
        using var second = Open(new HandoffSignals());
        Assert.Equal(_database.Path + "-dispatch.lock", first.DispatchLockPath);
        Assert.Equal(first.DispatchLockPath, ((IHandoffStore)first).DispatchLockName); // what the dispatch lock's log lines name

        var held = first.TryTakeDispatchLock();
        Assert.NotNull(held);
        Assert.NotSame(DispatchLock.NotShared, held);
        Assert.Null(second.TryTakeDispatchLock());

        held!.Dispose();
        Assert.StartsWith($"pid {Environment.ProcessId} on {Environment.MachineName} since ", File.ReadAllText(first.DispatchLockPath!));
        using var taken = second.TryTakeDispatchLock();
        Assert.NotNull(taken);
        Assert.Null(first.TryTakeDispatchLock());
    }

    [Fact]
    public void An_in_memory_database_shared_by_no_other_process_needs_no_lock()
    {
        using var store = new SqliteHandoffStore($"Data Source=dispatch-lock-{Guid.NewGuid():N};Mode=Memory;Cache=Shared", new HandoffSignals());
        Assert.Null(store.DispatchLockPath);
        Assert.Contains("in-memory", ((IHandoffStore)store).DispatchLockName);
        Assert.Same(DispatchLock.NotShared, store.TryTakeDispatchLock());
    }

    [Fact]
    public async Task A_second_process_stands_by_until_the_first_releases_the_lock()
    {
        using var first = Open(new HandoffSignals());
        using var second = Open(new HandoffSignals());
        var leader = NewLock(first);
        using var standby = NewLock(second);

        await leader.WaitAsync(Ct).WaitAsync(Patience);
        var waiting = standby.WaitAsync(Ct);
        await Task.Delay(FastPoll * 10); // ten tries
        Assert.False(waiting.IsCompleted);
        Assert.False(standby.IsHeld);

        leader.Dispose();
        await waiting.WaitAsync(Patience);
        Assert.True(standby.IsHeld);
    }

    [Fact]
    public async Task Two_processes_on_one_database_deliver_every_item_once_and_in_order_and_the_standby_takes_over()
    {
        await using var a = await Process.StartAsync(this);
        await a.Lock.WaitAsync(Ct).WaitAsync(Patience);
        await using var b = await Process.StartAsync(this);

        // Work stored by both processes (each signals only its own dispatcher; both poll the file every 20 ms).
        var handoffs = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => CreateAsync(i % 2 == 0 ? a.Store : b.Store, $"replica-user-{i}")));
        const int before = 40, after = 20;
        await SendAsync(handoffs, 0, before, a.Store, b.Store);
        await WaitForAsync(a, b, handoffs, 1 + before);
        Assert.Empty(handoffs.SelectMany(h => b.Adapter.CallsOf(h.Id)));
        Assert.False(b.Lock.IsHeld);

        // The first process stops (its deliveries finish) and lets go; the second takes over, within its poll interval.
        await a.StopAsync();
        await SendAsync(handoffs, before, after, a.Store, b.Store);
        await WaitForAsync(a, b, handoffs, 1 + before + after);
        Assert.True(b.Lock.IsHeld);

        await Task.Delay(FastPoll * 10); // anything delivered twice would show up now
        foreach (var h in handoffs)
        {
            var expected = new[] { "start" }.Concat(Enumerable.Range(0, before + after).Select(i => $"m{i:00}"));
            Assert.Equal(expected, _genesys.Where(c => c.StartsWith(h.Id + ":", StringComparison.Ordinal)).Select(c => c[(h.Id.Length + 1)..]));
            Assert.Equal(after, b.Adapter.CallsOf(h.Id).Count);
        }
    }

    [Fact]
    public async Task The_holder_delivers_what_another_process_stored_at_once_whether_it_is_busy_itself_or_idle()
    {
        // No dispatcher here scans on its own within the test: only the watch on the store (OtherProcessesWatch) finds B's work.
        var noPoll = TimeSpan.FromMinutes(10);
        await using var a = await Process.StartAsync(this, noPoll);
        await a.Lock.WaitAsync(Ct).WaitAsync(Patience);
        await using var b = await Process.StartAsync(this, noPoll);
        var soon = TimeSpan.FromSeconds(3);

        // Idle: nothing else is written.
        var quiet = await CreateAsync(b.Store, "stored-elsewhere");
        await WaitForAsync(a, b, [quiet], 1, soon);
        for (var i = 0; i < 3; i++)
        {
            await SendAsync([quiet], i, 1, b.Store, b.Store);
            await WaitForAsync(a, b, [quiet], 2 + i, soon);
        }

        // Busy: the holder's own process writes all the time (its own signals wake it; nobody signals B's work).
        var own = await CreateAsync(a.Store, "stored-here");
        using var stop = new CancellationTokenSource();
        var busy = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await TestData.EnqueueNowAsync(a.Store, own.Id, $"own-{i}");
            }
        });
        try
        {
            var elsewhere = await CreateAsync(b.Store, "stored-elsewhere-while-busy");
            await WaitForAsync(a, b, [elsewhere], 1, soon);
            for (var i = 0; i < 5; i++)
            {
                await SendAsync([elsewhere], i, 1, b.Store, b.Store);
                await WaitForAsync(a, b, [elsewhere], 2 + i, soon);
            }

            Assert.Empty(b.Adapter.CallsOf(elsewhere.Id));
            Assert.True(a.Adapter.CallsOf(own.Id).Count > 10, "The holder's own writes did not keep it busy.");
        }
        finally
        {
            await stop.CancelAsync();
            await busy;
        }
    }

    [Fact]
    public async Task A_feed_reader_is_woken_by_an_event_another_process_stored()
    {
        await using var a = await Process.StartAsync(this, TimeSpan.FromMinutes(10));
        await using var b = await Process.StartAsync(this, TimeSpan.FromMinutes(10));
        var h = await CreateAsync(a.Store, "feed-reader");

        for (var i = 0; i < 3; i++)
        {
            // A reader on A waits for the handoff's next event (as the SSE endpoint does); B stores an agent's message.
            // Extra wake-ups are allowed (a reader re-reads and finds nothing new): on a busy machine the watch may report
            // the last event late. Wait until one has passed without a wake-up, so the one that counts comes from B's write.
            var woken = a.Signals.WaitForEventsAsync(h.Id, Ct);
            for (var settled = 0; ; settled++)
            {
                await Task.Delay(OtherProcessesWatch.Interval * 3);
                if (!woken.IsCompleted)
                {
                    break;
                }

                Assert.True(settled < 20, "the reader keeps being woken with nothing new stored");
                woken = a.Signals.WaitForEventsAsync(h.Id, Ct);
            }

            var stored = await b.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.AgentMessage(x, $"g-{i}", "hello", "Ana", null, DateTimeOffset.UtcNow)), null, Ct);
            Assert.NotEmpty(stored.Events);
            await woken.WaitAsync(TimeSpan.FromSeconds(2));
        }
    }

    private SqliteHandoffStore Open(HandoffSignals signals) => new($"Data Source={_database.Path};Pooling=False", signals);

    private static DispatchLock NewLock(IHandoffStore store) =>
        new(store, Options.Create(new OutboxOptions { PollInterval = FastPoll }), TimeProvider.System, NullLogger<DispatchLock>.Instance);

    private static Task<HandoffRecord> CreateAsync(IHandoffStore store, string user) => TestData.CreateNowAsync(store, user);

    /// <summary>Messages <c>m{from}</c>… of every handoff, in order, each stored by one process or the other.</summary>
    private static Task SendAsync(HandoffRecord[] handoffs, int from, int count, IHandoffStore one, IHandoffStore other) =>
        Task.WhenAll(handoffs.Select(h => Task.Run(async () =>
        {
            for (var i = from; i < from + count; i++)
            {
                await TestData.EnqueueNowAsync(i % 3 == 0 ? other : one, h.Id, $"m{i:00}");
            }
        })));

    private static async Task WaitForAsync(Process a, Process b, HandoffRecord[] handoffs, int callsEach, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Patience);
        while (!handoffs.All(h => a.Adapter.CallsOf(h.Id).Count + b.Adapter.CallsOf(h.Id).Count >= callsEach))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"Timed out: {string.Join(", ", handoffs.Select(h => a.Adapter.CallsOf(h.Id).Count + b.Adapter.CallsOf(h.Id).Count))} calls of {callsEach} each");
            await Task.Delay(10);
        }
    }

    /// <summary>What one API process has of its own: a store over the shared file, its signals, lock, dispatcher and channel.</summary>
    private sealed class Process : IAsyncDisposable
    {
        private ServiceProvider _services = null!;
        private OutboxDispatcher _dispatcher = null!;
        private OtherProcessesWatch _watch = null!;
        private bool _stopped;

        public SqliteHandoffStore Store { get; private init; } = null!;

        public DispatchLock Lock { get; private init; } = null!;

        public HandoffSignals Signals { get; private init; } = null!;

        public RecordingAdapter Adapter { get; private init; } = null!;

        public static async Task<Process> StartAsync(DispatchLockTests test, TimeSpan? pollInterval = null)
        {
            var signals = new HandoffSignals();
            var store = test.Open(signals);
            var process = new Process { Store = store, Lock = NewLock(store), Signals = signals, Adapter = new RecordingAdapter { AlsoRecordTo = test._genesys } };
            process._services = new ServiceCollection()
                .AddSingleton<IChannelAdapter>(process.Adapter)
                .AddScoped<ChannelRegistry>()
                .BuildServiceProvider();
            process._dispatcher = new OutboxDispatcher(store, signals, process._services.GetRequiredService<IServiceScopeFactory>(),
                Options.Create(new OutboxOptions { Concurrency = 4, PollInterval = pollInterval ?? FastPoll, BaseDelay = TimeSpan.FromMilliseconds(50) }),
                TimeProvider.System, NullLogger<OutboxDispatcher>.Instance, dispatchLock: process.Lock);
            process._watch = new OtherProcessesWatch(store, signals, TimeProvider.System, NullLogger<OtherProcessesWatch>.Instance);
            await process._watch.StartAsync(Ct);
            await process._dispatcher.StartAsync(Ct);
            return process;
        }

        /// <summary>A host stop: the dispatcher ends, then the lock is released (the container disposes it).</summary>
        public async Task StopAsync()
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            await _watch.StopAsync(Ct);
            _watch.Dispose();
            await _dispatcher.StopAsync(Ct);
            _dispatcher.Dispose();
            Lock.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await _services.DisposeAsync();
            Store.Dispose();
        }
    }
}
