using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>Outbound webhooks (fact sheet §4, §5): shapes, signature, receipts, trace propagation, ordering.</summary>
public sealed class WebhookTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Support = GenesysEmulatorFixture.SupportIntegrationId;

    [Fact]
    public async Task An_agent_message_reaches_the_webhook_in_the_exact_Genesys_shape_with_a_valid_signature()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await StartConversationAsync(api);

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "Hi Maria, I'm Ana. How can I help?");

        var request = await recorder.WaitForRequestAsync(r => IdOf(r) == sent.Id);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/webhook", request.Path);
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal(Signatures.Expected(request.Body), request.Header("X-Hub-Signature-256"));

        var body = request.Json();
        Assert.Equal(
            ["channel", "conversationId", "direction", "id", "originatingEntity", "text", "type"],
            GenesysAssert.PropertyNames(body));
        Assert.Equal(sent.Id, body.GetProperty("id").GetString());
        Assert.Equal("Text", body.GetProperty("type").GetString());
        Assert.Equal("Hi Maria, I'm Ana. How can I help?", body.GetProperty("text").GetString());
        Assert.Equal("Human", body.GetProperty("originatingEntity").GetString());
        Assert.Equal("Outbound", body.GetProperty("direction").GetString());
        Assert.Equal(conversationId, body.GetProperty("conversationId").GetString());
        AssertEnvelope(body.GetProperty("channel"), userId, expectedMessageId: sent.Id);
    }

    [Fact]
    public async Task Agent_typing_reaches_the_webhook_as_an_Event_without_text()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await StartConversationAsync(api);

        var eventId = await emulator.Control.SendAgentTypingAsync(conversationId);

        var request = await recorder.WaitForRequestAsync(r => IdOf(r) == eventId);
        Assert.Equal(Signatures.Expected(request.Body), request.Header("X-Hub-Signature-256"));
        var body = request.Json();
        Assert.Equal("Event", body.GetProperty("type").GetString());
        Assert.Equal("Outbound", body.GetProperty("direction").GetString());
        Assert.False(body.TryGetProperty("text", out _));
        var typingEvent = Assert.Single(body.GetProperty("events").EnumerateArray());
        Assert.Equal("Typing", typingEvent.GetProperty("eventType").GetString());
        Assert.Equal("On", typingEvent.GetProperty("typing").GetProperty("type").GetString());
        Assert.Equal(5000, typingEvent.GetProperty("typing").GetProperty("duration").GetInt32());
        AssertEnvelope(body.GetProperty("channel"), userId, expectedMessageId: eventId);
    }

    [Fact]
    public async Task An_inbound_message_is_answered_by_a_Delivered_receipt_carrying_the_client_messageId()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();
        var clientMessageId = Bodies.NewMessageId();

        var inbound = await api.SendMessageAsync(
            Support, Bodies.Message(userId, messageId: clientMessageId), prefetchConversationId: true);

        var genesysId = inbound.GetProperty("id").GetString();
        var request = await recorder.WaitForRequestAsync(r => IdOf(r) == genesysId);
        Assert.Equal(Signatures.Expected(request.Body), request.Header("X-Hub-Signature-256"));
        var body = request.Json();
        Assert.Equal("Receipt", body.GetProperty("type").GetString());
        Assert.Equal("Delivered", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("isFinalReceipt").GetBoolean());
        Assert.Equal("Outbound", body.GetProperty("direction").GetString());
        Assert.Equal(inbound.GetProperty("conversationId").GetString(), body.GetProperty("conversationId").GetString());
        Assert.False(body.TryGetProperty("text", out _));
        AssertEnvelope(body.GetProperty("channel"), userId, expectedMessageId: clientMessageId);

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(genesysId!);
        Assert.Equal("Receipt", delivery.Type);
        var conversation = await emulator.Control.GetConversationAsync(delivery.ConversationId);
        Assert.Equal(WebhookDelivery.Delivered, conversation!.Messages.Single().WebhookStatus);
    }

    [Fact]
    public async Task The_webhook_carries_a_traceparent_in_the_trace_of_the_request_that_caused_it()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await StartConversationAsync(api);
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpanId = ActivitySpanId.CreateRandom();

        // The caller's trace: HttpClient propagates Activity.Current as traceparent (a hand-set header would be replaced).
        JsonElement sent;
        using (var caller = new Activity("test-caller"))
        {
            caller.SetParentId(traceId, callerSpanId, ActivityTraceFlags.Recorded);
            caller.Start();
            using var http = emulator.CreateClient();
            using var response = await http.PostAsJsonAsync($"emulator/conversations/{conversationId}/agent-messages", new { text = "traced" });
            response.EnsureSuccessStatusCode();
            sent = await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        var webhook = await recorder.WaitForRequestAsync(r => IdOf(r) == sent.GetProperty("id").GetString());
        var traceparent = webhook.Header("traceparent");
        Assert.NotNull(traceparent);
        var parts = traceparent.Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal(traceId.ToHexString(), parts[1]);
        Assert.NotEqual(callerSpanId.ToHexString(), parts[2]);
    }

    [Fact]
    public async Task Without_a_secret_webhooks_are_not_signed()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        var integrationId = Guid.NewGuid().ToString();
        await emulator.Control.PutIntegrationAsync(integrationId, "Unsigned", recorder.Url, webhookSecret: null);
        using var api = await GenesysApi.ConnectAsync(emulator);

        var inbound = await api.SendMessageAsync(integrationId, Bodies.Message(Bodies.NewUserId()));

        var request = await recorder.WaitForRequestAsync(r => IdOf(r) == inbound.GetProperty("id").GetString());
        Assert.Null(request.Header("X-Hub-Signature-256"));
        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(inbound.GetProperty("id").GetString()!);
        Assert.Null(delivery.Signature);
    }

    [Fact]
    public async Task Without_a_webhook_url_the_delivery_is_recorded_as_skipped()
    {
        var integrationId = Guid.NewGuid().ToString();
        await emulator.Control.PutIntegrationAsync(integrationId, "No webhook", webhookUrl: null, GenesysEmulatorFixture.WebhookSecret);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var inbound = await api.SendMessageAsync(integrationId, Bodies.Message(Bodies.NewUserId()), prefetchConversationId: true);

        var agentMessage = await emulator.Control.SendAgentMessageAsync(inbound.GetProperty("conversationId").GetString()!, "hello?");

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(agentMessage.Id);
        Assert.Equal(WebhookDelivery.Skipped, delivery.Outcome);
        Assert.Equal(0, delivery.Attempts);
        Assert.Null(delivery.LastStatusCode);
    }

    [Fact]
    public async Task A_delivery_is_logged_with_the_exact_body_and_signature_sent()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await StartConversationAsync(api);
        var stats = await emulator.Control.GetStatsAsync();

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "logged");

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(sent.Id);
        var request = await recorder.WaitForRequestAsync(r => IdOf(r) == sent.Id);
        Assert.Equal(WebhookDelivery.Delivered, delivery.Outcome);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal(200, delivery.LastStatusCode);
        Assert.Equal("Text", delivery.Type);
        Assert.Equal(conversationId, delivery.ConversationId);
        Assert.Equal(Support, delivery.IntegrationId);
        Assert.Equal(recorder.Url.ToString(), delivery.Url);
        Assert.Equal(request.BodyText, delivery.Body);
        Assert.Equal(request.Header("X-Hub-Signature-256"), delivery.Signature);
        var after = await emulator.Control.GetStatsAsync();
        Assert.True(after.WebhookDeliveries >= stats.WebhookDeliveries + 1);
        Assert.True(after.WebhookAttempts >= stats.WebhookAttempts + 1);
    }

    [Fact]
    public async Task Deliveries_for_one_conversation_go_out_in_order()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await StartConversationAsync(api);
        // The first agent message is answered slowly and with a retry; the rest must still queue behind it.
        recorder.RespondWith(System.Net.HttpStatusCode.ServiceUnavailable, times: 1, delay: TimeSpan.FromMilliseconds(150));

        var texts = Enumerable.Range(1, 5).Select(i => $"message {i}").ToList();
        foreach (var text in texts)
        {
            await emulator.Control.SendAgentMessageAsync(conversationId, text);
        }

        var received = await recorder.WaitForRequestsAsync(6, r => TypeOf(r) == "Text");
        var delivered = received.Where(r => r.ResponseStatus == 200).Select(r => r.Json().GetProperty("text").GetString());
        Assert.Equal(texts, delivered);
    }

    private static void AssertEnvelope(JsonElement channel, string userId, string expectedMessageId)
    {
        Assert.Equal(
            ["from", "id", "messageId", "platform", "time", "to", "type"],
            GenesysAssert.PropertyNames(channel));
        Assert.Equal(Support, channel.GetProperty("id").GetString());
        Assert.Equal("Open", channel.GetProperty("platform").GetString());
        Assert.Equal("Private", channel.GetProperty("type").GetString());
        Assert.Equal(expectedMessageId, channel.GetProperty("messageId").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", channel.GetProperty("time").GetString());
        var to = channel.GetProperty("to");
        Assert.Equal(userId, to.GetProperty("id").GetString());
        Assert.Equal("Opaque", to.GetProperty("idType").GetString());
        var from = channel.GetProperty("from");
        Assert.Equal(Support, from.GetProperty("id").GetString());
        Assert.Equal("Opaque", from.GetProperty("idType").GetString());
        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationName, from.GetProperty("nickname").GetString());
    }

    private static string? IdOf(RecordedRequest request) => request.Json().GetProperty("id").GetString();

    private static string? TypeOf(RecordedRequest request) => request.Json().GetProperty("type").GetString();

    private async Task<(string UserId, string ConversationId)> StartConversationAsync(GenesysApi api)
    {
        var userId = Bodies.NewUserId();
        var message = await api.SendMessageAsync(Support, Bodies.Message(userId), prefetchConversationId: true);
        // Let the inbound message's receipt webhook finish so it cannot consume a planned response.
        await emulator.Control.WaitForWebhookDeliveryAsync(message.GetProperty("id").GetString()!);
        return (userId, message.GetProperty("conversationId").GetString()!);
    }
}
