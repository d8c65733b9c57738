using System.Net;
using System.Net.Http.Json;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>Transfers (fact sheet §11.4 case b): user.end with TRANSFER, a new agent leg, no customer.end.</summary>
public sealed class TransferTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    [Fact]
    public async Task A_blind_transfer_ends_the_agent_with_TRANSFER_connects_the_target_and_keeps_the_conversation()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.SendAgentMessageAsync(conversationId, "Let me transfer you.");
        var (_, socket) = await api.ListenAsync(conversationId);
        await using var closing = socket;

        var transferred = await emulator.Control.TransferAsync(conversationId, toAgentName: "Femi Ade");

        var end = (await socket.ReceiveAsync()).GetProperty("eventBody");
        Assert.Equal("TRANSFER", end.GetProperty("disconnectType").GetString());
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentUserId, end.GetProperty("userId").GetString());
        var start = await socket.ReceiveAsync();
        Assert.Equal(GenesysApi.DetailTopic(conversationId, "user.start"), start.GetProperty("topicName").GetString());
        var femi = (await emulator.Control.GetAgentsAsync()).Single(a => a.Name == "Femi Ade");
        Assert.Equal(femi.UserId, start.GetProperty("eventBody").GetProperty("userId").GetString());
        await socket.AssertNoEventAsync(TimeSpan.FromMilliseconds(200));

        Assert.True(transferred.IsConnected);
        Assert.Equal(EmulatorParticipant.Connected, transferred.Customer!.State);
        Assert.Collection(
            transferred.AgentParticipants,
            first => Assert.Equal((EmulatorParticipant.Disconnected, "transfer"), (first.State, first.DisconnectType)),
            second => Assert.Equal((EmulatorParticipant.Connected, "Femi Ade"), (second.State, second.Name)));
        var next = await emulator.Control.SendAgentMessageAsync(conversationId, "Femi here.");
        Assert.Equal(femi.UserId, next.AgentUserId);
    }

    [Fact]
    public async Task A_blind_transfer_naming_nobody_goes_to_another_agent()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.AgentJoinAsync(conversationId);

        var transferred = await emulator.Control.TransferAsync(conversationId);

        Assert.Equal(GenesysEmulatorFixture.SecondAgentUserId, transferred.Agent!.UserId);
        Assert.Equal(GenesysEmulatorFixture.SecondAgentName, transferred.AgentParticipants[^1].Name);
    }

    [Fact]
    public async Task A_requeue_leaves_an_alerting_leg_with_no_agent_until_the_next_agent_message_picks_it_up()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.SendAgentMessageAsync(conversationId, "Back to the queue with you.");
        var (_, socket) = await api.ListenAsync(conversationId);
        await using var closing = socket;

        var requeued = await emulator.Control.TransferAsync(conversationId, kind: "requeue");

        var end = await socket.ReceiveAsync();
        Assert.Equal("TRANSFER", end.GetProperty("eventBody").GetProperty("disconnectType").GetString());
        var acdStart = await socket.ReceiveAsync();
        Assert.Equal(GenesysApi.DetailTopic(conversationId, "acd.start"), acdStart.GetProperty("topicName").GetString());
        Assert.True(requeued.IsConnected);
        var waiting = requeued.AgentParticipants[^1];
        Assert.Equal(EmulatorParticipant.Alerting, waiting.State);
        Assert.Null(waiting.UserId);
        Assert.Null(requeued.Agent);
        using (var conversation = await api.GetAsync($"api/v2/conversations/messages/{conversationId}"))
        {
            var json = await conversation.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
            Assert.Contains(json.GetProperty("participants").EnumerateArray(), p => p.GetProperty("state").GetString() == "alerting");
        }

        var pickedUp = await emulator.Control.SendAgentMessageAsync(conversationId, "Hi, Gil here.", agentName: "Gil Moss");

        var start = await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "user.start"));
        Assert.Equal(pickedUp.AgentUserId, start.GetProperty("eventBody").GetProperty("userId").GetString());
        Assert.Equal(waiting.Id, start.GetProperty("eventBody").GetProperty("participantId").GetString());
        var after = (await emulator.Control.GetConversationAsync(conversationId))!;
        Assert.Equal(2, after.AgentParticipants.Count);
        Assert.Equal(("Gil Moss", EmulatorParticipant.Connected), (after.AgentParticipants[1].Name, after.AgentParticipants[1].State));
    }

    [Fact]
    public async Task A_requeue_to_a_named_agent_alerts_that_agent_who_connects_on_join()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.AgentJoinAsync(conversationId);

        var requeued = await emulator.Control.TransferAsync(conversationId, toAgentName: "Hana Sato", kind: "requeue");
        var joined = await emulator.Control.AgentJoinAsync(conversationId);

        Assert.Equal((EmulatorParticipant.Alerting, "Hana Sato"), (requeued.AgentParticipants[^1].State, requeued.AgentParticipants[^1].Name));
        Assert.Equal(("Hana Sato", EmulatorParticipant.Connected), (joined.AgentParticipants[^1].Name, joined.AgentParticipants[^1].State));
        Assert.NotNull(joined.AgentParticipants[^1].StartAlertingTime);
    }

    [Fact]
    public async Task A_transfer_needs_an_agent_a_live_conversation_and_a_known_kind()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, queued) = await api.StartConversationAsync();
        var (_, ended) = await api.StartConversationAsync();
        await emulator.Control.DisconnectAsync(ended);
        using var http = emulator.CreateClient();

        var noAgent = await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Control.TransferAsync(queued));
        var disconnected = await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Control.TransferAsync(ended));
        var unknown = await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Control.TransferAsync(Guid.NewGuid().ToString()));
        await emulator.Control.AgentJoinAsync(queued);
        using var badKind = await http.PostAsJsonAsync($"emulator/conversations/{queued}/transfer", new { kind = "consult" });
        var toSelf = await Assert.ThrowsAsync<HttpRequestException>(
            () => emulator.Control.TransferAsync(queued, toAgentName: GenesysEmulatorFixture.DefaultAgentName));

        Assert.Equal(HttpStatusCode.Conflict, noAgent.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, disconnected.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await GenesysAssert.ProblemAsync(badKind, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Conflict, toSelf.StatusCode);
    }
}
