using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

public sealed class InboundMessageTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Support = GenesysEmulatorFixture.SupportIntegrationId;
    private const string Sales = GenesysEmulatorFixture.SalesIntegrationId;

    [Theory]
    [InlineData("channel.from.id", "channel.from.id")]
    [InlineData("channel.from.idType", "channel.from.idType")]
    [InlineData("channel.time", "channel.time")]
    [InlineData("channel.from", "channel.from")]
    [InlineData("channel", "channel")]
    [InlineData("text", "text or content")]
    public async Task A_message_missing_a_required_field_answers_400_naming_it(string removed, string named)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostMessageAsync(Support, Bodies.Message(Bodies.NewUserId()).Without(removed));

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "bad.request");
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("channel.from.idType", "Twitter", "channel.from.idType")]
    [InlineData("channel.time", "yesterday", "channel.time")]
    [InlineData("channel.time", "03/01/2025 14:05", "channel.time")]
    public async Task A_message_with_an_invalid_value_answers_400_invalid_value_naming_the_field(
        string path, string value, string named)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostMessageAsync(Support, Bodies.Message(Bodies.NewUserId()).With(path, value));

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid.value");
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_json_answers_400_in_the_Genesys_error_body()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostRawAsync(GenesysApi.InboundPath(Support, "message"), """{"channel": {"from": """);

        await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "bad.request");
    }

    [Fact]
    public async Task A_message_for_an_unknown_integration_answers_404_not_found()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostMessageAsync(Guid.NewGuid().ToString(), Bodies.Message(Bodies.NewUserId()));

        await GenesysAssert.ErrorAsync(response, HttpStatusCode.NotFound, "not.found");
    }

    [Fact]
    public async Task The_response_is_the_normalized_message_without_conversation_id_by_default()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();

        var message = await api.SendMessageAsync(Support, Bodies.Message(userId, "Hello", messageId: "client-1"));

        Assert.False(string.IsNullOrWhiteSpace(message.GetProperty("id").GetString()));
        var channel = message.GetProperty("channel");
        Assert.Equal(Support, channel.GetProperty("id").GetString());
        Assert.Equal("Open", channel.GetProperty("platform").GetString());
        Assert.Equal("Private", channel.GetProperty("type").GetString());
        Assert.Equal("client-1", channel.GetProperty("messageId").GetString());
        Assert.Equal(userId, channel.GetProperty("from").GetProperty("id").GetString());
        Assert.Equal("Opaque", channel.GetProperty("from").GetProperty("idType").GetString());
        Assert.Equal(Support, channel.GetProperty("to").GetProperty("id").GetString());
        Assert.Equal("Opaque", channel.GetProperty("to").GetProperty("idType").GetString());
        Assert.Equal(Bodies.Time, channel.GetProperty("time").GetString());
        Assert.Equal("Text", message.GetProperty("type").GetString());
        Assert.Equal("Hello", message.GetProperty("text").GetString());
        Assert.Equal("Inbound", message.GetProperty("direction").GetString());
        Assert.False(message.TryGetProperty("conversationId", out _));
    }

    [Fact]
    public async Task PrefetchConversationId_returns_the_conversation_id()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();

        var message = await api.SendMessageAsync(Support, Bodies.Message(userId), prefetchConversationId: true);

        var conversationId = message.GetProperty("conversationId").GetString();
        var conversation = await emulator.Control.GetConversationAsync(conversationId!);
        Assert.NotNull(conversation);
        Assert.Equal(userId, conversation.UserId);
        Assert.Equal(message.GetProperty("id").GetString(), Assert.Single(conversation.Messages).Id);

        var explicitFalse = await api.SendMessageAsync(Support, Bodies.Message(userId), prefetchConversationId: false);
        Assert.False(explicitFalse.TryGetProperty("conversationId", out _));
    }

    [Fact]
    public async Task A_second_message_from_the_same_user_joins_the_conversation()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();

        var first = await api.SendMessageAsync(Support, Bodies.Message(userId, "first"), prefetchConversationId: true);
        var second = await api.SendMessageAsync(Support, Bodies.Message(userId, "second"), prefetchConversationId: true);

        var conversationId = first.GetProperty("conversationId").GetString()!;
        Assert.Equal(conversationId, second.GetProperty("conversationId").GetString());
        var conversation = await emulator.Control.GetConversationAsync(conversationId);
        Assert.Equal(["first", "second"], conversation!.Messages.Select(m => m.Text));
        Assert.All(conversation.Messages, m => Assert.Equal(EmulatorMessage.Inbound, m.Direction));
        Assert.Equal(EmulatorConversation.Connected, conversation.State);
        Assert.Equal(Support, conversation.IntegrationId);
        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationName, conversation.IntegrationName);
    }

    [Fact]
    public async Task Another_user_or_another_integration_gets_its_own_conversation()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();

        var support = await api.SendMessageAsync(Support, Bodies.Message(userId), prefetchConversationId: true);
        var sales = await api.SendMessageAsync(Sales, Bodies.Message(userId), prefetchConversationId: true);
        var otherUser = await api.SendMessageAsync(Support, Bodies.Message(Bodies.NewUserId()), prefetchConversationId: true);

        var ids = new[] { support, sales, otherUser }.Select(m => m.GetProperty("conversationId").GetString()).ToList();
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public async Task After_a_disconnect_the_same_user_starts_a_new_conversation()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();
        var first = await api.SendMessageAsync(Support, Bodies.Message(userId, "before"), prefetchConversationId: true);
        var firstId = first.GetProperty("conversationId").GetString()!;

        await emulator.Control.DisconnectAsync(firstId);
        var second = await api.SendMessageAsync(Support, Bodies.Message(userId, "after"), prefetchConversationId: true);

        var secondId = second.GetProperty("conversationId").GetString()!;
        Assert.NotEqual(firstId, secondId);
        var old = await emulator.Control.GetConversationAsync(firstId);
        Assert.Equal(EmulatorConversation.Disconnected, old!.State);
        Assert.Equal(["before"], old.Messages.Select(m => m.Text));
        var current = await emulator.Control.GetConversationAsync(secondId);
        Assert.Equal(EmulatorConversation.Connected, current!.State);
        Assert.Equal(["after"], current.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Custom_attributes_and_user_details_are_recorded_and_merged()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();

        var first = await api.SendMessageAsync(
            Support,
            Bodies.Message(userId, messageId: "m-1", customAttributes: new Dictionary<string, string> { ["botId"] = "123", ["lastIntent"] = "refund" }),
            prefetchConversationId: true);
        await api.SendMessageAsync(
            Support,
            Bodies.Message(userId, customAttributes: new Dictionary<string, string> { ["lastIntent"] = "human", ["locale"] = "es-AR" }));

        var conversation = await emulator.Control.GetConversationAsync(first.GetProperty("conversationId").GetString()!);
        Assert.Equal(
            new Dictionary<string, string> { ["botId"] = "123", ["lastIntent"] = "human", ["locale"] = "es-AR" },
            conversation!.CustomAttributes);
        Assert.Equal("Maria P.", conversation.Nickname);
        Assert.Equal("Maria", conversation.FirstName);
        Assert.Equal("Perez", conversation.LastName);
        Assert.Equal("m-1", conversation.Messages[0].MessageId);
    }

    [Fact]
    public async Task Field_names_are_case_insensitive_unknown_fields_are_ignored_and_idType_casing_is_tolerated()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();
        var json = $$"""
            {
              "Channel": { "Time": "{{Bodies.Time}}", "From": { "ID": "{{userId}}", "idtype": "email", "nickName": "M" },
                           "platform": "Open", "futureField": { "x": 1 } },
              "TEXT": "hi",
              "relatedMessages": []
            }
            """;

        using var response = await api.PostRawAsync(GenesysApi.InboundPath(Support, "message"), json);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("Email", body.GetProperty("channel").GetProperty("from").GetProperty("idType").GetString());
        Assert.Equal("hi", body.GetProperty("text").GetString());
    }

    [Fact]
    public async Task An_attachment_only_message_is_accepted_and_echoed()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var body = Bodies.Message(Bodies.NewUserId(), text: null);
        body["content"] = JsonNode.Parse("""
            [ { "contentType": "Attachment",
                "attachment": { "mediaType": "Image", "url": "https://files.example.org/r/abc.png", "mime": "image/png", "filename": "abc.png" } } ]
            """);

        var message = await api.SendMessageAsync(Support, body, prefetchConversationId: true);

        var attachment = message.GetProperty("content")[0].GetProperty("attachment");
        Assert.Equal("Image", attachment.GetProperty("mediaType").GetString());
        Assert.Equal("https://files.example.org/r/abc.png", attachment.GetProperty("url").GetString());
        var conversation = await emulator.Control.GetConversationAsync(message.GetProperty("conversationId").GetString()!);
        Assert.Equal("abc.png", Assert.Single(conversation!.Messages[0].Content!).Filename);
    }

    [Fact]
    public async Task An_attachment_with_an_unknown_media_type_answers_400()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var body = Bodies.Message(Bodies.NewUserId(), text: null);
        body["content"] = JsonNode.Parse("""[ { "attachment": { "mediaType": "Hologram", "url": "https://x.example/a" } } ]""");

        using var response = await api.PostMessageAsync(Support, body);

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid.value");
        Assert.Contains("content[0].attachment.mediaType", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accepted_messages_are_counted()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var before = await emulator.Control.GetStatsAsync();

        await api.SendMessageAsync(Support, Bodies.Message(Bodies.NewUserId()));
        (await api.PostMessageAsync(Support, Bodies.Message(Bodies.NewUserId()).Without("channel.time"))).Dispose();

        var after = await emulator.Control.GetStatsAsync();
        Assert.Equal(before.InboundMessages + 1, after.InboundMessages);
    }
}

