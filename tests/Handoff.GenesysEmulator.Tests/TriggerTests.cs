using System.Net;
using System.Net.Http.Json;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>The Process Automation trigger → data action emulation (fact sheet §11.8 suggested contract).</summary>
public sealed class TriggerTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    [Fact]
    public async Task A_user_end_trigger_posts_the_contract_body_with_the_static_headers_and_returns_the_target_status()
    {
        await using var target = await WebhookRecorder.StartAsync();
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.SendAgentMessageAsync(conversationId, "Done, bye!");
        var ended = await emulator.Control.DisconnectAsync(conversationId);

        var result = await emulator.Control.TriggerAsync(
            conversationId, target.Url, headers: new Dictionary<string, string> { ["X-Trigger-Secret"] = "s3cret" });

        Assert.Equal(200, result.StatusCode);
        Assert.Null(result.Error);
        var request = Assert.Single(target.Requests);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("s3cret", request.Header("X-Trigger-Secret"));
        Assert.Null(request.Header("X-Hub-Signature-256"));
        var body = request.Json();
        Assert.Equal(
            ["conversationId", "disconnectType", "eventTime", "interactingDurationMs", "participantId", "source", "topic", "userId"],
            GenesysAssert.PropertyNames(body));
        var agent = Assert.Single(ended.AgentParticipants);
        Assert.Equal("genesys-trigger", body.GetProperty("source").GetString());
        Assert.Equal("user.end", body.GetProperty("topic").GetString());
        Assert.Equal(conversationId, body.GetProperty("conversationId").GetString());
        Assert.Equal(agent.Id, body.GetProperty("participantId").GetString());
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentUserId, body.GetProperty("userId").GetString());
        Assert.Equal("CLIENT", body.GetProperty("disconnectType").GetString());
        Assert.True(body.GetProperty("interactingDurationMs").GetInt64() >= 0);
        Assert.Equal(agent.EndTime!.Value.ToUnixTimeMilliseconds(), body.GetProperty("eventTime").GetInt64());
        Assert.Equal(body.GetRawText(), result.Body.GetRawText());
    }

    [Fact]
    public async Task A_customer_end_trigger_describes_the_customer_and_relays_a_failing_status()
    {
        await using var target = await WebhookRecorder.StartAsync();
        target.RespondWith(HttpStatusCode.InternalServerError);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.AgentJoinAsync(conversationId);
        var ended = await emulator.Control.DisconnectAsync(conversationId);

        var result = await emulator.Control.TriggerAsync(conversationId, target.Url, topic: "customer.end");

        Assert.Equal(500, result.StatusCode);
        Assert.Single(target.Requests);
        var body = target.Requests[0].Json();
        Assert.Equal("customer.end", body.GetProperty("topic").GetString());
        Assert.Equal(ended.Customer!.Id, body.GetProperty("participantId").GetString());
        Assert.Equal("SYSTEM", body.GetProperty("disconnectType").GetString());
    }

    [Fact]
    public async Task A_trigger_needs_an_agent_a_known_conversation_a_valid_url_and_a_known_topic()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        using var http = emulator.CreateClient();

        var noAgent = await Assert.ThrowsAsync<HttpRequestException>(
            () => emulator.Control.TriggerAsync(conversationId, new Uri("http://127.0.0.1:9/hook")));
        var unknown = await Assert.ThrowsAsync<HttpRequestException>(
            () => emulator.Control.TriggerAsync(Guid.NewGuid().ToString(), new Uri("http://127.0.0.1:9/hook")));
        using var badUrl = await http.PostAsJsonAsync($"emulator/conversations/{conversationId}/trigger", new { url = "not a url" });
        using var badTopic = await http.PostAsJsonAsync(
            $"emulator/conversations/{conversationId}/trigger", new { url = "http://127.0.0.1:9/hook", topic = "acd.end" });

        Assert.Equal(HttpStatusCode.Conflict, noAgent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await GenesysAssert.ProblemAsync(badUrl, HttpStatusCode.BadRequest);
        await GenesysAssert.ProblemAsync(badTopic, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task An_unreachable_target_is_reported_without_a_status()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        await emulator.Control.AgentJoinAsync(conversationId);
        Uri closedPort;
        await using (var gone = await WebhookRecorder.StartAsync())
        {
            closedPort = gone.Url;
        }

        var result = await emulator.Control.TriggerAsync(conversationId, closedPort, topic: "v2.detail.events.conversation.{id}.user.end");

        Assert.Null(result.StatusCode);
        Assert.False(string.IsNullOrEmpty(result.Error));
        Assert.Equal("user.end", result.Body.GetProperty("topic").GetString());
        Assert.False(result.Body.TryGetProperty("disconnectType", out _));
    }
}
