using System.Net;
using System.Text.Json;
using Handoff.Channels;
using Handoff.Core.Application;
using Handoff.Core.Channels;
using Handoff.Core.Dispatch;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Handoff.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.Core.Tests;

/// <summary>
/// What core does with what channels tell it and what the bot side does (issue #3): receipts for agent messages, the
/// handoff directory, transfers and requeues through the inbox, inactivity timeouts, attachments through the outbox.
/// </summary>
public sealed class ChannelFeedbackTests : IDisposable
{
    private readonly TestData.TempStore _db = new();
    private readonly FakeTimeProvider _time = new(TestData.Now);
    private readonly RecordingAdapter _adapter = new();
    private CancellationToken Ct => CancellationToken.None;

    public void Dispose() => _db.Dispose();

    private HandoffCommands Commands() => new(_db.Store, new ChannelRegistry([_adapter]), _time);

    private HandoffInbox Inbox() => new(_db.Store, _time, NullLogger<HandoffInbox>.Instance);

    private OutboxDispatcher Dispatcher() => new(_db.Store, _db.Signals, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
        Options.Create(new OutboxOptions { MaxAttempts = 3 }), _time, NullLogger<OutboxDispatcher>.Instance);

    private async Task<HandoffRecord> CreateAsync(string channel = "fake")
    {
        var h = TestData.Handoff(user: $"user-{Guid.NewGuid():N}") with { Channel = channel, CreatedAt = _time.GetUtcNow(), UpdatedAt = _time.GetUtcNow() };
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        return h;
    }

    private async Task DrainAsync()
    {
        var dispatcher = Dispatcher();
        var channels = new ChannelRegistry([_adapter]);
        while (await _db.Store.GetDueOutboxAsync(_time.GetUtcNow(), 100, Ct) is { Count: > 0 } due)
        {
            foreach (var item in due)
            {
                await dispatcher.DeliverAsync(item, channels, Ct);
            }
        }
    }

    private async Task<IReadOnlyList<HandoffEvent>> EventsAsync(string id) => await _db.Store.GetEventsAsync(id, 0, 100, Ct);

    private static JsonElement Data(HandoffEvent e) => JsonDocument.Parse(e.DataJson).RootElement;

    private Task<InboxResult> AcceptAsync(string handoffId, InboundKind kind, string externalId, Action<ChannelInboundBuilder>? configure = null)
    {
        var builder = new ChannelInboundBuilder();
        configure?.Invoke(builder);
        return Inbox().AcceptAsync(new ChannelInbound("fake", handoffId, kind, externalId, _time.GetUtcNow())
        {
            Text = builder.Text,
            AgentDisplayName = builder.Agent,
            PreviousAgentDisplayName = builder.PreviousAgent,
            Reason = builder.Reason,
            EstimatedWaitSeconds = builder.Wait,
            Attachments = builder.Attachments,
        }, Ct);
    }

    [Fact]
    public async Task An_agent_message_served_to_the_bot_gets_one_delivered_receipt_however_often_it_is_read()
    {
        var h = await CreateAsync();
        await DrainAsync();
        await AcceptAsync(h.Id, InboundKind.AgentMessage, "g-msg-1", b => { b.Text = "Hi"; b.Agent = "Ana"; });
        var events = await EventsAsync(h.Id);

        await Commands().EventsServedAsync(events, Ct);
        await Commands().EventsServedAsync(events, Ct);
        await DrainAsync();

        var receipt = Assert.Single(_adapter.Receipts);
        Assert.Equal("g-msg-1", receipt.MessageId);
        Assert.True(receipt.Delivered);
        Assert.Null(receipt.Failure);
    }

    [Fact]
    public async Task Events_without_agent_messages_queue_no_receipt()
    {
        var h = await CreateAsync();
        await DrainAsync();

        await Commands().EventsServedAsync(await EventsAsync(h.Id), Ct);

        Assert.Empty(await _db.Store.GetDueOutboxAsync(_time.GetUtcNow(), 10, Ct));
    }

