using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>A channel's WebSocket (fact sheet §11.2-11.3): frames, detail events, ping, one socket per channel, maintenance.</summary>
public sealed class NotificationSocketTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    [Fact]
    public async Task The_agent_ending_the_conversation_sends_user_end_CLIENT_then_customer_end_in_the_Genesys_frame_shape()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.SendAgentMessageAsync(conversationId, "Hi, I'm Ana.");
        var (_, socket) = await api.ListenAsync(conversationId, "user.end", "customer.end");
        await using var closing = socket;
        var beforeEnd = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var ended = await emulator.Control.DisconnectAsync(conversationId);

        var userEnd = await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.end"));
        Assert.Equal(["eventBody", "metadata", "topicName", "version"], GenesysAssert.PropertyNames(userEnd));
        Assert.Equal("2", userEnd.GetProperty("version").GetString());
        Assert.True(Guid.TryParse(userEnd.GetProperty("metadata").GetProperty("CorrelationId").GetString(), out _));
        var body = userEnd.GetProperty("eventBody");
        var agent = Assert.Single(ended.AgentParticipants);
        Assert.Equal(conversationId, body.GetProperty("conversationId").GetString());
        Assert.Equal(agent.Id, body.GetProperty("participantId").GetString());
        Assert.True(Guid.TryParse(body.GetProperty("sessionId").GetString(), out _));
        Assert.Equal("MESSAGE", body.GetProperty("mediaType").GetString());
        Assert.Equal("OPEN", body.GetProperty("messageType").GetString());
        Assert.Equal("INBOUND", body.GetProperty("direction").GetString());
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentUserId, body.GetProperty("userId").GetString());
        Assert.Equal(GenesysEmulatorFixture.SupportQueueId, body.GetProperty("queueId").GetString());
        Assert.Equal("CLIENT", body.GetProperty("disconnectType").GetString());
        Assert.True(body.GetProperty("interactingDurationMs").GetInt64() >= 0);
        Assert.InRange(body.GetProperty("eventTime").GetInt64(), beforeEnd - 1000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);

        var customerEnd = await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "customer.end"));
        var customerBody = customerEnd.GetProperty("eventBody");
        Assert.Equal(ended.Customer!.Id, customerBody.GetProperty("participantId").GetString());
        Assert.Equal("SYSTEM", customerBody.GetProperty("disconnectType").GetString());
        Assert.False(customerBody.TryGetProperty("userId", out _));
        Assert.False(customerBody.TryGetProperty("queueId", out _));
        Assert.True(customerBody.GetProperty("interactingDurationMs").GetInt64() >= 0);
    }

    [Fact]
    public async Task The_first_agent_message_raises_user_start_with_the_agent_and_queue_and_acd_end_ANSWERED()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var (_, socket) = await api.ListenAsync(conversationId, "user.start", "acd.end");
        await using var closing = socket;

        await emulator.Control.SendAgentMessageAsync(conversationId, "Hello!", agentName: "Zoe Lind");

        var start = (await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.start"))).GetProperty("eventBody");
        var zoe = (await emulator.Control.GetAgentsAsync()).Single(a => a.Name == "Zoe Lind");
        Assert.Equal(zoe.UserId, start.GetProperty("userId").GetString());
        Assert.Equal(GenesysEmulatorFixture.SupportQueueId, start.GetProperty("queueId").GetString());
        Assert.False(start.TryGetProperty("disconnectType", out _));
        var acdEnd = (await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "acd.end"))).GetProperty("eventBody");
        Assert.Equal("ANSWERED", acdEnd.GetProperty("acdOutcome").GetString());
        Assert.Equal(zoe.UserId, acdEnd.GetProperty("answeredUserId").GetString());

        // A second message by the same agent does not join again.
        await emulator.Control.SendAgentMessageAsync(conversationId, "Still here.");
        await socket.AssertNoEventAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_text_ping_is_answered_by_a_pong_frame()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, connectUri) = await api.CreateChannelAsync();
        await using var socket = await NotificationSocket.ConnectAsync(connectUri);

        await socket.SendTextAsync("""{"message":"ping"}""");

        var pong = await socket.ReceiveAsync();
        Assert.Equal("""{"topicName":"channel.metadata","eventBody":{"message":"pong"}}""", pong.GetRawText());
    }

    [Fact]
    public async Task An_unknown_channel_answers_404_before_the_upgrade_and_plain_HTTP_to_a_live_channel_answers_400()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, _) = await api.CreateChannelAsync();
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(
            () => client.ConnectAsync(new Uri(emulator.StreamingAddress, "channels/streaming-9-unknown"), CancellationToken.None));
        using var http = emulator.CreateClient();
        using var plainUnknown = await http.GetAsync("channels/streaming-9-unknown");
        using var plainLive = await http.GetAsync($"channels/{channelId}");

        Assert.Equal(HttpStatusCode.NotFound, client.HttpStatusCode);
        await GenesysAssert.ErrorAsync(plainUnknown, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(plainLive, HttpStatusCode.BadRequest, "bad.request");
    }

    [Fact]
    public async Task A_second_connection_to_a_channel_closes_the_first_and_takes_its_events()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var (channelId, first) = await api.ListenAsync(conversationId, "user.start");
        await using var closing = first;
        var connectUri = new Uri(emulator.StreamingAddress, $"channels/{channelId}");

        await using var second = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);

        await first.WaitForEndAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, first.CloseStatus);
        await emulator.Control.SendAgentMessageAsync(conversationId, "hi");
        await second.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.start"));
        var channel = (await emulator.Control.GetNotificationsAsync()).Channels.Single(c => c.Id == channelId);
        Assert.True(channel.Connected);
        Assert.Equal(1, channel.EventsSent);
    }

    [Fact]
    public async Task Events_raised_while_no_socket_is_connected_are_lost_and_counted_as_dropped()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var (channelId, connectUri) = await api.CreateChannelAsync();
        await api.SubscribeAsync(channelId, GenesysApi.DetailTopic(conversationId, "user.start"), GenesysApi.DetailTopic(conversationId, "user.end"));
        var before = await emulator.Control.GetNotificationsAsync();

        await emulator.Control.SendAgentMessageAsync(conversationId, "Nobody is listening yet.");
        await using var socket = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);
        await emulator.Control.DisconnectAsync(conversationId);

        var first = await socket.ReceiveAsync();
        Assert.Equal(GenesysApi.DetailTopic(conversationId, "user.end"), first.GetProperty("topicName").GetString());
        var after = await emulator.Control.GetNotificationsAsync();
        var channel = after.Channels.Single(c => c.Id == channelId);
        Assert.Equal(1, channel.EventsDropped);
        Assert.Equal(1, channel.EventsSent);
        Assert.Equal(before.EventsDropped + 1, after.EventsDropped);
    }

    [Fact]
    public async Task Socket_closing_warns_every_socket_then_closes_it_and_the_channel_survives_a_reconnect()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var (channelId, socket) = await api.ListenAsync(conversationId, "user.start");
        await using var closing = socket;

        var warned = await emulator.Control.SocketClosingAsync(TimeSpan.FromMilliseconds(300));

        Assert.True(warned >= 1);
        var notice = await socket.WaitForTopicAsync("v2.system.socket_closing");
        Assert.Equal("2", notice.GetProperty("version").GetString());
        Assert.Equal("maintenance", notice.GetProperty("eventBody").GetProperty("message").GetString());
        Assert.Equal(channelId, notice.GetProperty("eventBody").GetProperty("channelId").GetString());
        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.WaitForEndAsync();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);

        using var head = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{channelId}");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        await using var reconnected = await NotificationSocket.ConnectAsync(new Uri(emulator.StreamingAddress, $"channels/{channelId}"), emulator.Control);
        await emulator.Control.SendAgentMessageAsync(conversationId, "Back again.");
        await reconnected.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.start"));
    }

    [Fact]
    public async Task Socket_closing_with_no_body_defaults_to_a_minute_and_leaves_the_socket_open_meanwhile()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, connectUri) = await api.CreateChannelAsync();
        await using var socket = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);
        using var http = emulator.CreateClient();

        using var response = await http.PostAsync("emulator/notifications/socket-closing", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(60000, body.GetProperty("afterMs").GetInt32());
        await socket.WaitForTopicAsync("v2.system.socket_closing");
        await socket.SendTextAsync("""{"message":"ping"}""");
        await socket.WaitForTopicAsync("channel.metadata");
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Drop_cuts_every_socket_without_a_close_frame_and_keeps_the_channel_for_a_reconnect()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var (channelId, connectUri) = await api.CreateChannelAsync();
        await api.SubscribeAsync(channelId, GenesysApi.DetailTopic(conversationId, "user.start"));
        await using var socket = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);

        var dropped = await emulator.Control.DropSocketsAsync();

        Assert.True(dropped >= 1);
        await socket.WaitForEndAsync();
        Assert.Null(socket.CloseStatus);
        Assert.NotNull(socket.Failure);
        await WaitUntilAsync(async () => !(await emulator.Control.GetNotificationsAsync()).Channels.Single(c => c.Id == channelId).Connected);
        using var head = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{channelId}");
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        await using var reconnected = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);
        await emulator.Control.AgentJoinAsync(conversationId);
        await reconnected.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.start"));
    }

    [Fact]
    public async Task A_socket_can_reconnect_at_once_after_a_drop()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var (channelId, socket) = await api.ListenAsync(conversationId, "user.start");
        await using var closing = socket;

        await emulator.Control.DropSocketsAsync();
        await using var reconnected = await NotificationSocket.ConnectAsync(new Uri(emulator.StreamingAddress, $"channels/{channelId}"));
        await reconnected.SendTextAsync("""{"message":"ping"}""");
        await reconnected.WaitForTopicAsync("channel.metadata");
        await emulator.Control.AgentJoinAsync(conversationId);

        await reconnected.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.start"));
        Assert.True((await emulator.Control.GetNotificationsAsync()).Channels.Single(c => c.Id == channelId).Connected);
    }

    [Fact]
    public async Task A_combined_topic_receives_each_suffix_under_its_expanded_name()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.AgentJoinAsync(conversationId);
        var (channelId, connectUri) = await api.CreateChannelAsync();
        await api.SubscribeAsync(channelId, $"v2.detail.events.conversation.{conversationId}?user.end&customer.end");
        await using var socket = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);

        await emulator.Control.DisconnectAsync(conversationId);

        await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.end"));
        await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "customer.end"));
    }

    [Fact]
    public async Task The_control_API_lists_channels_with_their_topics_and_sockets()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, connectUri) = await api.CreateChannelAsync();
        await api.SubscribeAsync(channelId, "topic.one");
        await using var socket = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);

        var notifications = await emulator.Control.GetNotificationsAsync();

        var channel = notifications.Channels.Single(c => c.Id == channelId);
        Assert.Equal(["topic.one"], channel.Topics);
        Assert.Equal(connectUri.ToString(), channel.ConnectUri);
        Assert.NotNull(channel.ConnectedAt);
        Assert.True(notifications.ConnectedSockets >= 1);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(20);
        }
    }
}
