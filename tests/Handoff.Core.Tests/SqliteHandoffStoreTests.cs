using Handoff.Core.Domain;
using Handoff.Core.Storage;

namespace Handoff.Core.Tests;

public sealed class SqliteHandoffStoreTests : IDisposable
{
    private readonly TestData.TempStore _db = new();
    private CancellationToken Ct => CancellationToken.None;

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Created_handoff_survives_a_restart_with_its_events()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.StartDelivered(x, null, TestData.Now)), null, Ct);

        using var restarted = _db.Open();
        var read = await restarted.GetAsync(h.Id, Ct);

        Assert.NotNull(read);
        Assert.Equal(h.User, read.User);
        Assert.Equal("refund", read.Attributes["intent"]);
        Assert.Equal(EventTypes.Queued, Assert.Single(await restarted.GetEventsAsync(h.Id, 0, 10, Ct)).Type);
    }

    [Fact]
    public async Task A_handoffs_callback_head_is_handed_out_only_when_due_and_later_ones_never_overtake_it()
    {
        var h = TestData.Handoff() with { CallbackUrl = "https://bot.example.org/hook" };
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.StartDelivered(x, null, TestData.Now)), null, Ct);
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.AgentMessage(x, "g-1", "hi", "A", null, TestData.Now)), null, Ct);
        var now = DateTimeOffset.UtcNow;

        var head = await _db.Store.GetDueCallbackHeadAsync(h.Id, now, Ct);
        Assert.NotNull(head);
        var events = await _db.Store.GetEventsAsync(h.Id, 0, 10, Ct);
        Assert.Equal(events[0].Seq, head.Event.Seq);
        Assert.Equal(EventTypes.Queued, head.Event.Type);
        Assert.Equal("https://bot.example.org/hook", head.Url);

        // The head waits for its retry: nothing is due for this handoff, though later callbacks are pending.
        await _db.Store.UpdateCallbackAsync(head, OutboxStatus.Pending, 1, now.AddSeconds(30), "answered 500", Ct);
        Assert.Null(await _db.Store.GetDueCallbackHeadAsync(h.Id, now, Ct));
        Assert.Equal(now.AddSeconds(30).ToUnixTimeMilliseconds(), (await _db.Store.GetNextCallbackDueAfterAsync(now, Ct))?.ToUnixTimeMilliseconds());
        Assert.Null(await _db.Store.GetNextCallbackDueAfterAsync(now.AddSeconds(30), Ct));

        // Delivered: the next one is the head now.
        await _db.Store.UpdateCallbackAsync(head, OutboxStatus.Sent, 2, now, null, Ct);
        var next = await _db.Store.GetDueCallbackHeadAsync(h.Id, now, Ct);
        Assert.Equal(events[1].Seq, next?.Event.Seq);
        Assert.Null(await _db.Store.GetDueCallbackHeadAsync("no-such-handoff", now, Ct));
    }

    [Fact]
    public async Task Second_active_handoff_for_the_same_user_and_queue_is_a_conflict_naming_the_first()
    {
        var first = TestData.Handoff();
        var second = TestData.Handoff();
        await _db.Store.CreateAsync(first, TestData.Start(first), null, Ct);

        var result = await _db.Store.CreateAsync(second, TestData.Start(second), null, Ct);

        Assert.True(result.Conflict);
        Assert.Equal(first.Id, result.Handoff.Id);
        Assert.Null(await _db.Store.GetAsync(second.Id, Ct));
    }

    [Fact]
    public async Task After_the_end_the_same_user_can_start_again()
    {
        var first = TestData.Handoff();
        await _db.Store.CreateAsync(first, TestData.Start(first), null, Ct);
        await _db.Store.UpdateAsync(first.Id, x => new HandoffUpdate(HandoffTransitions.End(x, EndedBy.User, null, TestData.Now)), null, Ct);

        var second = TestData.Handoff();
        var result = await _db.Store.CreateAsync(second, TestData.Start(second), null, Ct);

        Assert.True(result.Created);
    }

    [Fact]
    public async Task Same_user_on_another_queue_or_client_is_not_a_conflict()
    {
        var a = TestData.Handoff(queue: "Support");
        var b = TestData.Handoff(queue: "Sales");
        var c = TestData.Handoff(queue: "Support", client: "other-bot");

        Assert.True((await _db.Store.CreateAsync(a, TestData.Start(a), null, Ct)).Created);
        Assert.True((await _db.Store.CreateAsync(b, TestData.Start(b), null, Ct)).Created);
        Assert.True((await _db.Store.CreateAsync(c, TestData.Start(c), null, Ct)).Created);
    }

    [Fact]
    public async Task Idempotency_key_replays_the_first_handoff()
    {
        var first = TestData.Handoff();
        await _db.Store.CreateAsync(first, TestData.Start(first), "key-1", Ct);
        await _db.Store.UpdateAsync(first.Id, x => new HandoffUpdate(HandoffTransitions.End(x, EndedBy.User, null, TestData.Now)), null, Ct);

        var retry = TestData.Handoff();
        var result = await _db.Store.CreateAsync(retry, TestData.Start(retry), "key-1", Ct);

        Assert.True(result.Replayed);
        Assert.Equal(first.Id, result.Handoff.Id);
    }

    [Fact]
    public async Task Inbound_key_is_applied_once_even_from_another_store_instance()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        HandoffUpdate Agent(HandoffRecord x) => new(HandoffTransitions.AgentMessage(x, "g-1", "hi", "A", null, TestData.Now));
        var key = new InboundKey("fake", "g-1");

        var first = await _db.Store.UpdateAsync(h.Id, Agent, key, Ct);
        using var replica = _db.Open();
        var second = await replica.UpdateAsync(h.Id, Agent, key, Ct);

        Assert.Equal(UpdateOutcome.Applied, first.Outcome);
        Assert.Equal(UpdateOutcome.Duplicate, second.Outcome);
        Assert.Equal(2, (await _db.Store.GetEventsAsync(h.Id, 0, 10, Ct)).Count); // connected + one agent.message
    }

    [Fact]
    public async Task A_receipt_for_a_user_message_is_kept_on_the_message_once_per_outcome()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "c-1", "hello")), null, Ct);
        HandoffUpdate Delivered(HandoffRecord x) => new(HandoffTransitions.MessageDelivered(x, "c-1"));
        HandoffUpdate Failed(HandoffRecord x) => new(HandoffTransitions.MessageFailed(x, "c-1", "rejected"));

        var first = await _db.Store.UpdateAsync(h.Id, Delivered, new InboundKey("fake", "receipt-a", new MessageReceipt("c-1", Delivered: true)), Ct);
        using var replica = _db.Open();
        // The same receipt again, at another replica, and a second Delivered receipt under another delivery id: one event.
        var retried = await replica.UpdateAsync(h.Id, Delivered, new InboundKey("fake", "receipt-a", new MessageReceipt("c-1", Delivered: true)), Ct);
        var another = await _db.Store.UpdateAsync(h.Id, Delivered, new InboundKey("fake", "receipt-b", new MessageReceipt("c-1", Delivered: true)), Ct);
        // A Failed receipt is the other outcome: stored once too.
        var failed = await replica.UpdateAsync(h.Id, Failed, new InboundKey("fake", "receipt-c", new MessageReceipt("c-1", Delivered: false)), Ct);
        var failedAgain = await _db.Store.UpdateAsync(h.Id, Failed, new InboundKey("fake", "receipt-c", new MessageReceipt("c-1", Delivered: false)), Ct);

        Assert.Equal(
            [UpdateOutcome.Applied, UpdateOutcome.Duplicate, UpdateOutcome.Duplicate, UpdateOutcome.Applied, UpdateOutcome.Duplicate],
            new[] { first.Outcome, retried.Outcome, another.Outcome, failed.Outcome, failedAgain.Outcome });
        var events = await _db.Store.GetEventsAsync(h.Id, 0, 10, Ct);
        Assert.Equal([EventTypes.MessageDelivered, EventTypes.MessageFailed], events.Select(e => e.Type));
        // Kept on the message, not as delivery ids.
        Assert.Equal(0L, _db.Count("SELECT COUNT(*) FROM inbound"));
        Assert.Equal(3L, _db.Count("SELECT receipts FROM outbox WHERE message_id = 'c-1'"));
    }

    [Fact]
    public async Task A_message_given_up_on_and_a_failed_receipt_for_it_tell_the_bot_once_whichever_comes_first()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        var start = Assert.Single(await _db.Store.GetDueOutboxAsync(TestData.Now, 10, Ct));
        await _db.Store.CompleteOutboxAsync(start, OutboxStatus.Sent, null, null, Ct);
        var first = (await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "c-1", "one")), null, Ct)).Outbox!;
        var second = (await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "c-2", "two")), null, Ct)).Outbox!;
        Func<HandoffRecord, Transition> GaveUp(string id) => x => HandoffTransitions.MessageFailed(x, id, "gave up after 3 attempts");
        InboundKey Receipt(string id, string delivery) => new("fake", delivery, new MessageReceipt(id, Delivered: false));

        // c-1: the dispatcher gives up first; a Failed receipt (another replica's, say) arrives after.
        var gaveUp = await _db.Store.CompleteOutboxAsync(first, OutboxStatus.Failed, "gave up", GaveUp("c-1"), Ct);
        using var replica = _db.Open();
        var lateReceipt = await replica.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.MessageFailed(x, "c-1", "rejected")), Receipt("c-1", "r-1"), Ct);
        // c-2: the Failed receipt comes first, then the dispatcher gives up.
        var earlyReceipt = await replica.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.MessageFailed(x, "c-2", "rejected")), Receipt("c-2", "r-2"), Ct);
        var gaveUpLate = await _db.Store.CompleteOutboxAsync(second, OutboxStatus.Failed, "gave up", GaveUp("c-2"), Ct);

        Assert.Equal(EventTypes.MessageFailed, Assert.Single(gaveUp.Events).Type);
        Assert.Equal(UpdateOutcome.Duplicate, lateReceipt.Outcome);
        Assert.Equal(UpdateOutcome.Applied, earlyReceipt.Outcome);
        Assert.Empty(gaveUpLate.Events);
        var failed = (await _db.Store.GetEventsAsync(h.Id, 0, 20, Ct)).Where(e => e.Type == EventTypes.MessageFailed).ToList();
        Assert.Equal(2, failed.Count);
        Assert.Contains("gave up", failed[0].DataJson, StringComparison.Ordinal);
        Assert.Contains("c-1", failed[0].DataJson, StringComparison.Ordinal);
        Assert.Contains("rejected", failed[1].DataJson, StringComparison.Ordinal);
        Assert.Contains("c-2", failed[1].DataJson, StringComparison.Ordinal);
        // Both messages are finished as failed, however the outcome was told.
        Assert.Equal(2L, _db.Count($"SELECT COUNT(*) FROM outbox WHERE status = {(int)OutboxStatus.Failed} AND receipts = 2"));
    }

    [Fact]
    public async Task A_receipt_for_a_message_the_store_does_not_hold_is_deduplicated_by_its_delivery_id()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        HandoffUpdate Delivered(HandoffRecord x) => new(HandoffTransitions.MessageDelivered(x, "not-ours"));
        var key = new InboundKey("fake", "receipt-x", new MessageReceipt("not-ours", Delivered: true));

        var first = await _db.Store.UpdateAsync(h.Id, Delivered, key, Ct);
        var again = await _db.Store.UpdateAsync(h.Id, Delivered, key, Ct);
        var otherId = await _db.Store.UpdateAsync(h.Id, Delivered, key with { ExternalId = "receipt-y" }, Ct);

        Assert.Equal([UpdateOutcome.Applied, UpdateOutcome.Duplicate, UpdateOutcome.Applied], new[] { first.Outcome, again.Outcome, otherId.Outcome });
        Assert.Equal(2L, _db.Count("SELECT COUNT(*) FROM inbound"));
    }

    [Fact]
    public async Task Client_message_id_is_enqueued_once()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);

        var first = await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "c-1", "hello")), null, Ct);
        var second = await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "c-1", "hello")), null, Ct);

        Assert.False(first.OutboxDuplicate);
        Assert.True(second.OutboxDuplicate);
        Assert.Equal(first.Outbox!.Seq, second.Outbox!.Seq);
    }

    [Fact]
    public async Task Only_the_head_of_each_handoff_is_due_so_order_is_kept()
    {
        var a = TestData.Handoff(user: "a");
        var b = TestData.Handoff(user: "b");
        await _db.Store.CreateAsync(a, TestData.Start(a), null, Ct);
        await _db.Store.CreateAsync(b, TestData.Start(b), null, Ct);
        await _db.Store.UpdateAsync(a.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "m1", "one")), null, Ct);

        var due = await _db.Store.GetDueOutboxAsync(TestData.Now, 10, Ct);
        Assert.Equal(2, due.Count);
        Assert.All(due, item => Assert.Equal(OutboxKind.Start, item.Kind));

        var aStart = due.Single(d => d.HandoffId == a.Id);
        await _db.Store.CompleteOutboxAsync(aStart, OutboxStatus.Sent, null, null, Ct);

        var next = await _db.Store.GetDueOutboxAsync(TestData.Now, 10, Ct);
        Assert.Contains(next, d => d.HandoffId == a.Id && d.Kind == OutboxKind.Message && d.MessageId == "m1");
    }

    [Fact]
    public async Task Rescheduled_head_blocks_its_handoff_until_due()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "m1", "one")), null, Ct);
        var head = Assert.Single(await _db.Store.GetDueOutboxAsync(TestData.Now, 10, Ct));

        await _db.Store.RescheduleOutboxAsync(head, 1, TestData.Now.AddSeconds(30), "503", Ct);

        Assert.Empty(await _db.Store.GetDueOutboxAsync(TestData.Now.AddSeconds(29), 10, Ct));
        Assert.Equal(TestData.Now.AddSeconds(30), await _db.Store.GetNextOutboxDueAsync(Ct));
        var due = Assert.Single(await _db.Store.GetDueOutboxAsync(TestData.Now.AddSeconds(30), 10, Ct));
        Assert.Equal(OutboxKind.Start, due.Kind);
        Assert.Equal(1, due.Attempts);
    }

    [Fact]
    public async Task Events_are_paged_after_a_sequence_number()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        for (var i = 0; i < 5; i++)
        {
            await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.AgentTyping(x, "A", TestData.Now)), null, Ct);
        }

        var all = await _db.Store.GetEventsAsync(h.Id, 0, 100, Ct);
        var rest = await _db.Store.GetEventsAsync(h.Id, all[1].Seq, 100, Ct);

        Assert.Equal(5, all.Count);
        Assert.Equal(all.Skip(2).Select(e => e.Seq), rest.Select(e => e.Seq));
    }
}