    [Theory]
    [InlineData(HttpStatusCode.Gone, true)]
    [InlineData(HttpStatusCode.InternalServerError, false)]
    public async Task A_callback_given_up_on_gets_a_failed_receipt(HttpStatusCode status, bool refused)
    {
        var h = await CreateAsync();
        await DrainAsync();
        await AcceptAsync(h.Id, InboundKind.AgentMessage, "g-msg-2", b => { b.Text = "Hi"; b.Agent = "Ana"; });
        var agentMessage = (await EventsAsync(h.Id)).Single(e => e.Type == EventTypes.AgentMessage);
        var callbacks = new CallbackDispatcher(_db.Store, _db.Signals, new StubHttpClientFactory(status),
            new FixedOptionsMonitor<CallbackOptions>(new CallbackOptions
            {
                CallbackSecrets = new(StringComparer.OrdinalIgnoreCase) { ["bot"] = "callback-secret-0123456789" },
                Callbacks = new CallbackDeliveryOptions { MaxAttempts = 1 },
            }),
            _time, NullLogger<CallbackDispatcher>.Instance);

        await callbacks.DeliverAsync(new CallbackItem(agentMessage, "bot", "https://bot.example.org/hook", 0), Ct);
        await DrainAsync();

        var receipt = Assert.Single(_adapter.Receipts);
        Assert.False(receipt.Delivered);
        Assert.Equal(refused ? ReceiptFailure.Refused : ReceiptFailure.Undeliverable, receipt.Failure);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), receipt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receipt_already_sent_is_not_sent_again_by_the_other_rule()
    {
        var h = await CreateAsync();
        await DrainAsync();
        await AcceptAsync(h.Id, InboundKind.AgentMessage, "g-msg-3", b => { b.Text = "Hi"; b.Agent = "Ana"; });
        var agentMessage = (await EventsAsync(h.Id)).Single(e => e.Type == EventTypes.AgentMessage);

        await Commands().EventsServedAsync([agentMessage], Ct);
        await AgentReceipts.FailedAsync(_db.Store, agentMessage, refused: false, "callback gave up", _time.GetUtcNow(), Ct);
        await DrainAsync();

        Assert.True(Assert.Single(_adapter.Receipts).Delivered);
    }

    [Fact]
    public async Task A_receipt_is_dropped_once_the_agent_side_ended()
    {
        var h = await CreateAsync();
        await DrainAsync();
        await AcceptAsync(h.Id, InboundKind.AgentMessage, "g-msg-4", b => { b.Text = "Bye"; b.Agent = "Ana"; });
        await AcceptAsync(h.Id, InboundKind.AgentEnded, "end-1");

        await Commands().EventsServedAsync(await EventsAsync(h.Id), Ct);
        await DrainAsync();

        Assert.Empty(_adapter.Receipts);
    }

    [Fact]
    public async Task The_directory_lists_a_channels_active_handoffs_with_their_state_and_status()
    {
        var queued = await CreateAsync();
        var connected = await CreateAsync();
        await DrainAsync();
        await AcceptAsync(connected.Id, InboundKind.AgentMessage, "g-5", b => { b.Text = "Hi"; b.Agent = "Ana"; });
        var ended = await CreateAsync();
        await Commands().EndAsync(ended.Id, null, Ct);
        var otherChannel = TestData.Handoff(user: "someone-else") with { Channel = "other" };
        await _db.Store.CreateAsync(otherChannel, TestData.Start(otherChannel), null, Ct);

        var active = await new HandoffDirectory(_db.Store).GetActiveAsync("fake", Ct);

        Assert.Equal(new[] { queued.Id, connected.Id }.Order(), active.Select(a => a.Handoff.Id).Order());
        Assert.Equal(ChannelHandoffStatus.Queued, active.Single(a => a.Handoff.Id == queued.Id).Status);
        Assert.Equal(ChannelHandoffStatus.Connected, active.Single(a => a.Handoff.Id == connected.Id).Status);
        Assert.Equal("conv-1", active.Single(a => a.Handoff.Id == queued.Id).Handoff.State["conversationId"]);
    }

