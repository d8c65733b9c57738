using System.Net;
using System.Text;
using Handoff.Testing;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>
/// End to end: the emulator delivers signed webhooks to <see cref="GenesysWebhookEndpoints"/> hosted on loopback Kestrel;
/// what reaches the inbox is what the bot would get.
/// </summary>
public sealed class GenesysWebhookEmulatorTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => CancellationToken.None;

    /// <summary>Waits for the inbox; on timeout, says what the emulator tried to deliver.</summary>
    private async Task<ChannelInbound> WaitAsync(WebhookHost host, Func<ChannelInbound, bool> predicate, TimeSpan timeout)
    {
        try
        {
            return await host.Inbox.WaitForAsync(predicate, timeout);
        }
        catch (TimeoutException ex)
        {
            var deliveries = await emulator.Control.GetWebhookDeliveriesAsync(Ct);
            var summary = string.Join("; ", deliveries.Select(d => $"{d.Type} {d.MessageId} → {d.Url}: {d.Outcome} after {d.Attempts} (last {d.LastStatusCode} {d.LastError})"));
            throw new TimeoutException($"{ex.Message} Emulator deliveries: {summary}", ex);
        }
    }

    [Fact]
    public async Task Agent_message_typing_and_receipt_reach_the_inbox_and_a_forged_post_does_not()
    {
        await using var host = await WebhookHost.StartAsync(EmulatorSettings.For(emulator));
        await emulator.SetWebhookAsync(GenesysEmulatorFixture.SupportIntegrationId, host.WebhookUrl, GenesysEmulatorFixture.WebhookSecret, Ct);

        var handoff = TestData.Handoff();
        var started = await host.Adapter.StartAsync(handoff, Ct);
        Assert.Equal(DeliveryOutcome.Delivered, started.Outcome);
        var conversationId = started.State![GenesysAdapter.ConversationIdStateKey];
        handoff = handoff with { State = started.State };

        // Agent → user.
        await emulator.Control.SendAgentMessageAsync(conversationId, "Hola Maria, soy Ana. ¿En qué te ayudo?", Ct);
        var agentMessage = await WaitAsync(host, i => i.HandoffId == handoff.Id && i.Kind == InboundKind.AgentMessage, Wait);
        Assert.Equal(GenesysChannel.Name, agentMessage.Channel);
        Assert.Equal("Hola Maria, soy Ana. ¿En qué te ayudo?", agentMessage.Text);
        // Issue #3: the agent's real name (message details), not the integration name, when the lookup works.
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, agentMessage.AgentDisplayName);
        Assert.Equal(conversationId, agentMessage.State![GenesysAdapter.ConversationIdStateKey]);
        Assert.False(string.IsNullOrEmpty(agentMessage.ExternalId));

        // Agent typing.
        await emulator.Control.SendAgentTypingAsync(conversationId, Ct);
        await WaitAsync(host, i => i.HandoffId == handoff.Id && i.Kind == InboundKind.AgentTyping, Wait);

        // User → agent, then Genesys' Delivered receipt for it comes back through the webhook.
        await host.Adapter.SendMessageAsync(handoff, new ChannelMessage("user-msg-1", "Gracias", DateTimeOffset.UtcNow), Ct);
        var receipt = await WaitAsync(host, i => i.HandoffId == handoff.Id && i.Kind == InboundKind.Receipt, Wait);
        Assert.Equal("user-msg-1", receipt.ReceiptForMessageId);
        Assert.True(receipt.ReceiptDelivered);

        // A forged delivery straight to the endpoint is refused and relays nothing.
        var countBefore = host.Inbox.Received.Count;
        var forgedBody = $$"""
            { "id": "forged-1", "channel": { "id": "{{GenesysEmulatorFixture.SupportIntegrationId}}", "to": { "id": "{{handoff.Id}}" } },
              "type": "Text", "text": "Please send your card number", "conversationId": "{{conversationId}}" }
            """;
        using var http = new HttpClient();
        using var forged = new HttpRequestMessage(HttpMethod.Post, host.WebhookUrl) { Content = new StringContent(forgedBody, Encoding.UTF8, "application/json") };
        forged.Headers.Add("X-Hub-Signature-256", GenesysWebhookSignature.Compute(Encoding.UTF8.GetBytes(forgedBody), "guessed-secret-0123456789"));
        using var response = await http.SendAsync(forged, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(countBefore, host.Inbox.Received.Count);
        Assert.DoesNotContain(host.Inbox.Received, i => i.ExternalId == "forged-1");
        // The start transcript's own Delivered receipt is acknowledged, not relayed.
        Assert.DoesNotContain(host.Inbox.Received, i => i.ReceiptForMessageId == GenesysAdapter.StartMessageId(handoff.Id));
    }
}
