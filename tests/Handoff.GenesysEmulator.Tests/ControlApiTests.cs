using System.Net;
using System.Net.Http.Json;
using System.Text;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>The control API (<c>/emulator/...</c>): agent actions, errors as ProblemDetails, integrations, stats.</summary>
public sealed class ControlApiTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Support = GenesysEmulatorFixture.SupportIntegrationId;

    [Fact]
    public async Task Lists_conversations_with_their_messages_in_both_directions()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();
        var inbound = await api.SendMessageAsync(Support, Bodies.Message(userId, "bot transcript\nuser: help"), prefetchConversationId: true);
        var conversationId = inbound.GetProperty("conversationId").GetString()!;

        var reply = await emulator.Control.SendAgentMessageAsync(conversationId, "On it.");

        var conversation = await emulator.Control.WaitForConversationAsync(c => c.UserId == userId);
        Assert.Equal(conversationId, conversation.Id);
        Assert.Equal(Support, conversation.IntegrationId);
        Assert.Equal("Maria P.", conversation.DisplayName);
        Assert.Equal(
            [(EmulatorMessage.Inbound, "bot transcript\nuser: help"), (EmulatorMessage.Outbound, "On it.")],
            conversation.Messages.Select(m => (m.Direction, m.Text)));
        Assert.Equal(reply.Id, conversation.Messages[1].Id);
        Assert.Contains(await emulator.Control.GetConversationsAsync(), c => c.Id == conversationId);
    }

    [Fact]
    public async Task Agent_actions_on_an_unknown_conversation_answer_404()
    {
        using var http = emulator.CreateClient();
        var unknown = Guid.NewGuid();

        using var message = await http.PostAsJsonAsync($"emulator/conversations/{unknown}/agent-messages", new { text = "hi" });
        using var typing = await http.PostAsync($"emulator/conversations/{unknown}/agent-typing", null);
        using var disconnect = await http.PostAsync($"emulator/conversations/{unknown}/disconnect", null);
        using var get = await http.GetAsync($"emulator/conversations/{unknown}");

        await GenesysAssert.ProblemAsync(message, HttpStatusCode.NotFound);
        await GenesysAssert.ProblemAsync(typing, HttpStatusCode.NotFound);
        await GenesysAssert.ProblemAsync(disconnect, HttpStatusCode.NotFound);
        await GenesysAssert.ProblemAsync(get, HttpStatusCode.NotFound);
        Assert.Null(await emulator.Control.GetConversationAsync(unknown.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task An_empty_agent_message_answers_400(string text)
    {
        var conversationId = await StartConversationAsync();
        using var http = emulator.CreateClient();

        using var response = await http.PostAsJsonAsync($"emulator/conversations/{conversationId}/agent-messages", new { text });

        await GenesysAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_agent_message_longer_than_the_agent_UI_limit_answers_400()
    {
        var conversationId = await StartConversationAsync();
        using var http = emulator.CreateClient();

        using var response = await http.PostAsJsonAsync(
            $"emulator/conversations/{conversationId}/agent-messages", new { text = new string('x', 4001) });

        await GenesysAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Malformed_json_answers_400_not_500()
    {
        var conversationId = await StartConversationAsync();
        using var http = emulator.CreateClient();

        using var response = await http.PostAsync(
            $"emulator/conversations/{conversationId}/agent-messages",
            new StringContent("""{"text": """, Encoding.UTF8, "application/json"));

        await GenesysAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_disconnected_conversation_rejects_agent_messages_and_typing_with_409_and_sends_no_webhook()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        var conversationId = await StartConversationAsync();
        var deliveriesBefore = (await emulator.Control.GetWebhookDeliveriesAsync()).Count(d => d.ConversationId == conversationId);

        var disconnected = await emulator.Control.DisconnectAsync(conversationId);

        Assert.Equal(EmulatorConversation.Disconnected, disconnected.State);
        Assert.NotNull(disconnected.DisconnectedAt);
        using var http = emulator.CreateClient();
        using var message = await http.PostAsJsonAsync($"emulator/conversations/{conversationId}/agent-messages", new { text = "late" });
        using var typing = await http.PostAsync($"emulator/conversations/{conversationId}/agent-typing", null);
        await GenesysAssert.ProblemAsync(message, HttpStatusCode.Conflict);
        await GenesysAssert.ProblemAsync(typing, HttpStatusCode.Conflict);
        var deliveriesAfter = (await emulator.Control.GetWebhookDeliveriesAsync()).Count(d => d.ConversationId == conversationId);
        Assert.Equal(deliveriesBefore, deliveriesAfter);

        var again = await emulator.Control.DisconnectAsync(conversationId);
        Assert.Equal(disconnected.DisconnectedAt, again.DisconnectedAt);
    }

    [Fact]
    public async Task Redelivering_an_unknown_message_answers_404()
    {
        using var http = emulator.CreateClient();

        using var response = await http.PostAsync($"emulator/webhooks/{Guid.NewGuid():N}/redeliver", null);

        await GenesysAssert.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_integration_creates_then_replaces_and_validates()
    {
        var integrationId = Guid.NewGuid().ToString();
        using var http = emulator.CreateClient();

        using var created = await http.PutAsJsonAsync(
            $"emulator/integrations/{integrationId}", new { name = "Local", webhookUrl = "http://127.0.0.1:9/hook", webhookSecret = GenesysEmulatorFixture.WebhookSecret });
        using var replaced = await http.PutAsJsonAsync($"emulator/integrations/{integrationId}", new { name = "Local 2" });
        using var shortSecret = await http.PutAsJsonAsync($"emulator/integrations/{integrationId}", new { name = "x", webhookSecret = "short" });
        using var noName = await http.PutAsJsonAsync($"emulator/integrations/{integrationId}", new { webhookUrl = "http://127.0.0.1:9/hook" });
        using var badUrl = await http.PutAsJsonAsync($"emulator/integrations/{integrationId}", new { name = "x", webhookUrl = "nope" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        await GenesysAssert.ProblemAsync(shortSecret, HttpStatusCode.BadRequest);
        await GenesysAssert.ProblemAsync(noName, HttpStatusCode.BadRequest);
        await GenesysAssert.ProblemAsync(badUrl, HttpStatusCode.BadRequest);
        var integration = await emulator.Control.GetIntegrationAsync(integrationId);
        Assert.Equal("Local 2", integration!.Name);
        Assert.Null(integration.WebhookUrl);
        Assert.False(integration.HasWebhookSecret);
    }

    [Fact]
    public async Task SetWebhookAsync_keeps_the_integration_name()
    {
        await using var recorder = await WebhookRecorder.StartAsync();

        await emulator.SetWebhookAsync(GenesysEmulatorFixture.SalesIntegrationId, recorder.Url);

        var integration = await emulator.Control.GetIntegrationAsync(GenesysEmulatorFixture.SalesIntegrationId);
        Assert.Equal(GenesysEmulatorFixture.SalesIntegrationName, integration!.Name);
        Assert.Equal(recorder.Url.ToString(), integration.WebhookUrl);
        Assert.True(integration.HasWebhookSecret);
    }

    [Fact]
    public async Task Stats_count_inbound_traffic_and_webhooks()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var before = await emulator.Control.GetStatsAsync();
        var userId = Bodies.NewUserId();

        var inbound = await api.SendMessageAsync(Support, Bodies.Message(userId), prefetchConversationId: true);
        (await api.PostEventAsync(Support, Bodies.Typing(userId))).EnsureSuccessStatusCode();
        var reply = await emulator.Control.SendAgentMessageAsync(inbound.GetProperty("conversationId").GetString()!, "hi");
        (await api.PostReceiptAsync(Support, Bodies.Receipt(reply.Id, userId))).EnsureSuccessStatusCode();
        await emulator.Control.WaitForWebhookDeliveryAsync(reply.Id);

        var after = await emulator.Control.GetStatsAsync();
        Assert.Equal(before.InboundMessages + 1, after.InboundMessages);
        Assert.Equal(before.InboundEvents + 1, after.InboundEvents);
        Assert.Equal(before.InboundReceipts + 1, after.InboundReceipts);
        Assert.Equal(before.WebhookDeliveries + 2, after.WebhookDeliveries);
        Assert.True(after.WebhookAttempts >= before.WebhookAttempts + 2);
        Assert.True(after.TokenRequests >= before.TokenRequests);
    }

    [Fact]
    public async Task WaitForConversationAsync_times_out_with_a_useful_message()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(
            () => emulator.Control.WaitForConversationAsync(c => c.UserId == "nobody", TimeSpan.FromMilliseconds(200)));

        Assert.Contains("No emulator conversation matched", error.Message, StringComparison.Ordinal);
    }

    private async Task<string> StartConversationAsync()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var message = await api.SendMessageAsync(Support, Bodies.Message(Bodies.NewUserId()), prefetchConversationId: true);
        return message.GetProperty("conversationId").GetString()!;
    }
}
