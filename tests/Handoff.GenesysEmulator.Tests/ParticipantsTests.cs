using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>
/// Participants (fact sheet §11.5): <c>GET /api/v2/conversations/messages/{id}</c>, the bot-side
/// <c>PATCH …/participants/{participantId}</c>, agents joining and leaving, and the detail events they raise.
/// </summary>
public sealed class ParticipantsTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string DefaultAgent = GenesysEmulatorFixture.DefaultAgentUserId;

    [Fact]
    public async Task A_new_conversation_has_only_its_connected_customer()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await api.StartConversationAsync();

        var conversation = await api.ReadJsonAsync(api.GetAsync(ConversationPath(conversationId)));

        Assert.Equal(conversationId, conversation.GetProperty("id").GetString());
        var customer = Assert.Single(conversation.GetProperty("participants").EnumerateArray());
        Assert.Equal("customer", customer.GetProperty("purpose").GetString());
        Assert.Equal("connected", customer.GetProperty("state").GetString());
        Assert.Equal("Maria P.", customer.GetProperty("name").GetString());
        Assert.Equal(userId, customer.GetProperty("fromAddress").GetProperty("addressNormalized").GetString());
        Assert.True(Guid.TryParse(customer.GetProperty("id").GetString(), out _));
        Assert.True(customer.TryGetProperty("startTime", out _));
        Assert.False(customer.TryGetProperty("endTime", out _));
        Assert.False(customer.TryGetProperty("disconnectType", out _));
    }

    [Fact]
    public async Task The_first_agent_message_adds_a_connected_agent_with_user_and_queue()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "Hi, Ana here.");

        var agent = AgentOf(await api.ReadJsonAsync(api.GetAsync(ConversationPath(conversationId))));
        Assert.Equal("connected", agent.GetProperty("state").GetString());
        Assert.Equal(DefaultAgent, agent.GetProperty("userId").GetString());
        Assert.Equal(DefaultAgent, agent.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, agent.GetProperty("name").GetString());
        Assert.Equal(GenesysEmulatorFixture.SupportQueueId, agent.GetProperty("queue").GetProperty("id").GetString());
        Assert.True(agent.TryGetProperty("connectedTime", out _));
        Assert.Equal(DefaultAgent, sent.AgentUserId);
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, sent.AgentName);
        var view = await emulator.Control.GetConversationAsync(conversationId);
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, view!.Agent!.Name);
        Assert.Equal(GenesysEmulatorFixture.SupportQueueName, view.QueueName);
    }

    [Fact]
    public async Task Reading_a_conversation_needs_a_token_and_an_unknown_one_answers_404()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        using var http = emulator.CreateClient();
        var (_, conversationId) = await api.StartConversationAsync();

        using var unknown = await api.GetAsync(ConversationPath(Guid.NewGuid().ToString()));
        using var anonymous = await http.GetAsync(ConversationPath(conversationId));

        await GenesysAssert.ErrorAsync(unknown, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(anonymous, HttpStatusCode.Unauthorized, "authentication.required");
    }

    [Fact]
    public async Task Disconnecting_the_customer_answers_202_ends_the_conversation_and_emits_customer_end_CLIENT_then_user_end_PEER()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.SendAgentMessageAsync(conversationId, "Hello");
        var (_, socket) = await api.ListenAsync(conversationId, "customer.end", "user.end");
        await using var closing = socket;
        var customerId = (await emulator.Control.GetConversationAsync(conversationId))!.Customer!.Id;

        using var response = await api.PatchAsync(ParticipantPath(conversationId, customerId), new JsonObject { ["state"] = "disconnected" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsStringAsync());
        var first = await socket.ReceiveAsync();
        Assert.Equal(GenesysApi.DetailTopic(conversationId, "customer.end"), first.GetProperty("topicName").GetString());
        Assert.Equal("CLIENT", first.GetProperty("eventBody").GetProperty("disconnectType").GetString());
        Assert.Equal(customerId, first.GetProperty("eventBody").GetProperty("participantId").GetString());
        var second = await socket.ReceiveAsync();
        Assert.Equal(GenesysApi.DetailTopic(conversationId, "user.end"), second.GetProperty("topicName").GetString());
        Assert.Equal("PEER", second.GetProperty("eventBody").GetProperty("disconnectType").GetString());

        var conversation = await api.ReadJsonAsync(api.GetAsync(ConversationPath(conversationId)));
        var participants = conversation.GetProperty("participants").EnumerateArray().ToList();
        Assert.All(participants, p => Assert.Equal("disconnected", p.GetProperty("state").GetString()));
        Assert.All(participants, p => Assert.True(p.TryGetProperty("endTime", out _)));
        Assert.Equal("client", participants[0].GetProperty("disconnectType").GetString());
        Assert.Equal("peer", participants[1].GetProperty("disconnectType").GetString());
        var view = await emulator.Control.GetConversationAsync(conversationId);
        Assert.Equal(EmulatorConversation.Disconnected, view!.State);
    }

    [Fact]
    public async Task Disconnecting_a_customer_still_in_the_queue_emits_customer_end_and_acd_end_ABANDON_but_no_user_end()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var (_, socket) = await api.ListenAsync(conversationId);
        await using var closing = socket;
        var customerId = (await emulator.Control.GetConversationAsync(conversationId))!.Customer!.Id;

        using var response = await api.PatchAsync(ParticipantPath(conversationId, customerId), new JsonObject { ["state"] = "disconnected" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "customer.end"));
        var acdEnd = await socket.WaitForTopicAsync(GenesysApi.DetailTopic(conversationId, "acd.end"));
        Assert.Equal("ABANDON", acdEnd.GetProperty("eventBody").GetProperty("acdOutcome").GetString());
        await socket.AssertNoEventAsync(TimeSpan.FromMilliseconds(200));
        Assert.DoesNotContain(socket.Received, f => f.GetProperty("topicName").GetString()!.EndsWith(".user.end", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Disconnecting_the_agent_through_the_API_ends_the_conversation_with_the_customer_disconnected_by_the_system()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var joined = await emulator.Control.AgentJoinAsync(conversationId);
        var agentId = Assert.Single(joined.AgentParticipants).Id;

        using var response = await api.PatchAsync(ParticipantPath(conversationId, agentId), new JsonObject { ["state"] = "disconnected" });
        using var again = await api.PatchAsync(ParticipantPath(conversationId, agentId), new JsonObject { ["state"] = "disconnected" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var view = (await emulator.Control.GetConversationAsync(conversationId))!;
        Assert.Equal(EmulatorConversation.Disconnected, view.State);
        Assert.Equal("client", view.AgentParticipants[0].DisconnectType);
        Assert.Equal("system", view.Customer!.DisconnectType);
    }

    [Theory]
    [InlineData("""{"state":"connected"}""", HttpStatusCode.BadRequest, "invalid.value")]
    [InlineData("""{}""", HttpStatusCode.BadRequest, "bad.request")]
    [InlineData("""{"state":""", HttpStatusCode.BadRequest, "bad.request")]
    public async Task A_patch_other_than_disconnected_is_refused(string body, HttpStatusCode status, string code)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var customerId = (await emulator.Control.GetConversationAsync(conversationId))!.Customer!.Id;

        using var request = new HttpRequestMessage(HttpMethod.Patch, ParticipantPath(conversationId, customerId))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", api.Token);
        using var response = await api.Http.SendAsync(request);

        await GenesysAssert.ErrorAsync(response, status, code);
        Assert.True((await emulator.Control.GetConversationAsync(conversationId))!.IsConnected);
    }

    [Fact]
    public async Task Patching_an_unknown_conversation_or_participant_answers_404()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var body = new JsonObject { ["state"] = "disconnected" };

        using var unknownConversation = await api.PatchAsync(ParticipantPath(Guid.NewGuid().ToString(), Guid.NewGuid().ToString()), body);
        using var unknownParticipant = await api.PatchAsync(ParticipantPath(conversationId, Guid.NewGuid().ToString()), body.DeepClone());

        await GenesysAssert.ErrorAsync(unknownConversation, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(unknownParticipant, HttpStatusCode.NotFound, "not.found");
    }

    [Fact]
    public async Task The_agent_ending_the_conversation_disconnects_the_agent_with_client_and_the_customer_with_system()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.SendAgentMessageAsync(conversationId, "Bye now.");

        var ended = await emulator.Control.DisconnectAsync(conversationId);

        Assert.Equal(EmulatorConversation.Disconnected, ended.State);
        var agent = Assert.Single(ended.AgentParticipants);
        Assert.Equal((EmulatorParticipant.Disconnected, "client"), (agent.State, agent.DisconnectType));
        Assert.Equal((EmulatorParticipant.Disconnected, "system"), (ended.Customer!.State, ended.Customer.DisconnectType));
        Assert.NotNull(agent.EndTime);
        Assert.Null(ended.Agent);
    }

    [Fact]
    public async Task Agent_join_connects_the_named_agent_once_and_refuses_a_second_agent()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();

        var joined = await emulator.Control.AgentJoinAsync(conversationId, name: "Carla Ruiz");
        var again = await emulator.Control.AgentJoinAsync(conversationId, name: "Carla Ruiz");
        var other = await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Control.AgentJoinAsync(conversationId, name: "Dan Obi"));
        var otherMessage = await Assert.ThrowsAsync<HttpRequestException>(
            () => emulator.Control.SendAgentMessageAsync(conversationId, "me too", agentName: "Dan Obi"));

        var agent = Assert.Single(joined.AgentParticipants);
        Assert.Equal(("Carla Ruiz", EmulatorParticipant.Connected), (agent.Name, agent.State));
        Assert.Equal("Carla Ruiz", joined.Agent!.Name);
        Assert.Single(again.AgentParticipants);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, otherMessage.StatusCode);
        var message = await emulator.Control.SendAgentMessageAsync(conversationId, "Carla here.");
        Assert.Equal("Carla Ruiz", message.AgentName);
    }

    [Fact]
    public async Task Agent_join_on_an_unknown_or_ended_conversation_is_refused()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.DisconnectAsync(conversationId);

        var unknown = await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Control.AgentJoinAsync(Guid.NewGuid().ToString()));
        var ended = await Assert.ThrowsAsync<HttpRequestException>(() => emulator.Control.AgentJoinAsync(conversationId));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, ended.StatusCode);
    }

    [Fact]
    public async Task An_agent_named_on_the_fly_keeps_a_stable_user_id_that_the_users_API_knows()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, first) = await api.StartConversationAsync();
        var (_, second) = await api.StartConversationAsync();

        var a = await emulator.Control.SendAgentMessageAsync(first, "Hi", agentName: "Eve Tanaka");
        var b = await emulator.Control.SendAgentMessageAsync(second, "Hi", agentName: "eve tanaka");
        var user = await api.ReadJsonAsync(api.GetAsync($"api/v2/users/{a.AgentUserId}"));

        Assert.Equal(a.AgentUserId, b.AgentUserId);
        Assert.True(Guid.TryParse(a.AgentUserId, out _));
        Assert.Equal("Eve Tanaka", user.GetProperty("name").GetString());
        Assert.Contains(await emulator.Control.GetAgentsAsync(), agent => agent.UserId == a.AgentUserId);
    }

    private static string ConversationPath(string conversationId) => $"api/v2/conversations/messages/{conversationId}";

    private static string ParticipantPath(string conversationId, string participantId) =>
        $"api/v2/conversations/messages/{conversationId}/participants/{participantId}";

    private static JsonElement AgentOf(JsonElement conversation) =>
        Assert.Single(conversation.GetProperty("participants").EnumerateArray(), p => p.GetProperty("purpose").GetString() == "agent");
}
