using Handoff.Core.Dispatch;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Handoff.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.Core.Tests;

/// <summary>
/// Retention deletes what only deduplication needs once it is old, and nothing else: never pending work, handoffs or
/// their events, never a young key.
/// </summary>
public sealed class StoreRetentionTests : IDisposable
{
    private readonly TestData.TempStore _db = new();
    private readonly FakeTimeProvider _clock = new(TestData.Now);
    private readonly SqliteHandoffStore _store;
    private static CancellationToken Ct => CancellationToken.None;

    public StoreRetentionTests() => _store = new SqliteHandoffStore($"Data Source={_db.Path};Pooling=False", _db.Signals, _clock);

    public void Dispose()
    {
        _store.Dispose();
        _db.Dispose();
    }

    [Fact]
    public async Task Old_finished_rows_and_keys_go_pending_work_young_rows_handoffs_and_events_stay()
    {
        var old = await SeedAsync("old");
        _clock.Advance(TimeSpan.FromDays(8));
        var young = await SeedAsync("young");

        // One row per table and step: the deletes must walk the old rows in several writes, and the sweep of inbound keys in
        // several windows.
        var before = _clock.GetUtcNow() - TimeSpan.FromDays(7);
        var deleted = 0;
        var steps = 0;
        PruneStep step;
        do
        {
            step = await _store.PruneAsync(before, limit: 1, Ct);
            deleted += step.Deleted;
            Assert.True(++steps < 50, "retention did not finish");
        }
        while (step.Deleted > 0 || !step.SweptAllInbound);

        // The old handoff's start and first message (sent) and its failed typing, its idempotency key and inbound key.
        Assert.Equal(5, deleted);
        Assert.Equal(["m-pending-old"], _db.Strings($"SELECT COALESCE(message_id, kind) FROM outbox WHERE handoff_id = '{old}' ORDER BY seq"));
        Assert.Equal(4, _db.Strings($"SELECT seq FROM outbox WHERE handoff_id = '{young}'").Count);
        Assert.Equal(["idem-young"], _db.Strings("SELECT key FROM idempotency"));
        Assert.Equal(["delivery-young"], _db.Strings("SELECT external_id FROM inbound"));
        Assert.NotNull(await _store.GetAsync(old, Ct));
        Assert.NotEmpty(await _store.GetEventsAsync(old, 0, 10, Ct));

        // Nothing is left to delete, and the old handoff still works.
        Assert.Equal(new PruneStep(0, true), await _store.PruneAsync(before, 1000, Ct));
        var again = await _store.UpdateAsync(old, h => new HandoffUpdate(HandoffTransitions.MessageDelivered(h, "m-1-old")), new InboundKey("fake", "delivery-old"), Ct);
        Assert.Equal(UpdateOutcome.Applied, again.Outcome); // the key is forgotten after the retention period: accepted again
    }

    [Fact]
    public async Task The_service_prunes_with_the_configured_period_and_does_nothing_when_it_is_off()
    {
        var old = await SeedAsync("old");
        _clock.Advance(TimeSpan.FromDays(3));
        var settings = new RetentionOptions { KeepFinished = TimeSpan.FromDays(2), BatchSize = 2 };
        var retention = new StoreRetention(_store, new FixedOptionsMonitor<RetentionOptions>(settings), _clock, NullLogger<StoreRetention>.Instance);

        Assert.Equal(5, await retention.PruneAsync(settings, Ct));
        Assert.Equal(0, await retention.PruneAsync(settings, Ct));
        Assert.Equal(["m-pending-old"], _db.Strings($"SELECT message_id FROM outbox WHERE handoff_id = '{old}'"));

        // Younger than the period: kept.
        await SeedAsync("young");
        Assert.Equal(0, await retention.PruneAsync(settings, Ct));
    }

    [Fact]
    public async Task Only_the_process_holding_the_dispatch_lock_prunes()
    {
        // Replicas sharing the store would otherwise delete the same rows side by side.
        var old = await SeedAsync("old");
        _clock.Advance(TimeSpan.FromDays(3));
        var settings = new RetentionOptions { KeepFinished = TimeSpan.FromDays(2), BatchSize = 100, Interval = TimeSpan.FromMinutes(5) };
        var dispatchLock = new GatedDispatchLock();
        var retention = new StoreRetention(_store, new FixedOptionsMonitor<RetentionOptions>(settings), _clock, NullLogger<StoreRetention>.Instance, dispatchLock);
        string[] Left() => [.. _db.Strings($"SELECT COALESCE(message_id, kind) FROM outbox WHERE handoff_id = '{old}' ORDER BY seq")];
        var seeded = Left();
        Assert.Equal(4, seeded.Length);

        await retention.StartAsync(Ct);
        try
        {
            await dispatchLock.StandByThenTakeAsync(
                () => _clock.Advance(TimeSpan.FromMinutes(10)),
                () =>
                {
                    Assert.Equal(seeded, Left());
                    return Task.CompletedTask;
                },
                () => Task.FromResult(Left().Length <= 1),
                "Nothing pruned after the lock was taken.");

            Assert.Equal(["m-pending-old"], Left());
        }
        finally
        {
            await retention.StopAsync(Ct);
        }
    }

    /// <summary>A handoff with an idempotency key, a sent start, a sent message, a failed typing, a pending message and an inbound key.</summary>
    private async Task<string> SeedAsync(string tag)
    {
        var now = _clock.GetUtcNow();
        var h = TestData.Handoff(user: $"user-{tag}") with { CreatedAt = now, UpdatedAt = now };
        await _store.CreateAsync(h, TestData.Start(h), $"idem-{tag}", Ct);
        await _store.EnqueueAsync(
            [
                TestData.Message(h, $"m-1-{tag}", "hello"),
                new OutboxItem { HandoffId = h.Id, Kind = OutboxKind.Typing, CreatedAt = now, NextAttemptAt = now },
                TestData.Message(h, $"m-pending-{tag}", "still queued"),
            ], Ct);
        foreach (var (item, status) in (await _store.GetDueOutboxAsync(now, 10, Ct)).Where(i => i.HandoffId == h.Id).Select(i => (i, OutboxStatus.Sent)))
        {
            await _store.CompleteOutboxAsync(item, status, null, null, Ct);
        }

        for (var i = 0; i < 2; i++)
        {
            var head = await _store.GetDueHeadAsync(h.Id, now, Ct);
            await _store.CompleteOutboxAsync(head!, i == 0 ? OutboxStatus.Sent : OutboxStatus.Failed, null, null, Ct);
        }

        await _store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.MessageDelivered(x, $"m-1-{tag}")), new InboundKey("fake", $"delivery-{tag}"), Ct);
        return h.Id;
    }
}