    [Fact]
    public async Task Transfers_requeues_waiting_and_contact_center_endings_reach_the_bot_through_the_inbox()
    {
        var h = await CreateAsync();
        await DrainAsync();
        await AcceptAsync(h.Id, InboundKind.Waiting, "w-1", b => b.Wait = 140);
        await AcceptAsync(h.Id, InboundKind.AgentMessage, "g-6", b => { b.Text = "Hi"; b.Agent = "Ana Gómez"; });
        Assert.Equal(InboxResult.Accepted, await AcceptAsync(h.Id, InboundKind.AgentTransferred, "t-1", b => { b.PreviousAgent = "Ana Gómez"; b.Agent = "Bruno Costa"; b.Reason = "transfer"; }));
        Assert.Equal(InboxResult.Duplicate, await AcceptAsync(h.Id, InboundKind.AgentTransferred, "t-1", b => { b.PreviousAgent = "Ana Gómez"; b.Agent = "Bruno Costa"; }));
        await AcceptAsync(h.Id, InboundKind.Requeued, "r-1", b => { b.PreviousAgent = "Bruno Costa"; b.Reason = "requeue"; });
        await AcceptAsync(h.Id, InboundKind.ConversationEnded, "e-1", b => b.Reason = "inactivity");

        var events = await EventsAsync(h.Id);
        Assert.Equal(
            [EventTypes.Queued, EventTypes.Waiting, EventTypes.Connected, EventTypes.AgentMessage, EventTypes.Transferred, EventTypes.Queued, EventTypes.Ended],
            events.Select(e => e.Type));
        Assert.Equal(140, Data(events[1]).GetProperty("estimatedWaitSeconds").GetInt32());
        Assert.Equal("Bruno Costa", Data(events[4]).GetProperty("to").GetProperty("displayName").GetString());
        Assert.Equal("requeue", Data(events[5]).GetProperty("reason").GetString());
        var ended = Data(events[6]);
        Assert.Equal("system", ended.GetProperty("endedBy").GetString());
        Assert.Equal("inactivity", ended.GetProperty("reason").GetString());
        Assert.Equal(EndedBy.System, (await _db.Store.GetAsync(h.Id, Ct))!.EndedBy);
    }

    [Fact]
    public async Task Agent_attachments_reach_the_bot_and_user_attachments_reach_the_channel()
    {
        var h = await CreateAsync();
        await DrainAsync();
        await AcceptAsync(h.Id, InboundKind.AgentMessage, "g-7", b =>
        {
            b.Text = "";
            b.Agent = "Ana";
            b.Attachments = [new ChannelAttachment("https://dl.example.org/p.jpg", "Image", "image/jpeg", "p.jpg", 48213)];
        });

        await Commands().SendMessageAsync(h.Id, "u-1", "here is my receipt", Ct,
            [new MessageAttachment("https://files.example.org/r.pdf", "file", "application/pdf", "r.pdf", 1000)]);
        await DrainAsync();

        var agentMessage = Data((await EventsAsync(h.Id)).Single(e => e.Type == EventTypes.AgentMessage));
        Assert.Equal("image", agentMessage.GetProperty("attachments")[0].GetProperty("mediaType").GetString());
        Assert.Equal(48213, agentMessage.GetProperty("attachments")[0].GetProperty("size").GetInt64());
        var sent = Assert.Single(_adapter.Messages);
        Assert.Equal("here is my receipt", sent.Text);
        var attachment = Assert.Single(sent.Attachments);
        Assert.Equal(new ChannelAttachment("https://files.example.org/r.pdf", "file", "application/pdf", "r.pdf", 1000), attachment);
    }

    [Fact]
    public async Task A_client_message_id_sent_twice_joins_the_transcript_once()
    {
        var h = await CreateAsync();

        await Commands().SendMessageAsync(h.Id, "same", "hello", Ct);
        await Commands().SendMessageAsync(h.Id, "same", "hello", Ct);
        await Commands().EndAsync(h.Id, "done", Ct);

        var ended = Data((await EventsAsync(h.Id)).Single(e => e.Type == EventTypes.Ended));
        var line = Assert.Single(ended.GetProperty("transcript").EnumerateArray());
        Assert.Equal("hello", line.GetProperty("text").GetString());
        Assert.Equal("user", line.GetProperty("from").GetString());
    }