public sealed class RepeatedMessageIdTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    [Fact]
    public async Task A_repeated_client_message_id_in_the_same_conversation_is_not_added_twice()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var user = Bodies.NewUserId();
        var before = await emulator.Control.GetStatsAsync();

        using var first = await api.PostMessageAsync(GenesysEmulatorFixture.SupportIntegrationId, Bodies.Message(user).With("channel.messageId", "client-1").With("text", "once"));
        using var again = await api.PostMessageAsync(GenesysEmulatorFixture.SupportIntegrationId, Bodies.Message(user).With("channel.messageId", "client-1").With("text", "once"));
        using var other = await api.PostMessageAsync(GenesysEmulatorFixture.SupportIntegrationId, Bodies.Message(user).With("channel.messageId", "client-2").With("text", "twice"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(
            JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"]!.ToString(),
            JsonNode.Parse(await again.Content.ReadAsStringAsync())!["id"]!.ToString());
        var conversation = await emulator.Control.WaitForConversationAsync(c => c.UserId == user);
        Assert.Equal(["once", "twice"], conversation.Messages.Select(m => m.Text));
        var after = await emulator.Control.GetStatsAsync();
        Assert.Equal(1, after.InboundDuplicatesIgnored - before.InboundDuplicatesIgnored);
    }
}
