using System.Text.Json;

namespace Handoff.Channels.Genesys.Tests;

public sealed class GenesysWebhookMapperTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 1, 15, 0, 0, TimeSpan.Zero);

    private static WebhookMessage Parse(string json) => JsonSerializer.Deserialize<WebhookMessage>(json, GenesysApi.Json)!;

    private static ChannelInbound Relayed(string json, GenesysOptions? options = null)
    {
        var mapping = GenesysWebhookMapper.Map(Parse(json), options ?? TestData.Options(), Now);
        Assert.Null(mapping.IgnoredReason);
        return mapping.Inbound!;
    }

    private static string Ignored(string json)
    {
        var mapping = GenesysWebhookMapper.Map(Parse(json), TestData.Options(), Now);
        Assert.Null(mapping.Inbound);
        return mapping.IgnoredReason!;
    }

    [Fact]
    public void Agent_text_maps_to_agent_message_with_integration_name()
    {
        var inbound = Relayed($$"""
            { "id": "9a8b7c6d5e4f3a2b", "channel": { "id": "{{TestData.SupportIntegrationId}}", "platform": "Open", "type": "Private",
                "messageId": "9a8b7c6d5e4f3a2b", "time": "2025-03-01T14:05:58.431Z",
                "to": { "id": "h-1", "idType": "Opaque" },
                "from": { "id": "{{TestData.SupportIntegrationId}}", "idType": "Opaque", "nickName": "From Genesys" } },
              "type": "Text", "text": "Hi Maria, I'm Ana. How can I help?", "originatingEntity": "Human",
              "direction": "Outbound", "conversationId": "5d0d331e-0000-4fb5-96f7-7021bef2a8ee", "somethingNew": { "x": 1 } }
            """);

        Assert.Equal(GenesysChannel.Name, inbound.Channel);
        Assert.Equal("h-1", inbound.HandoffId);
        Assert.Equal(InboundKind.AgentMessage, inbound.Kind);
        Assert.Equal("9a8b7c6d5e4f3a2b", inbound.ExternalId);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 14, 5, 58, 431, TimeSpan.Zero), inbound.Time);
        Assert.Equal("Hi Maria, I'm Ana. How can I help?", inbound.Text);
        Assert.Equal("Soporte Cola A", inbound.AgentDisplayName);
        Assert.Equal("5d0d331e-0000-4fb5-96f7-7021bef2a8ee", inbound.State![GenesysAdapter.ConversationIdStateKey]);
    }

    [Fact]
    public void Field_names_are_case_insensitive_and_missing_time_uses_now()
    {
        var inbound = Relayed("""{ "ID": "m1", "Channel": { "To": { "Id": "h-2" } }, "TYPE": "text", "Text": "hello" }""");
        Assert.Equal("h-2", inbound.HandoffId);
        Assert.Equal("m1", inbound.ExternalId);
        Assert.Equal(Now, inbound.Time);
        Assert.Null(inbound.State);
    }

    [Fact]
    public void Structured_with_text_is_an_agent_message_and_without_text_is_ignored()
    {
        Assert.Equal("Pick one", Relayed("""{ "id": "s1", "channel": { "to": { "id": "h" } }, "type": "Structured", "text": "Pick one" }""").Text);
        Assert.Contains("without text", Ignored("""{ "id": "s2", "channel": { "to": { "id": "h" } }, "type": "Structured" }"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Attachment_is_announced_not_linked()
    {
        var inbound = Relayed("""
            { "id": "a1", "channel": { "to": { "id": "h" } }, "type": "Text", "text": "",
              "content": [ { "contentType": "Attachment", "attachment": { "mediaType": "Image", "url": "https://api-downloads.mypurecloud.ie/x", "filename": "photo.jpg" } } ] }
            """);
        Assert.Equal("[attachment: photo.jpg]", inbound.Text);
    }

    [Theory]
    [InlineData(TestData.SupportIntegrationId, "From nickname", "Soporte Cola A")]
    [InlineData(TestData.SalesIntegrationId, "Ventas Cola B", "Ventas Cola B")] // configured without a name
    [InlineData("6a1b2c3d-0000-4000-8000-000000000000", "Unknown integration", "Unknown integration")]
    [InlineData(TestData.SalesIntegrationId, null, "Agent")]
    [InlineData(null, "  ", "Agent")]
    public void Display_name_falls_back_from_configured_name_to_nickname_to_agent(string? integrationId, string? nickname, string expected)
    {
        Assert.Equal(expected, GenesysWebhookMapper.AgentDisplayName(TestData.Options(), integrationId, nickname));
    }

    [Fact]
    public void Typing_event_maps_to_agent_typing()
    {
        var inbound = Relayed($$"""
            { "id": "e1", "channel": { "id": "{{TestData.SupportIntegrationId}}", "to": { "id": "h-3" }, "time": "2025-03-01T14:05:30.000Z" },
              "type": "Event", "direction": "Outbound", "events": [ { "eventType": "Typing", "typing": { "type": "On", "duration": 5000 } } ] }
            """);
        Assert.Equal(InboundKind.AgentTyping, inbound.Kind);
        Assert.Equal("h-3", inbound.HandoffId);
        Assert.Equal("e1", inbound.ExternalId);
        Assert.Null(inbound.Text);
    }

    [Fact]
    public void Other_events_are_ignored()
    {
        Ignored("""{ "id": "e2", "channel": { "to": { "id": "h" } }, "type": "Event", "events": [ { "eventType": "Presence" } ] }""");
        Ignored("""{ "id": "e3", "channel": { "to": { "id": "h" } }, "type": "Event" }""");
    }

    [Fact]
    public void Delivered_receipt_refers_to_our_message_id()
    {
        var inbound = Relayed("""
            { "id": "r1", "channel": { "messageId": "msg-7", "to": { "id": "h-4" }, "time": "2025-03-01T14:06:00.000Z" },
              "type": "Receipt", "status": "Delivered", "isFinalReceipt": true, "conversationId": "c-1" }
            """);
        Assert.Equal(InboundKind.Receipt, inbound.Kind);
        Assert.Equal("msg-7", inbound.ReceiptForMessageId);
        Assert.True(inbound.ReceiptDelivered);
        Assert.Equal("receipt:r1:Delivered", inbound.ExternalId);
        Assert.Equal("c-1", inbound.State![GenesysAdapter.ConversationIdStateKey]);
    }

    [Fact]
    public void Failed_receipt_carries_reasons_and_a_distinct_external_id()
    {
        var inbound = Relayed("""
            { "id": "r1", "channel": { "messageId": "msg-7", "to": { "id": "h-4" } }, "type": "Receipt", "status": "Failed",
              "reasons": [ { "code": "GeneralError", "message": "user left the widget" }, { "code": "RateLimited" } ] }
            """);
        Assert.False(inbound.ReceiptDelivered);
        Assert.Equal("receipt:r1:Failed", inbound.ExternalId);
        Assert.Equal("GeneralError: user left the widget; RateLimited", inbound.Reason);
    }

    [Theory]
    [InlineData("Sent")]
    [InlineData("Read")]
    [InlineData("Published")]
    [InlineData("Removed")]
    public void Other_receipt_statuses_are_ignored(string status)
    {
        Ignored($$"""{ "id": "r2", "channel": { "messageId": "m", "to": { "id": "h" } }, "type": "Receipt", "status": "{{status}}" }""");
    }

    [Fact]
    public void Bodies_without_a_recipient_or_of_unknown_type_are_ignored()
    {
        Assert.Contains("channel.to.id", Ignored("""{ "id": "x", "type": "Text", "text": "hi" }"""), StringComparison.Ordinal);
        Assert.Contains("Video", Ignored("""{ "id": "x", "channel": { "to": { "id": "h" } }, "type": "Video" }"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Delivered_receipt_for_the_start_message_is_ignored_but_failed_is_relayed()
    {
        Assert.Contains("start message", Ignored("""
            { "id": "r", "channel": { "messageId": "h-9:start", "to": { "id": "h-9" } }, "type": "Receipt", "status": "Delivered" }
            """), StringComparison.Ordinal);
        var failed = Relayed("""
            { "id": "r", "channel": { "messageId": "h-9:start", "to": { "id": "h-9" } }, "type": "Receipt", "status": "Failed" }
            """);
        Assert.Equal("h-9:start", failed.ReceiptForMessageId);
    }
}
