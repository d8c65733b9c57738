using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

public sealed class InboundReceiptAndEventTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Support = GenesysEmulatorFixture.SupportIntegrationId;

    [Fact]
    public async Task A_Failed_receipt_is_recorded_on_the_agent_message()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await StartConversationAsync(api);
        var agentMessage = await emulator.Control.SendAgentMessageAsync(conversationId, "Hi, I'm Ana.");
        var receipt = Bodies.Receipt(agentMessage.Id, userId, "Failed");
        receipt["reasons"] = JsonNode.Parse("""[ { "code": "GeneralError", "message": "user left the widget" } ]""");

        using var response = await api.PostReceiptAsync(Support, receipt);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(agentMessage.Id, echo.GetProperty("id").GetString());
        Assert.Equal("Receipt", echo.GetProperty("type").GetString());
        Assert.Equal("Failed", echo.GetProperty("status").GetString());
        Assert.Equal(userId, echo.GetProperty("channel").GetProperty("to").GetProperty("id").GetString());

        var conversation = await emulator.Control.GetConversationAsync(conversationId);
        var recorded = conversation!.Messages.Single(m => m.Id == agentMessage.Id).Receipt;
        Assert.NotNull(recorded);
        Assert.Equal("Failed", recorded.Status);
        var reason = Assert.Single(recorded.Reasons);
        Assert.Equal("GeneralError", reason.Code);
        Assert.Equal("user left the widget", reason.Message);
    }

    [Fact]
    public async Task A_Delivered_receipt_is_shown_and_counted()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await StartConversationAsync(api);
        var agentMessage = await emulator.Control.SendAgentMessageAsync(conversationId, "Anything else?");
        var before = await emulator.Control.GetStatsAsync();

        (await api.PostReceiptAsync(Support, Bodies.Receipt(agentMessage.Id, userId))).EnsureSuccessStatusCode();

        var conversation = await emulator.Control.GetConversationAsync(conversationId);
        Assert.Equal("Delivered", conversation!.Messages.Single(m => m.Id == agentMessage.Id).Receipt!.Status);
        Assert.Equal(before.InboundReceipts + 1, (await emulator.Control.GetStatsAsync()).InboundReceipts);
    }

    [Theory]
    [InlineData("Read")]
    [InlineData("Sent")]
    [InlineData("delivered")]
    public async Task A_receipt_status_other_than_Delivered_or_Failed_answers_400(string status)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostReceiptAsync(Support, Bodies.Receipt("some-id", "user", status));

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid.value");
        Assert.Contains("status", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("status")]
    [InlineData("channel.to.id")]
    public async Task A_receipt_missing_a_required_field_answers_400_naming_it(string removed)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostReceiptAsync(Support, Bodies.Receipt("some-id", "user").Without(removed));

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "bad.request");
        Assert.Contains(removed, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receipt_with_an_unknown_reason_code_answers_400()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var receipt = Bodies.Receipt("some-id", "user", "Failed");
        receipt["reasons"] = JsonNode.Parse("""[ { "code": "CatAteIt" } ]""");

        using var response = await api.PostReceiptAsync(Support, receipt);

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid.value");
        Assert.Contains("reasons[0].code", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_typing_event_marks_the_customer_as_typing()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await StartConversationAsync(api);
        var before = await emulator.Control.GetStatsAsync();

        using var response = await api.PostEventAsync(Support, Bodies.Typing(userId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Typing", echo.GetProperty("events")[0].GetProperty("eventType").GetString());
        Assert.Equal(userId, echo.GetProperty("channel").GetProperty("from").GetProperty("id").GetString());
        var conversation = await emulator.Control.GetConversationAsync(conversationId);
        Assert.NotNull(conversation!.CustomerTypingAt);
        Assert.True(conversation.CustomerTyping);
        Assert.Equal(before.InboundEvents + 1, (await emulator.Control.GetStatsAsync()).InboundEvents);
    }

    [Fact]
    public async Task A_new_message_clears_the_typing_indicator()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await StartConversationAsync(api);
        (await api.PostEventAsync(Support, Bodies.Typing(userId))).EnsureSuccessStatusCode();

        await api.SendMessageAsync(Support, Bodies.Message(userId, "done typing"));

        var conversation = await emulator.Control.GetConversationAsync(conversationId);
        Assert.False(conversation!.CustomerTyping);
        Assert.Null(conversation.CustomerTypingAt);
    }

    [Fact]
    public async Task An_event_type_other_than_Typing_answers_400()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var body = Bodies.Typing(Bodies.NewUserId());
        body["events"] = JsonNode.Parse("""[ { "eventType": "Presence" } ]""");

        using var response = await api.PostEventAsync(Support, body);

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid.value");
        Assert.Contains("events[0].eventType", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("channel.from.id")]
    [InlineData("channel.from.idType")]
    [InlineData("channel.time")]
    [InlineData("events")]
    public async Task An_event_missing_a_required_field_answers_400_naming_it(string removed)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostEventAsync(Support, Bodies.Typing(Bodies.NewUserId()).Without(removed));

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "bad.request");
        Assert.Contains(removed, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receipts_and_events_for_an_unknown_integration_answer_404()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var unknown = Guid.NewGuid().ToString();

        using var receipt = await api.PostReceiptAsync(unknown, Bodies.Receipt("id", "user"));
        using var typing = await api.PostEventAsync(unknown, Bodies.Typing("user"));

        await GenesysAssert.ErrorAsync(receipt, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(typing, HttpStatusCode.NotFound, "not.found");
    }

    private async Task<(string UserId, string ConversationId)> StartConversationAsync(GenesysApi api)
    {
        var userId = Bodies.NewUserId();
        var message = await api.SendMessageAsync(Support, Bodies.Message(userId), prefetchConversationId: true);
        return (userId, message.GetProperty("conversationId").GetString()!);
    }
}
