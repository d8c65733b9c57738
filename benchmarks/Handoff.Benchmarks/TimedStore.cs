using System.Collections.Concurrent;
using System.Diagnostics;
using Handoff.Core.Domain;
using Handoff.Core.Storage;

namespace Handoff.Benchmarks;

/// <summary>
/// Profiling only (<c>--profile</c>): wraps the real store and records, per operation, how often it ran and how long it
/// took (write-lock wait included), and how many items each outbox read returned.
/// </summary>
public sealed class TimedStore(IHandoffStore inner) : IHandoffStore
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public sealed class Counter
    {
        public long Calls;
        public long Ticks;
        public long Items;
    }

    public IReadOnlyDictionary<string, Counter> Counters => _counters;

    public void Reset() => _counters.Clear();

    public Task<CreateResult> CreateAsync(HandoffRecord handoff, OutboxItem start, string? idempotencyKey, CancellationToken cancellationToken) =>
        TimeAsync("CreateAsync", () => inner.CreateAsync(handoff, start, idempotencyKey, cancellationToken));

    public HandoffRecord? PeekRecent(string id) => inner.PeekRecent(id);

    public IDisposable? TryTakeDispatchLock() => inner.TryTakeDispatchLock();

    public string DispatchLockName => inner.DispatchLockName;

    public Task<bool> TakeCommitsByOthersAsync(CancellationToken cancellationToken) =>
        TimeAsync("TakeCommitsByOthersAsync (the watch for other processes)", () => inner.TakeCommitsByOthersAsync(cancellationToken));

    public Task<(long LastSeq, IReadOnlyList<string> HandoffIds)> GetHandoffsWithEventsAfterAsync(long afterSeq, CancellationToken cancellationToken) =>
        inner.GetHandoffsWithEventsAfterAsync(afterSeq, cancellationToken);

    public Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        TimeAsync("GetAsync (read + deserialize the handoff)", () => inner.GetAsync(id, cancellationToken));

    public Task<UpdateResult> UpdateAsync(string handoffId, Func<HandoffRecord, HandoffUpdate> decide, InboundKey? inboundKey, CancellationToken cancellationToken) =>
        TimeAsync(inboundKey is null ? "UpdateAsync (bot command: enqueue a message)" : "UpdateAsync (channel inbox: webhook, e.g. receipt)",
            () => inner.UpdateAsync(handoffId, decide, inboundKey, cancellationToken));

    public Task<IReadOnlyList<HandoffEvent>> GetEventsAsync(string handoffId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        TimeAsync("GetEventsAsync", () => inner.GetEventsAsync(handoffId, afterSeq, limit, cancellationToken));

    public async Task<IReadOnlyList<OutboxItem>> GetDueOutboxAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        var due = await TimeAsync("GetDueOutboxAsync (one dispatcher round)", () => inner.GetDueOutboxAsync(now, limit, cancellationToken));
        Interlocked.Add(ref _counters["GetDueOutboxAsync (one dispatcher round)"].Items, due.Count);
        return due;
    }

    public Task<OutboxItem?> GetDueHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken) =>
        TimeAsync("GetDueHeadAsync", () => inner.GetDueHeadAsync(handoffId, now, cancellationToken));

    public Task<DateTimeOffset?> GetNextOutboxDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken) =>
        TimeAsync("GetNextOutboxDueAfterAsync", () => inner.GetNextOutboxDueAfterAsync(after, cancellationToken));

    public Task<DateTimeOffset?> GetNextOutboxDueAsync(CancellationToken cancellationToken) =>
        TimeAsync("GetNextOutboxDueAsync", () => inner.GetNextOutboxDueAsync(cancellationToken));

    public Task<OutboxStep> CompleteOutboxAndPeekAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, DateTimeOffset dueBy, CancellationToken cancellationToken) =>
        TimeAsync("CompleteOutboxAndPeekAsync (record one delivery, read the next)", () => inner.CompleteOutboxAndPeekAsync(item, status, error, change, dueBy, cancellationToken));

    public Task<UpdateResult> CompleteOutboxAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, CancellationToken cancellationToken) =>
        TimeAsync("CompleteOutboxAsync (record one delivery)", () => inner.CompleteOutboxAsync(item, status, error, change, cancellationToken));

    public Task RescheduleOutboxAsync(OutboxItem item, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken) =>
        TimeAsync("RescheduleOutboxAsync", async () =>
        {
            await inner.RescheduleOutboxAsync(item, attempts, nextAttemptAt, error, cancellationToken);
            return 0;
        });

    public Task<IReadOnlyList<CallbackItem>> GetDueCallbacksAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        inner.GetDueCallbacksAsync(now, limit, cancellationToken);

    public Task<CallbackItem?> GetDueCallbackHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.GetDueCallbackHeadAsync(handoffId, now, cancellationToken);

    public Task<DateTimeOffset?> GetNextCallbackDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken) =>
        inner.GetNextCallbackDueAfterAsync(after, cancellationToken);

    public Task UpdateCallbackAsync(CallbackItem item, OutboxStatus status, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken) =>
        inner.UpdateCallbackAsync(item, status, attempts, nextAttemptAt, error, cancellationToken);

    public Task<IReadOnlyList<string>> GetIdleActiveAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        inner.GetIdleActiveAsync(before, limit, cancellationToken);

    public Task<IReadOnlyList<HandoffRecord>> GetActiveAsync(string channel, CancellationToken cancellationToken) =>
        TimeAsync("GetActiveAsync (channel directory)", () => inner.GetActiveAsync(channel, cancellationToken));

    public Task<int> EnqueueAsync(IReadOnlyList<OutboxItem> items, CancellationToken cancellationToken) =>
        TimeAsync("EnqueueAsync (receipts for agent messages)", () => inner.EnqueueAsync(items, cancellationToken));

    private async Task<T> TimeAsync<T>(string name, Func<Task<T>> call)
    {
        var counter = _counters.GetOrAdd(name, _ => new Counter());
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await call();
        }
        finally
        {
            Interlocked.Increment(ref counter.Calls);
            Interlocked.Add(ref counter.Ticks, Stopwatch.GetTimestamp() - start);
        }
    }
}
