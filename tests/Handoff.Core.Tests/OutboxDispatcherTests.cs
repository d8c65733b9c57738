using Handoff.Core.Application;
using System.Diagnostics;
using Handoff.Channels;
using Handoff.Core.Channels;
using Handoff.Core.Dispatch;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.Core.Tests;

public sealed class OutboxDispatcherTests : IDisposable
{
    private readonly TestData.TempStore _db = new();
    private readonly FakeTimeProvider _time = new(TestData.Now);
    private readonly ScriptedAdapter _adapter = new();
    private readonly FixedOptionsMonitor<HandoffTelemetryOptions> _telemetry = new(new HandoffTelemetryOptions());
    private readonly OutboxDispatcher _dispatcher;
    private readonly ChannelRegistry _channels;
    private CancellationToken Ct => CancellationToken.None;

    public OutboxDispatcherTests()
    {
        var options = Options.Create(new OutboxOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10) });
        _dispatcher = new OutboxDispatcher(_db.Store, _db.Signals, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            options, _time, NullLogger<OutboxDispatcher>.Instance, _telemetry);
        _channels = new ChannelRegistry([_adapter]);
    }

    public void Dispose() => _db.Dispose();

    private async Task<HandoffRecord> CreateAsync()
    {
        var h = TestData.Handoff() with { CreatedAt = _time.GetUtcNow(), UpdatedAt = _time.GetUtcNow() };
        await _db.Store.CreateAsync(h, TestData.Start(h), null, Ct);
        return h;
    }

    private async Task EnqueueAsync(HandoffRecord h, string id, string text) =>
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(Transition.Unchanged(x), TestData.Message(x, id, text) with { CreatedAt = _time.GetUtcNow(), NextAttemptAt = _time.GetUtcNow() }), null, Ct);

    /// <summary>Runs the dispatcher until nothing is due now.</summary>
    private async Task DrainAsync()
    {
        while (await _db.Store.GetDueOutboxAsync(_time.GetUtcNow(), 100, Ct) is { Count: > 0 } due)
        {
            foreach (var item in due)
            {
                await _dispatcher.DeliverAsync(item, _channels, Ct);
            }
        }
    }

    [Fact]
    public async Task Delivers_start_then_messages_in_order_and_keeps_channel_state()
    {
        var h = await CreateAsync();
        await EnqueueAsync(h, "m1", "one");
        await EnqueueAsync(h, "m2", "two");

        await DrainAsync();

        Assert.Equal(["start", "message:m1", "message:m2"], _adapter.Calls);
        var stored = await _db.Store.GetAsync(h.Id, Ct);
        Assert.Equal("conv-1", stored!.ChannelState["conversationId"]);
        Assert.Equal(EventTypes.Queued, Assert.Single(await _db.Store.GetEventsAsync(h.Id, 0, 10, Ct)).Type);
    }

    [Fact]
    public async Task Transient_failure_is_retried_after_backoff_without_overtaking()
    {
        var h = await CreateAsync();
        await DrainAsync(); // start
        await EnqueueAsync(h, "m1", "one");
        await EnqueueAsync(h, "m2", "two");
        _adapter.Script.Enqueue(DeliveryResult.Transient("503"));

        await DrainAsync(); // m1 fails once; m2 must wait behind it
        Assert.Equal(["start", "message:m1"], _adapter.Calls);

        _time.Advance(TimeSpan.FromSeconds(2));
        await DrainAsync();

        Assert.Equal(["start", "message:m1", "message:m1", "message:m2"], _adapter.Calls);
    }

    [Fact]
    public async Task Retry_after_from_the_channel_is_honoured()
    {
        var h = await CreateAsync();
        _adapter.Script.Enqueue(DeliveryResult.Transient("429", TimeSpan.FromSeconds(30)));

        await DrainAsync();
        _time.Advance(TimeSpan.FromSeconds(29));
        await DrainAsync();
        Assert.Single(_adapter.Calls);

        _time.Advance(TimeSpan.FromSeconds(1));
        await DrainAsync();
        Assert.Equal(2, _adapter.Calls.Count);
    }

    [Fact]
    public async Task A_long_retry_budget_keeps_retrying_at_the_longest_delay()
    {
        // BaseDelay x 2^(attempts - 1) outgrows TimeSpan from ~41 attempts on: the delay must stay at MaxDelay instead.
        var options = Options.Create(new OutboxOptions { MaxAttempts = 60, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10) });
        var dispatcher = new OutboxDispatcher(_db.Store, _db.Signals, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            options, _time, NullLogger<OutboxDispatcher>.Instance, _telemetry);
        var h = await CreateAsync();
        for (var i = 0; i < 50; i++)
        {
            _adapter.Script.Enqueue(DeliveryResult.Transient("503"));
        }

        for (var attempt = 1; attempt <= 50; attempt++)
        {
            var due = Assert.Single(await _db.Store.GetDueOutboxAsync(_time.GetUtcNow(), 10, Ct));
            await dispatcher.DeliverAsync(due, _channels, Ct);
            Assert.Empty(await _db.Store.GetDueOutboxAsync(_time.GetUtcNow(), 10, Ct)); // scheduled later, not given up on
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(50, _adapter.Calls.Count);
        Assert.NotNull(await _db.Store.GetNextOutboxDueAsync(Ct));
    }

    [Fact]
    public async Task After_the_retry_budget_the_bot_gets_message_failed()
    {
        var h = await CreateAsync();
        await DrainAsync();
        await EnqueueAsync(h, "m1", "one");
        for (var i = 0; i < 3; i++)
        {
            _adapter.Script.Enqueue(DeliveryResult.Transient("503"));
        }

        for (var i = 0; i < 4; i++)
        {
            await DrainAsync();
            _time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.Equal(3, _adapter.Calls.Count(c => c == "message:m1"));
        var failed = (await _db.Store.GetEventsAsync(h.Id, 0, 10, Ct)).Single(e => e.Type == EventTypes.MessageFailed);
        Assert.Contains("m1", failed.DataJson);
        Assert.Contains("gave up after 3 attempts", failed.DataJson);
    }

    [Fact]
    public async Task Permanent_start_failure_fails_the_handoff()
    {
        var h = await CreateAsync();
        _adapter.Script.Enqueue(DeliveryResult.Permanent("integration not found"));

        await DrainAsync();

        var stored = await _db.Store.GetAsync(h.Id, Ct);
        Assert.Equal(HandoffStatus.Failed, stored!.Status);
        Assert.Equal("integration not found", stored.EndReason);
        Assert.Contains(await _db.Store.GetEventsAsync(h.Id, 0, 10, Ct), e => e.Type == EventTypes.Failed);
    }

    [Fact]
    public async Task Messages_sent_before_the_user_ended_still_go_out_before_the_end()
    {
        var h = await CreateAsync();
        await EnqueueAsync(h, "m1", "bye");
        await _db.Store.UpdateAsync(h.Id, x =>
        {
            var t = HandoffTransitions.End(x, EndedBy.User, "done", _time.GetUtcNow());
            return new HandoffUpdate(t, new OutboxItem { HandoffId = x.Id, Kind = OutboxKind.End, CreatedAt = _time.GetUtcNow(), NextAttemptAt = _time.GetUtcNow() });
        }, null, Ct);

        await DrainAsync();

        Assert.Equal(["start", "message:m1", "end"], _adapter.Calls);
    }

    [Fact]
    public async Task Messages_pending_when_the_agent_ended_fail_instead_of_reopening()
    {
        var h = await CreateAsync();
        await DrainAsync();
        await EnqueueAsync(h, "m1", "are you there?");
        await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.End(x, EndedBy.Agent, null, _time.GetUtcNow())), null, Ct);

        await DrainAsync();

        Assert.DoesNotContain("message:m1", _adapter.Calls);
        Assert.Contains(await _db.Store.GetEventsAsync(h.Id, 0, 10, Ct), e => e.Type == EventTypes.MessageFailed && e.DataJson.Contains("m1"));
    }

    [Fact]
    public async Task An_adapter_exception_is_a_transient_failure_not_a_crash()
    {
        var h = await CreateAsync();
        _adapter.Throw = true;

        await DrainAsync();
        var stored = await _db.Store.GetAsync(h.Id, Ct);

        Assert.Equal(HandoffStatus.Queued, stored!.Status);
        Assert.NotNull(await _db.Store.GetNextOutboxDueAsync(Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Message_text_is_on_the_relay_span_only_when_capture_is_turned_on(bool capture)
    {
        _telemetry.CurrentValue.CaptureMessageText = capture;
        // Other test classes run in parallel and their spans reach this listener too, from their own threads.
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HandoffMetrics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var h = await CreateAsync();
        await DrainAsync();
        await EnqueueAsync(h, "m-secret", "my PIN is 1234");

        await DrainAsync();

        var relay = Assert.Single(spans, a => a.DisplayName == "handoff relay message" && (string?)a.GetTagItem("handoff.id") == h.Id);
        Assert.Equal("m-secret", relay.GetTagItem("handoff.message.id"));
        Assert.Equal(capture ? "my PIN is 1234" : null, relay.GetTagItem("handoff.message.text"));
    }

    private sealed class ScriptedAdapter : IChannelAdapter
    {
        public List<string> Calls { get; } = [];
        public Queue<DeliveryResult> Script { get; } = new();
        public bool Throw { get; set; }
        public string Channel => "fake";
        public IReadOnlyCollection<string> Queues => ["Support", "Sales"];

        private DeliveryResult Next(string call)
        {
            Calls.Add(call);
            if (Throw)
            {
                throw new HttpRequestException("connection refused");
            }

            return Script.TryDequeue(out var result) ? result : DeliveryResult.Ok();
        }

        public Task<DeliveryResult> StartAsync(ChannelHandoff handoff, CancellationToken cancellationToken)
        {
            var result = Next("start");
            return Task.FromResult(result.Outcome == DeliveryOutcome.Delivered
                ? DeliveryResult.Ok(new Dictionary<string, string> { ["conversationId"] = "conv-1" })
                : result);
        }

        public Task<DeliveryResult> SendMessageAsync(ChannelHandoff handoff, ChannelMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(Next($"message:{message.Id}"));

        public Task<DeliveryResult> SendTypingAsync(ChannelHandoff handoff, CancellationToken cancellationToken) => Task.FromResult(Next("typing"));

        public Task<DeliveryResult> EndAsync(ChannelHandoff handoff, string? reason, CancellationToken cancellationToken) => Task.FromResult(Next("end"));
    }
}