    [Fact]
    public async Task Idle_handoffs_end_by_timeout_and_the_channel_is_told_but_touched_ones_stay()
    {
        var idle = await CreateAsync();
        await DrainAsync();
        _time.Advance(TimeSpan.FromMinutes(20));
        var active = await CreateAsync();
        var monitor = new InactivityMonitor(_db.Store, new FixedOptionsMonitor<InactivityOptions>(new()), _time, NullLogger<InactivityMonitor>.Instance);

        var ended = await monitor.EndIdleAsync(TimeSpan.FromMinutes(15), Ct);
        await DrainAsync();

        Assert.Equal(1, ended);
        var stored = await _db.Store.GetAsync(idle.Id, Ct);
        Assert.Equal(HandoffStatus.Ended, stored!.Status);
        Assert.Equal(EndedBy.Timeout, stored.EndedBy);
        Assert.Equal("inactivity", stored.EndReason);
        Assert.Equal("timeout", Data((await EventsAsync(idle.Id)).Last()).GetProperty("endedBy").GetString());
        Assert.Contains($"end:{idle.Id}", _adapter.Calls);
        Assert.True((await _db.Store.GetAsync(active.Id, Ct))!.IsActive);
        Assert.Equal(0, await monitor.EndIdleAsync(TimeSpan.FromMinutes(15), Ct));
    }

