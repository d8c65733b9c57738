using System.Text.Json.Nodes;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Handoff.Core.Tests;

/// <summary>
/// What the store does to keep the relay fast must never change what it answers: the cached handoff bodies, the
/// conversation kept by count, the next outbox item handed back with a completion, and databases from before all that.
/// </summary>
public sealed class SqliteStoreHotPathTests : IDisposable
{
    private readonly TestData.TempStore _db = new();
    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_handoff_changed_by_another_store_instance_is_read_fresh()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        Assert.Equal(HandoffStatus.Queued, (await _db.Store.GetAsync(h.Id, Ct))!.Status); // now remembered by the first store

        using (var replica = _db.Open())
        {
            await replica.UpdateAsync(h.Id, x => new HandoffUpdate(
                HandoffTransitions.StartDelivered(x, new Dictionary<string, string> { ["conversationId"] = "c-42" }, TestData.Now)), null, Ct);
            await replica.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.End(x, EndedBy.Agent, "done", TestData.Now.AddMinutes(1))), null, Ct);
        }

        var read = await _db.Store.GetAsync(h.Id, Ct);
        Assert.Equal(HandoffStatus.Ended, read!.Status);
        Assert.Equal("c-42", read.ChannelState["conversationId"]);

        HandoffRecord? seenByWrite = null;
        await _db.Store.UpdateAsync(h.Id, x => { seenByWrite = x; return HandoffUpdate.None(x); }, null, Ct);
        Assert.Equal(HandoffStatus.Ended, seenByWrite!.Status);
    }

    [Fact]
    public async Task Peeking_answers_only_what_this_instance_has_seen()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        Assert.Equal(h.TraceParent, _db.Store.PeekRecent(h.Id)!.TraceParent);
        Assert.Null(_db.Store.PeekRecent("h_never_stored"));

        using var replica = _db.Open();
        Assert.Null(replica.PeekRecent(h.Id));
        await replica.GetAsync(h.Id, Ct);
        Assert.Equal(h.Queue, replica.PeekRecent(h.Id)!.Queue);
    }

    [Fact]
    public async Task A_write_rolled_back_after_storing_the_body_leaves_the_stored_handoff_as_it_was()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);

        // The body is rewritten (status ended), then storing the event throws: the savepoint is rolled back.
        await Assert.ThrowsAnyAsync<Exception>(() => _db.Store.UpdateAsync(h.Id, x =>
        {
            var ended = HandoffTransitions.End(x, EndedBy.User, "bye", TestData.Now);
            return new HandoffUpdate(ended with { Events = [new NewEvent("broken", new Unserializable())] });
        }, null, Ct));

        var read = await _db.Store.GetAsync(h.Id, Ct);
        Assert.Equal(HandoffStatus.Queued, read!.Status);
        Assert.True(read.IsActive);
        using var restarted = _db.Open();
        Assert.Equal(HandoffStatus.Queued, (await restarted.GetAsync(h.Id, Ct))!.Status);
    }

    [Fact]
    public async Task A_write_that_throws_among_concurrent_ones_fails_alone_and_the_others_are_stored_once()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);

        // Queued together, so they share group commits: the failing one sends its batch down the savepoint path, where the
        // writes that had already run once run again; none of them may find its own first run there (it was rolled back).
        var writes = Enumerable.Range(0, 60).Select(i => Task.Run(() => _db.Store.UpdateAsync(h.Id, x =>
        {
            var message = TestData.Message(x, $"m-{i}", $"text {i}");
            var transition = HandoffTransitions.UserMessage(x, message.Text!, null, TestData.Now);
            return i == 30
                ? new HandoffUpdate(transition with { Events = [new NewEvent("broken", new Unserializable())] }, message)
                : new HandoffUpdate(transition, message);
        }, null, Ct))).ToList();
        await Assert.ThrowsAnyAsync<Exception>(() => writes[30]);
        var stored = await Task.WhenAll(writes.Where((_, i) => i != 30));

        Assert.All(stored, r => Assert.False(r.OutboxDuplicate));
        Assert.All(stored, r => Assert.Equal(UpdateOutcome.Applied, r.Outcome));
        Assert.Equal(59L, _db.Count($"SELECT COUNT(*) FROM outbox WHERE handoff_id = '{h.Id}' AND kind = {(int)OutboxKind.Message}"));
        Assert.Equal(0L, _db.Count("SELECT COUNT(*) FROM outbox WHERE message_id = 'm-30'"));
        Assert.Equal(59L, _db.Count($"SELECT COUNT(*) FROM conversation WHERE handoff_id = '{h.Id}'"));
        Assert.Equal(59L, _db.Count($"SELECT last_line FROM handoffs WHERE id = '{h.Id}'"));
    }

    [Fact]
    public async Task Completing_an_item_hands_back_the_handoff_and_its_next_due_item()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "m1", "one")), null, Ct);
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "m2", "two")), null, Ct);
        var start = Assert.Single(await _db.Store.GetDueOutboxAsync(TestData.Now, 10, Ct));

        var afterStart = await _db.Store.CompleteOutboxAndPeekAsync(start, OutboxStatus.Sent, null,
            x => HandoffTransitions.StartDelivered(x, new Dictionary<string, string> { ["conversationId"] = "c-1" }, TestData.Now), TestData.Now, Ct);

        Assert.Equal("c-1", afterStart.Completed.Handoff!.ChannelState["conversationId"]);
        Assert.Equal("m1", afterStart.Next!.MessageId);

        // Not yet due: nothing handed back, and the dispatcher's regular read finds it later.
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, "m3", "three") with
        {
            NextAttemptAt = TestData.Now.AddMinutes(5),
        }), null, Ct);
        var afterFirst = await _db.Store.CompleteOutboxAndPeekAsync(afterStart.Next, OutboxStatus.Sent, null, null, TestData.Now, Ct);
        Assert.Equal("m2", afterFirst.Next!.MessageId);
        Assert.Equal(h.Id, afterFirst.Completed.Handoff!.Id);

        var afterSecond = await _db.Store.CompleteOutboxAndPeekAsync(afterFirst.Next, OutboxStatus.Sent, null, null, TestData.Now, Ct);
        Assert.Null(afterSecond.Next);
        Assert.Equal("m3", (await _db.Store.GetDueHeadAsync(h.Id, TestData.Now.AddMinutes(5), Ct))!.MessageId);
    }

    [Fact]
    public async Task The_ended_transcript_holds_the_last_500_lines_of_a_long_chat()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        const int sent = HandoffTransitions.MaxConversationLines + 137;
        for (var i = 0; i < sent; i++)
        {
            var at = TestData.Now.AddSeconds(i);
            await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.UserMessage(x, $"line {i}", null, at)), null, Ct);
        }

        var ended = await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.End(x, EndedBy.User, null, TestData.Now.AddHours(1))), null, Ct);

        var transcript = Transcript(ended.Events.Single(e => e.Type == EventTypes.Ended));
        Assert.Equal(HandoffTransitions.MaxConversationLines, transcript.Count);
        Assert.Equal($"line {sent - HandoffTransitions.MaxConversationLines}", transcript[0]);
        Assert.Equal($"line {sent - 1}", transcript[^1]);
        Assert.InRange(_db.Count("SELECT COUNT(*) FROM conversation"), HandoffTransitions.MaxConversationLines, HandoffTransitions.MaxConversationLines + 64);
    }

    [Fact]
    public async Task A_database_from_before_versions_and_numbered_conversations_is_upgraded_in_place()
    {
        var h = TestData.Handoff();
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        for (var i = 0; i < 3; i++)
        {
            var at = TestData.Now.AddSeconds(i);
            await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.UserMessage(x, $"old {i}", null, at)), null, Ct);
        }

        // The earlier layout: no version or line number on handoffs, conversation lines in a rowid table with an index.
        _db.Store.Dispose();
        Exec("""
            CREATE TABLE conversation_lines (seq INTEGER PRIMARY KEY AUTOINCREMENT, handoff_id TEXT NOT NULL, body TEXT NOT NULL);
            CREATE INDEX ix_conversation_lines_handoff ON conversation_lines (handoff_id, seq);
            INSERT INTO conversation_lines (handoff_id, body) SELECT handoff_id, body FROM conversation ORDER BY handoff_id, n;
            DROP TABLE conversation;
            ALTER TABLE handoffs DROP COLUMN version;
            ALTER TABLE handoffs DROP COLUMN last_line;
            """);

        using var upgraded = _db.Open();
        Assert.Equal(3, _db.Count($"SELECT last_line FROM handoffs WHERE id = '{h.Id}'"));
        Assert.Equal(0, _db.Count("SELECT COUNT(*) FROM sqlite_master WHERE name = 'conversation_lines'"));
        Assert.Equal("Maria P.", (await upgraded.GetAsync(h.Id, Ct))!.User.Nickname);
        await upgraded.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.UserMessage(x, "new", null, TestData.Now.AddMinutes(1))), null, Ct);
        var ended = await upgraded.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.End(x, EndedBy.User, null, TestData.Now.AddMinutes(2))), null, Ct);

        Assert.Equal(["old 0", "old 1", "old 2", "new"], Transcript(ended.Events.Single(e => e.Type == EventTypes.Ended)));
        Assert.Equal(HandoffStatus.Ended, (await upgraded.GetAsync(h.Id, Ct))!.Status);
    }

    private static List<string> Transcript(HandoffEvent ended) =>
        JsonNode.Parse(ended.DataJson)!["transcript"]!.AsArray().Select(line => (string)line!["text"]!).ToList();

    private void Exec(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={_db.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Throws when serialized: makes a write fail after the handoff body was already written in its savepoint.</summary>
    private sealed class Unserializable
    {
        public string Value => throw new InvalidOperationException("cannot be stored");
    }
}
