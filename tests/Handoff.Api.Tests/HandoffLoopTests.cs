using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>
/// The whole loop over real HTTP: bot → Handoff API → Genesys emulator (OAuth, inbound open messages) → agent →
/// signed webhook → Handoff API → bot (JSON feed and SSE).
/// </summary>
public sealed class HandoffLoopTests(ApiStack stack) : IClassFixture<ApiStack>
{
    private readonly HttpClient _client = stack.CreateClient();
    private EmulatorControlClient Agent => stack.Emulator.Control;

    private async Task<(string HandoffId, EmulatorConversation Conversation)> StartAsync(string queue = "Support")
    {
        var created = await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff(queue: queue))).ReadNodeAsync();
        var id = (string)created["id"]!;
        var conversation = await Agent.WaitForConversationAsync(c => c.UserId == id, TimeSpan.FromSeconds(20));
        return (id, conversation);
    }

    [Fact]
    public async Task Starting_a_handoff_opens_a_conversation_with_transcript_and_attributes()
    {
        var (id, conversation) = await StartAsync();

        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationId, conversation.IntegrationId);
        Assert.Equal("A-1001", conversation.CustomAttributes["orderId"]);
        Assert.Equal(id, conversation.CustomAttributes["handoffId"]);
        var first = Assert.Single(conversation.Messages);
        Assert.Equal("inbound", first.Direction);
        Assert.Contains("My order never arrived", first.Text);
        Assert.Contains("Let me get you a person", first.Text);

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.queued");
        Assert.Equal("Support", (string)events.OfType("handoff.queued").Single()["data"]!["queue"]!);
    }

    [Fact]
    public async Task Queues_route_to_their_own_integrations()
    {
        var (_, conversation) = await StartAsync("Sales");

        Assert.Equal(GenesysEmulatorFixture.SalesIntegrationId, conversation.IntegrationId);
    }

    [Fact]
    public async Task Agent_reply_reaches_the_bot_and_connects_the_handoff()
    {
        var (id, conversation) = await StartAsync();

        await Agent.SendAgentMessageAsync(conversation.Id, "Hi Maria, I'm Ana. How can I help?");

        var events = await Events.WaitForTypeAsync(_client, id, "agent.message");
        var message = events.OfType("agent.message").Single()["data"]!;
        Assert.Equal("Hi Maria, I'm Ana. How can I help?", (string)message["text"]!);
        // Issue #3: the agent's real name (message details), not the integration name, when the lookup works.
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, (string)message["agent"]!["displayName"]!);
        Assert.False(string.IsNullOrEmpty((string)message["messageId"]!));
        Assert.Single(events.OfType("handoff.connected"));

        var handoff = await (await _client.GetAsync($"/v1/handoffs/{id}")).ReadNodeAsync();
        Assert.Equal("connected", (string)handoff["status"]!);
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, (string)handoff["agent"]!["displayName"]!);
    }

    [Fact]
    public async Task User_messages_reach_the_agent_in_order_and_receipts_come_back()
    {
        var (id, conversation) = await StartAsync();

        for (var i = 1; i <= 5; i++)
        {
            var accepted = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = $"{id}-m{i}", text = $"message {i}" });
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        var seen = await Agent.WaitForConversationAsync(c => c.Id == conversation.Id && c.Messages.Count(m => m.Direction == "inbound") == 6, TimeSpan.FromSeconds(20));
        Assert.Equal(
            ["message 1", "message 2", "message 3", "message 4", "message 5"],
            seen.Messages.Where(m => m.Direction == "inbound").Skip(1).Select(m => m.Text));

        var events = await Events.WaitForTypeAsync(_client, id, "message.delivered", count: 5);
        Assert.Equal(
            Enumerable.Range(1, 5).Select(i => $"{id}-m{i}"),
            events.OfType("message.delivered").Select(e => (string)e["data"]!["messageId"]!).Order());
    }

    [Fact]
    public async Task A_client_message_id_sent_twice_is_relayed_once()
    {
        var (id, conversation) = await StartAsync();

        var a = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = "dup-1", text = "only once" });
        var b = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = "dup-1", text = "only once" });
        await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = "after", text = "marker" });

        Assert.Equal(HttpStatusCode.Accepted, a.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, b.StatusCode);
        var seen = await Agent.WaitForConversationAsync(c => c.Id == conversation.Id && c.Messages.Any(m => m.Text == "marker"), TimeSpan.FromSeconds(20));
        Assert.Single(seen.Messages, m => m.Text == "only once");
    }

    [Fact]
    public async Task Typing_travels_both_ways()
    {
        var (id, conversation) = await StartAsync();

        await Agent.SendAgentTypingAsync(conversation.Id);
        var events = await Events.WaitForTypeAsync(_client, id, "agent.typing");
        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationName, (string)events.OfType("agent.typing").Single()["data"]!["agent"]!["displayName"]!);

        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostAsync($"/v1/handoffs/{id}/typing", null)).StatusCode);
        var stats = await WaitAsync(async () => (await Agent.GetStatsAsync()).InboundEvents > 0);
        Assert.True(stats);
    }

    [Fact]
    public async Task Server_sent_events_stream_the_agent_reply_and_resume_after_last_event_id()
    {
        var (id, conversation) = await StartAsync();
        await Events.WaitForTypeAsync(_client, id, "handoff.queued");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/handoffs/{id}/events");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        await Agent.SendAgentMessageAsync(conversation.Id, "streamed hello");

        var frames = await ReadFramesUntilAsync(reader, f => f.Event == "agent.message", TimeSpan.FromSeconds(20));
        var queued = frames.First(f => f.Event == "handoff.queued");
        var message = frames.Last();
        Assert.Contains("streamed hello", message.Data);
        Assert.True(long.Parse(message.Id!) > long.Parse(queued.Id!));

        // Reconnect with Last-Event-ID = the queued event: replay starts right after it.
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v1/handoffs/{id}/events");
        resume.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        resume.Headers.Add("Last-Event-ID", queued.Id);
        using var resumed = await _client.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead);
        using var resumedReader = new StreamReader(await resumed.Content.ReadAsStreamAsync());
        var replay = await ReadFramesUntilAsync(resumedReader, f => f.Event == "agent.message", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(replay, f => f.Event == "handoff.queued");
    }

    [Fact]
    public async Task A_forged_webhook_is_refused_and_relays_nothing()
    {
        var (id, _) = await StartAsync();
        var body = $$$"""{"id":"forged-1","channel":{"id":"{{{GenesysEmulatorFixture.SupportIntegrationId}}}","platform":"Open","type":"Private","messageId":"forged-1","time":"2026-11-25T10:00:00.000Z","to":{"id":"{{{id}}}","idType":"Opaque"},"from":{"id":"x","idType":"Opaque","nickname":"Mallory"}},"type":"Text","text":"send me your password","direction":"Outbound","originatingEntity":"Human"}""";
        using var anonymous = stack.CreateClient(apiKey: null);

        var unsigned = await anonymous.PostRawAsync("/channels/genesys/webhook", body);
        var wrongSecret = await GenesysWebhook.PostSignedAsync(anonymous, body, "a-different-secret-0123456789");
        var altered = await GenesysWebhook.PostSignedAsync(anonymous, body, GenesysEmulatorFixture.WebhookSecret, tamper: true);
        var hex = await GenesysWebhook.PostSignedAsync(anonymous, body, GenesysEmulatorFixture.WebhookSecret, hexDigest: true);

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, altered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, hex.StatusCode);
        var events = (await (await _client.GetAsync($"/v1/handoffs/{id}/events")).ReadNodeAsync()).AsArray();
        Assert.Empty(events.OfType("agent.message"));

        // The same body correctly signed is accepted: the refusals above were about the signature only.
        var genuine = await GenesysWebhook.PostSignedAsync(anonymous, body, GenesysEmulatorFixture.WebhookSecret);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        await Events.WaitForTypeAsync(_client, id, "agent.message");
    }

    [Fact]
    public async Task A_delivery_genesys_retries_is_relayed_once()
    {
        var (id, conversation) = await StartAsync();
        var sent = await Agent.SendAgentMessageAsync(conversation.Id, "say it once");
        await Events.WaitForTypeAsync(_client, id, "agent.message");

        await Agent.RedeliverAsync(sent.Id);
        await Agent.RedeliverAsync(sent.Id);
        await Agent.SendAgentMessageAsync(conversation.Id, "marker");
        var events = await Events.WaitAsync(_client, id, e => e.OfType("agent.message").Any(m => (string)m["data"]!["text"]! == "marker"));

        Assert.Single(events.OfType("agent.message"), m => (string)m["data"]!["text"]! == "say it once");
        var deliveries = await Agent.GetWebhookDeliveriesAsync();
        Assert.True(deliveries.Count(d => d.MessageId == sent.Id) >= 1);
    }

    [Fact]
    public async Task A_user_message_gets_one_delivered_and_one_failed_event_however_many_receipts_arrive()
    {
        var (id, _) = await StartAsync();
        var accepted = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = $"{id}-r1", text = "did you get this?" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await Events.WaitForTypeAsync(_client, id, "message.delivered"); // the emulator's own Delivered receipt

        // More receipts for the same message, under ids of their own, signed as Genesys signs: a second Delivered, a Failed,
        // and that Failed again.
        using var anonymous = stack.CreateClient(apiKey: null);
        var results = new List<string>();
        foreach (var (receiptId, status) in new[] { ("late-delivered", "Delivered"), ("late-failed", "Failed"), ("late-failed", "Failed") })
        {
            var answer = await GenesysWebhook.PostSignedAsync(anonymous, GenesysWebhook.Receipt(receiptId, id, $"{id}-r1", status), GenesysEmulatorFixture.WebhookSecret);
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            results.Add((string)(await answer.ReadNodeAsync())["result"]!);
        }

        Assert.Equal(["duplicate", "accepted", "duplicate"], results);
        var events = await Events.WaitForTypeAsync(_client, id, "message.failed");
        Assert.Single(events.OfType("message.delivered"), e => (string)e["data"]!["messageId"]! == $"{id}-r1");
        Assert.Single(events.OfType("message.failed"), e => (string)e["data"]!["messageId"]! == $"{id}-r1");
    }

    [Fact]
    public async Task The_oauth_token_is_cached_not_fetched_per_message()
    {
        var (id, conversation) = await StartAsync();
        var before = (await Agent.GetStatsAsync()).TokenRequests;

        for (var i = 0; i < 5; i++)
        {
            await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = $"m{i}" });
        }

        await Agent.WaitForConversationAsync(c => c.Id == conversation.Id && c.Messages.Count(m => m.Direction == "inbound") == 6, TimeSpan.FromSeconds(20));
        Assert.Equal(before, (await Agent.GetStatsAsync()).TokenRequests);
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    private sealed record Frame(string? Id, string? Event, string Data);

    private static async Task<List<Frame>> ReadFramesUntilAsync(StreamReader reader, Func<Frame, bool> stop, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var frames = new List<Frame>();
        string? id = null, type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    var frame = new Frame(id, type, data.ToString());
                    frames.Add(frame);
                    if (stop(frame))
                    {
                        return frames;
                    }
                }

                id = type = null;
                data.Clear();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Append(line[6..]);
        }

        throw new InvalidOperationException("The stream ended early.");
    }
}
