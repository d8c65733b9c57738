using System.Net;
using System.Text.Json;
using Handoff.Channels.Genesys.Notifications;
using Handoff.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>
/// Issue #3 in the adapter and the decision behind it, through the real DI wiring with stubbed Genesys answers: ending from
/// the user side, receipts, attachments, queue availability, and what the participants say after an agent left.
/// </summary>
public sealed class GenesysEndingAndFeedbackTests
{
    private const string ConversationId = "5d0d331e-0000-4fb5-96f7-7021bef2a8ee";
    private const string QueueId = "c2d4e6f8-0a1b-4c3d-9e5f-6a7b8c9d0e1f";

    private static CancellationToken Ct => CancellationToken.None;

    private static ChannelHandoff Started(string id = "h-1") => TestData.Handoff(id: id, state: new Dictionary<string, string>
    {
        [GenesysAdapter.IntegrationIdStateKey] = TestData.SupportIntegrationId,
        [GenesysAdapter.ConversationIdStateKey] = ConversationId,
    });

    private static HttpResponseMessage Conversation(params string[] participants) =>
        StubHttpHandler.Json(HttpStatusCode.OK, $$"""{ "id": "{{ConversationId}}", "participants": [ {{string.Join(',', participants)}} ] }""");

    private const string CustomerOn = """{ "id": "cust-1", "purpose": "customer", "state": "connected", "startTime": "2025-03-01T14:05:09Z" }""";
    private const string AgentOn = """{ "id": "agent-1", "purpose": "agent", "state": "connected", "startTime": "2025-03-01T14:05:45Z", "connectedTime": "2025-03-01T14:05:51Z", "user": { "id": "u-ana", "name": "Ana Gómez" } }""";

    [Fact]
    public async Task Ending_disconnects_the_customer_participant_and_stops_watching()
    {
        await using var genesys = new StubbedGenesys(api: r => r.Method == HttpMethod.Get
            ? Conversation(CustomerOn, AgentOn)
            : new HttpResponseMessage(HttpStatusCode.Accepted));
        var registry = genesys.Services.GetRequiredService<GenesysConversationRegistry>();
        registry.Watch("h-1", ConversationId);

        var result = await genesys.Adapter.EndAsync(Started(), "resolved", Ct);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        var patch = genesys.Api.Requests.Single(r => r.Method == HttpMethod.Patch);
        Assert.Equal($"https://api.mypurecloud.ie/api/v2/conversations/messages/{ConversationId}/participants/cust-1", patch.Uri.ToString());
        Assert.Equal("""{"state":"disconnected"}""", patch.Body);
        Assert.Null(registry.Find(ConversationId));
    }