    [Fact]
    public async Task Idle_handoffs_are_ended_only_by_the_process_holding_the_dispatch_lock()
    {
        // Every replica sharing the store would otherwise scan for the same idle handoffs and race to end them.
        var idle = await CreateAsync();
        await DrainAsync();
        var dispatchLock = new GatedDispatchLock();
        var settings = new InactivityOptions { InactivityTimeout = TimeSpan.FromMinutes(15) };
        var monitor = new InactivityMonitor(_db.Store, new FixedOptionsMonitor<InactivityOptions>(settings), _time, NullLogger<InactivityMonitor>.Instance, dispatchLock);
        await monitor.StartAsync(Ct);
        try
        {
            await dispatchLock.StandByThenTakeAsync(
                () => _time.Advance(TimeSpan.FromMinutes(20)),
                async () => Assert.True((await _db.Store.GetAsync(idle.Id, Ct))!.IsActive),
                async () => !(await _db.Store.GetAsync(idle.Id, Ct))!.IsActive,
                "The idle handoff was not ended after the lock was taken.");

            Assert.Equal(EndedBy.Timeout, (await _db.Store.GetAsync(idle.Id, Ct))!.EndedBy);
        }
        finally
        {
            await monitor.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task A_database_from_before_outbox_data_is_upgraded_on_open()
    {
        using var database = new TempDatabase("old");
        var path = database.Path;
        try
        {
            using (var old = new SqliteConnection($"Data Source={path};Pooling=False"))
            {
                old.Open();
                using var create = old.CreateCommand();
                create.CommandText = """
                    CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, handoff_id TEXT NOT NULL, kind INTEGER NOT NULL,
                        message_id TEXT NULL, text TEXT NULL, status INTEGER NOT NULL, attempts INTEGER NOT NULL,
                        created_at INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL, last_error TEXT NULL);
                    CREATE UNIQUE INDEX ux_outbox_message ON outbox (handoff_id, message_id) WHERE message_id IS NOT NULL;
                    """;
                create.ExecuteNonQuery();
            }

            using var store = new SqliteHandoffStore($"Data Source={path};Pooling=False", new HandoffSignals());
            var h = TestData.Handoff();
            await store.CreateAsync(h, TestData.Start(h), null, Ct);
            await store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x),
                TestData.Message(x, "m1", "hi") with { Attachments = [new MessageAttachment("https://x.example.org/a.png", "image")] }), null, Ct);

            var head = Assert.Single(await store.GetDueOutboxAsync(TestData.Now, 10, Ct));
            Assert.Equal(OutboxKind.Start, head.Kind);
            await store.CompleteOutboxAsync(head, OutboxStatus.Sent, null, null, Ct);
            var message = Assert.Single(await store.GetDueOutboxAsync(TestData.Now, 10, Ct));
            Assert.Equal("https://x.example.org/a.png", Assert.Single(message.Attachments).Url);

            // The receipts column was added too: a receipt is kept on the message, once.
            var receipt = new InboundKey("fake", "receipt-1", new MessageReceipt("m1", Delivered: true));
            HandoffUpdate Delivered(HandoffRecord x) => new(HandoffTransitions.MessageDelivered(x, "m1"));
            Assert.Equal(UpdateOutcome.Applied, (await store.UpdateAsync(h.Id, Delivered, receipt, Ct)).Outcome);
            Assert.Equal(UpdateOutcome.Duplicate, (await store.UpdateAsync(h.Id, Delivered, receipt with { ExternalId = "receipt-2" }, Ct)).Outcome);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    [Fact]
    public async Task Enqueue_skips_items_already_queued_and_unknown_handoffs()
    {
        var h = await CreateAsync();
        var receipt = new OutboxItem
        {
            HandoffId = h.Id, Kind = OutboxKind.Receipt, MessageId = OutboxReceipt.OutboxMessageId("g-1"),
            Receipt = new OutboxReceipt("g-1", Delivered: true), CreatedAt = TestData.Now, NextAttemptAt = TestData.Now,
        };
        // A user message whose client id happens to look like a receipt's does not collide with it.
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, OutboxReceipt.OutboxMessageId("g-1"), "hi")), null, Ct);

        Assert.Equal(1, await _db.Store.EnqueueAsync([receipt], Ct));
        Assert.Equal(0, await _db.Store.EnqueueAsync([receipt], Ct));
        Assert.Equal(0, await _db.Store.EnqueueAsync([receipt with { HandoffId = "h_missing" }], Ct));
    }

    private sealed class ChannelInboundBuilder
    {
        public string? Text { get; set; }
        public string? Agent { get; set; }
        public string? PreviousAgent { get; set; }
        public string? Reason { get; set; }
        public int? Wait { get; set; }
        public IReadOnlyList<ChannelAttachment>? Attachments { get; set; }
    }

    private sealed class RecordingAdapter : IChannelAdapter
    {
        public List<string> Calls { get; } = [];
        public List<ChannelReceipt> Receipts { get; } = [];
        public List<ChannelMessage> Messages { get; } = [];
        public string Channel => "fake";
        public IReadOnlyCollection<string> Queues => ["Support"];

        public Task<DeliveryResult> StartAsync(ChannelHandoff handoff, CancellationToken cancellationToken)
        {
            Calls.Add($"start:{handoff.Id}");
            return Task.FromResult(DeliveryResult.Ok(new Dictionary<string, string> { ["conversationId"] = "conv-1" }));
        }

        public Task<DeliveryResult> SendMessageAsync(ChannelHandoff handoff, ChannelMessage message, CancellationToken cancellationToken)
        {
            Messages.Add(message);
            return Task.FromResult(DeliveryResult.Ok());
        }

        public Task<DeliveryResult> SendTypingAsync(ChannelHandoff handoff, CancellationToken cancellationToken) => Task.FromResult(DeliveryResult.Ok());

        public Task<DeliveryResult> EndAsync(ChannelHandoff handoff, string? reason, CancellationToken cancellationToken)
        {
            Calls.Add($"end:{handoff.Id}");
            return Task.FromResult(DeliveryResult.Ok());
        }

        public Task<DeliveryResult> SendReceiptAsync(ChannelHandoff handoff, ChannelReceipt receipt, CancellationToken cancellationToken)
        {
            Receipts.Add(receipt);
            return Task.FromResult(DeliveryResult.Ok());
        }
    }

    private sealed class StubHttpClientFactory(HttpStatusCode status) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(new StubHandler(status));

        private sealed class StubHandler(HttpStatusCode status) : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
                Task.FromResult(new HttpResponseMessage(status));
        }
    }
}