    [Fact]
    public async Task Ending_a_conversation_that_is_already_over_or_gone_calls_no_disconnect()
    {
        var customerGone = """{ "id": "cust-1", "purpose": "customer", "state": "disconnected", "startTime": "2025-03-01T14:05:09Z" }""";
        await using var over = new StubbedGenesys(api: _ => Conversation(customerGone));
        await using var gone = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.NotFound, """{ "message": "not found" }"""));

        Assert.Equal(DeliveryOutcome.Delivered, (await over.Adapter.EndAsync(Started(), null, Ct)).Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, (await gone.Adapter.EndAsync(Started(), null, Ct)).Outcome);
        Assert.DoesNotContain(over.Api.Requests, r => r.Method == HttpMethod.Patch);
        Assert.DoesNotContain(gone.Api.Requests, r => r.Method == HttpMethod.Patch);
    }

    [Fact]
    public async Task A_missing_disconnect_permission_is_a_permanent_failure_naming_it()
    {
        await using var genesys = new StubbedGenesys(api: r => r.Method == HttpMethod.Get
            ? Conversation(CustomerOn)
            : StubHttpHandler.Json(HttpStatusCode.Forbidden, """{ "message": "forbidden" }"""));

        var result = await genesys.Adapter.EndAsync(Started(), null, Ct);

        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.Contains("conversation:communication:disconnect", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, null, "Delivered", null)]
    [InlineData(false, ReceiptFailure.Undeliverable, "Failed", "GeneralError")]
    [InlineData(false, ReceiptFailure.Refused, "Failed", "RecipientOptedOut")]
    public async Task Receipts_for_agent_messages_post_delivered_or_failed_with_a_reason_code(bool delivered, ReceiptFailure? failure, string status, string? code)
    {
        await using var genesys = new StubbedGenesys();

        var result = await genesys.Adapter.SendReceiptAsync(Started(),
            new ChannelReceipt("9a8b7c6d5e4f3a2b", delivered, failure, delivered ? null : "the bot platform did not take it", genesys.Time.GetUtcNow()), Ct);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        var request = Assert.Single(genesys.Api.Requests);
        Assert.EndsWith($"/api/v2/conversations/messages/{TestData.SupportIntegrationId}/inbound/open/receipt", request.Uri.AbsolutePath, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("9a8b7c6d5e4f3a2b", body.RootElement.GetProperty("id").GetString());
        Assert.Equal(status, body.RootElement.GetProperty("status").GetString());
        Assert.Equal("Outbound", body.RootElement.GetProperty("direction").GetString());
        Assert.True(body.RootElement.GetProperty("isFinalReceipt").GetBoolean());
        Assert.Equal("h-1", body.RootElement.GetProperty("channel").GetProperty("to").GetProperty("id").GetString());
        if (code is null)
        {
            Assert.False(body.RootElement.TryGetProperty("reasons", out _));
        }
        else
        {
            Assert.Equal(code, body.RootElement.GetProperty("reasons")[0].GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task User_attachments_go_out_as_content_items_and_text_may_be_left_out()
    {
        await using var genesys = new StubbedGenesys();
        var message = new ChannelMessage("m-1", "", genesys.Time.GetUtcNow())
        {
            Attachments =
            [
                new ChannelAttachment("https://files.example.org/r/abc.png", "image", "image/png", "abc.png"),
                new ChannelAttachment("https://files.example.org/r/doc", null, null, null),
            ],
        };

        var result = await genesys.Adapter.SendMessageAsync(Started(), message, Ct);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        using var body = JsonDocument.Parse(Assert.Single(genesys.Api.Requests).Body);
        Assert.False(body.RootElement.TryGetProperty("text", out _));
        var content = body.RootElement.GetProperty("content");
        Assert.Equal("Attachment", content[0].GetProperty("contentType").GetString());
        var first = content[0].GetProperty("attachment");
        Assert.Equal("Image", first.GetProperty("mediaType").GetString());
        Assert.Equal("https://files.example.org/r/abc.png", first.GetProperty("url").GetString());
        Assert.Equal("image/png", first.GetProperty("mime").GetString());
        Assert.Equal("abc.png", first.GetProperty("filename").GetString());
        Assert.Equal("File", content[1].GetProperty("attachment").GetProperty("mediaType").GetString());
    }

    [Fact]
    public async Task Queue_availability_needs_a_queue_id_and_names_the_key()
    {
        await using var genesys = new StubbedGenesys();

        var result = await genesys.Adapter.GetQueueAvailabilityAsync("Support", Ct);

        Assert.Equal(QueueAvailabilityStatus.NotConfigured, result.Status);
        Assert.Contains("Channels:Genesys:Queues:Support:QueueId", result.Reason, StringComparison.Ordinal);
        Assert.Empty(genesys.Api.Requests);
    }

    [Fact]
    public async Task Queue_availability_combines_the_wait_estimate_and_the_on_queue_agents()
    {
        await using var genesys = new StubbedGenesys(
            api: r => r.Uri.AbsolutePath.EndsWith("/estimatedwaittime", StringComparison.Ordinal)
                ? StubHttpHandler.Json(HttpStatusCode.OK, """{ "results": [ { "intent": "CALL", "formula": "BEST", "estimatedWaitTimeSeconds": 900 }, { "intent": "MESSAGE", "formula": "BEST", "estimatedWaitTimeSeconds": 140 } ] }""")
                : StubHttpHandler.Json(HttpStatusCode.OK, """
                    { "results": [ { "group": { "queueId": "q", "mediaType": "message" }, "data": [
                        { "metric": "oOnQueueUsers", "qualifier": "IDLE", "stats": { "count": 2 } },
                        { "metric": "oOnQueueUsers", "qualifier": "INTERACTING", "stats": { "count": 5 } },
                        { "metric": "oWaiting", "stats": { "count": 3 } } ] } ] }
                    """),
            configure: s => s["Channels:Genesys:Queues:Support:QueueId"] = QueueId);

        var result = await genesys.Adapter.GetQueueAvailabilityAsync("support", Ct);

        Assert.Equal(QueueAvailabilityStatus.Available, result.Status);
        Assert.Equal(new QueueAvailability(7, 2, 140), result.Availability);
        var query = genesys.Api.Requests.Single(r => r.Method == HttpMethod.Post);
        Assert.EndsWith("/api/v2/analytics/queues/observations/query", query.Uri.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains(QueueId, query.Body, StringComparison.Ordinal);
        Assert.Contains("oOnQueueUsers", query.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_availability_explains_a_missing_permission()
    {
        await using var genesys = new StubbedGenesys(
            api: _ => StubHttpHandler.Json(HttpStatusCode.Forbidden, """{ "message": "forbidden" }"""),
            configure: s => s["Channels:Genesys:Queues:Support:QueueId"] = QueueId);

        var result = await genesys.Adapter.GetQueueAvailabilityAsync("Support", Ct);

        Assert.Equal(QueueAvailabilityStatus.Unavailable, result.Status);
        Assert.Contains("routing:queue:view", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transfer_reaches_the_inbox_with_both_agents_names_once_the_conversation_settled()
    {
        var agentGone = """{ "id": "agent-1", "purpose": "agent", "state": "disconnected", "disconnectType": "transfer", "startTime": "2025-03-01T14:05:45Z", "connectedTime": "2025-03-01T14:05:51Z", "user": { "id": "u-ana", "name": "Ana Gómez" } }""";
        var next = """{ "id": "agent-2", "purpose": "agent", "state": "alerting", "startTime": "2025-03-01T14:09:00Z", "startAlertingTime": "2025-03-01T14:09:00Z", "user": { "id": "u-bruno" } }""";
        await using var genesys = new StubbedGenesys(api: r => r.Uri.AbsolutePath.EndsWith("/users/u-bruno", StringComparison.Ordinal)
            ? StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "u-bruno", "name": "Bruno Costa" }""")
            : Conversation(CustomerOn, agentGone, next));
        var (monitor, registry) = Monitor(genesys);
        registry.Watch("h-1", ConversationId);

        Assert.True(await monitor.EvaluateAsync(ConversationId, Ct));

        var inbound = Assert.Single(genesys.Inbox.Received);
        Assert.Equal(InboundKind.AgentTransferred, inbound.Kind);
        Assert.Equal("h-1", inbound.HandoffId);
        Assert.Equal("Ana Gómez", inbound.PreviousAgentDisplayName);
        Assert.Equal("Bruno Costa", inbound.AgentDisplayName);
        Assert.Equal("transfer", inbound.Reason);
        Assert.Equal($"genesys-transfer:{ConversationId}:agent-1:agent-2", inbound.ExternalId);
        Assert.NotNull(registry.Find(ConversationId)); // still open: still watched
    }

    [Fact]
    public async Task An_agent_ending_reaches_the_inbox_and_the_conversation_is_no_longer_watched()
    {
        var agentEnded = """{ "id": "agent-1", "purpose": "agent", "state": "disconnected", "disconnectType": "client", "startTime": "2025-03-01T14:05:45Z", "connectedTime": "2025-03-01T14:05:51Z" }""";
        var customerGone = """{ "id": "cust-1", "purpose": "customer", "state": "disconnected", "disconnectType": "peer", "startTime": "2025-03-01T14:05:09Z" }""";
        await using var genesys = new StubbedGenesys(api: _ => Conversation(customerGone, agentEnded));
        var (monitor, registry) = Monitor(genesys);
        registry.Watch("h-1", ConversationId);

        await monitor.EvaluateAsync(ConversationId, Ct);

        var inbound = Assert.Single(genesys.Inbox.Received);
        Assert.Equal(InboundKind.AgentEnded, inbound.Kind);
        Assert.Equal($"genesys-end:{ConversationId}", inbound.ExternalId);
        Assert.Null(registry.Find(ConversationId));
    }

    [Fact]
    public async Task A_conversation_genesys_cannot_be_asked_about_is_retried_and_one_it_refuses_is_dropped()
    {
        await using var down = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.BadGateway, "{}"));
        var (downMonitor, downRegistry) = Monitor(down);
        downRegistry.Watch("h-1", ConversationId);
        await using var refused = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.NotFound, "{}"));
        var (refusedMonitor, refusedRegistry) = Monitor(refused);
        refusedRegistry.Watch("h-1", ConversationId);

        Assert.False(await downMonitor.EvaluateAsync(ConversationId, Ct));
        Assert.True(await refusedMonitor.EvaluateAsync(ConversationId, Ct));

        Assert.NotNull(downRegistry.Find(ConversationId));
        Assert.Null(refusedRegistry.Find(ConversationId));
        Assert.Empty(down.Inbox.Received);
        Assert.Empty(refused.Inbox.Received);
    }

    [Fact]
    public async Task After_a_restart_the_active_handoffs_are_watched_again_and_ended_ones_dropped()
    {
        await using var genesys = new StubbedGenesys();
        var (monitor, registry) = Monitor(genesys);
        genesys.Directory.Add(Started("h-active"));
        genesys.Directory.Add(TestData.Handoff(id: "h-no-conversation-yet"));
        registry.Watch("h-ended", "conv-ended");
        genesys.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, await monitor.ResyncAsync(Ct));

        Assert.Equal("h-active", registry.Find(ConversationId)!.HandoffId);
        Assert.Null(registry.Find("conv-ended"));
        Assert.Equal(1, registry.Count);
    }

    [Fact]
    public async Task A_trigger_for_a_conversation_started_elsewhere_is_found_through_the_directory()
    {
        await using var genesys = new StubbedGenesys();
        var (monitor, registry) = Monitor(genesys);
        genesys.Directory.Add(Started("h-other-replica"));

        Assert.True(await monitor.NotifyAsync(ConversationId, Ct));
        Assert.False(await monitor.NotifyAsync("conv-nobody-knows", Ct));

        Assert.Equal(1, monitor.Pending);
        Assert.Equal("h-other-replica", registry.Find(ConversationId)!.HandoffId);
    }

    [Fact]
    public async Task Waiting_estimates_go_to_queued_handoffs_of_queues_with_a_queue_id()
    {
        await using var genesys = new StubbedGenesys(
            api: _ => StubHttpHandler.Json(HttpStatusCode.OK, """{ "results": [ { "intent": "MESSAGE", "formula": "BEST", "estimatedWaitTimeSeconds": 95.4 } ] }"""),
            configure: s => s["Channels:Genesys:Queues:Support:QueueId"] = QueueId);
        genesys.Directory.Add(TestData.Handoff(id: "h-queued"));
        genesys.Directory.Add(TestData.Handoff(id: "h-connected"), ChannelHandoffStatus.Connected);
        genesys.Directory.Add(TestData.Handoff(id: "h-sales", queue: "Sales")); // no QueueId configured
        var reporter = genesys.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<GenesysWaitingReporter>().Single();

        Assert.Equal(1, await reporter.ReportAsync(Ct));

        var inbound = Assert.Single(genesys.Inbox.Received);
        Assert.Equal(("h-queued", InboundKind.Waiting, 95), (inbound.HandoffId, inbound.Kind, inbound.EstimatedWaitSeconds));
        Assert.Single(genesys.Api.Requests); // one estimate per queue
    }

    [Fact]
    public async Task Waiting_estimates_are_asked_for_only_by_the_process_holding_the_dispatch_lock()
    {
        // A replica standing by would otherwise tell the bot every estimate a second time.
        var dispatchLock = new GatedDispatchLock();
        await using var genesys = new StubbedGenesys(
            api: _ => StubHttpHandler.Json(HttpStatusCode.OK, """{ "results": [ { "intent": "MESSAGE", "formula": "BEST", "estimatedWaitTimeSeconds": 30 } ] }"""),
            configure: s => s["Channels:Genesys:Queues:Support:QueueId"] = QueueId,
            services: s => s.AddSingleton<IDispatchLock>(dispatchLock));
        genesys.Directory.Add(TestData.Handoff(id: "h-queued"));
        var reporter = genesys.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<GenesysWaitingReporter>().Single();
        var interval = genesys.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GenesysOptions>>().Value.WaitingInterval;
        await reporter.StartAsync(Ct);
        try
        {
            await dispatchLock.StandByThenTakeAsync(
                () => genesys.Time.Advance(interval),
                () =>
                {
                    Assert.Empty(genesys.Inbox.Received);
                    Assert.Empty(genesys.Api.Requests);
                    return Task.CompletedTask;
                },
                () => Task.FromResult(genesys.Inbox.Received.Count > 0),
                "No estimate after the lock was taken.");

            Assert.Equal(("h-queued", InboundKind.Waiting, 30), (genesys.Inbox.Received[0].HandoffId, genesys.Inbox.Received[0].Kind, genesys.Inbox.Received[0].EstimatedWaitSeconds));
        }
        finally
        {
            await reporter.StopAsync(Ct);
        }
    }

    private static (GenesysConversationMonitor Monitor, GenesysConversationRegistry Registry) Monitor(StubbedGenesys genesys) =>
        (genesys.Services.GetRequiredService<GenesysConversationMonitor>(), genesys.Services.GetRequiredService<GenesysConversationRegistry>());
}
