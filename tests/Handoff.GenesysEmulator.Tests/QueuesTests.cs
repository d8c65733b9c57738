using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>Queue wait and staffing (fact sheet §11.7): estimated wait time and queue observations.</summary>
public sealed class QueuesTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string SupportQueue = GenesysEmulatorFixture.SupportQueueId;
    private const string ObservationsPath = "api/v2/analytics/queues/observations/query";

    [Fact]
    public async Task The_estimated_wait_time_is_the_configured_one_in_the_Genesys_shape()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.GetAsync($"api/v2/routing/queues/{SupportQueue}/estimatedwaittime");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"results":[{"intent":"MESSAGE","formula":"BEST","estimatedWaitTimeSeconds":140}]}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Put_queue_changes_the_estimate_and_creates_queues()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var newQueue = Guid.NewGuid().ToString();

        var created = await emulator.Control.PutQueueAsync(newQueue, "Billing", estimatedWaitSeconds: 45, onQueueAgents: 3, idleAgents: 1);
        var estimate = await api.ReadJsonAsync(api.GetAsync($"api/v2/routing/queues/{newQueue}/estimatedwaittime"));
        await emulator.Control.PutQueueAsync(newQueue, "Billing", estimatedWaitSeconds: 5, onQueueAgents: 3, idleAgents: 3);
        var changed = await api.ReadJsonAsync(api.GetAsync($"api/v2/routing/queues/{newQueue}/mediatypes/message/estimatedwaittime"));

        Assert.Equal(("Billing", true), (created.Name, created.Configured));
        Assert.Equal(45, estimate.GetProperty("results")[0].GetProperty("estimatedWaitTimeSeconds").GetInt32());
        Assert.Equal(5, changed.GetProperty("results")[0].GetProperty("estimatedWaitTimeSeconds").GetInt32());
        Assert.Contains(await emulator.Control.GetQueuesAsync(), q => q.Id == newQueue && q.IdleAgents == 3);
    }

    [Fact]
    public async Task Put_queue_refuses_more_idle_than_on_queue_agents()
    {
        using var http = emulator.CreateClient();

        using var response = await http.PutAsync(
            $"emulator/queues/{Guid.NewGuid()}",
            new StringContent("""{"name":"x","estimatedWaitSeconds":1,"onQueueAgents":1,"idleAgents":2}""", System.Text.Encoding.UTF8, "application/json"));

        await GenesysAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Observations_report_idle_and_interacting_agents_in_the_Genesys_shape()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        var result = Assert.Single((await QueryAsync(api, SupportQueue, "oOnQueueUsers", "oInteracting", "oWaiting")).GetProperty("results").EnumerateArray());

        var group = result.GetProperty("group");
        Assert.Equal(SupportQueue, group.GetProperty("queueId").GetString());
        Assert.Equal("message", group.GetProperty("mediaType").GetString());
        var data = result.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(GenesysEmulatorFixture.SupportQueueIdleAgents, Count(data, "oOnQueueUsers", "IDLE"));
        Assert.Equal(
            GenesysEmulatorFixture.SupportQueueOnQueueAgents - GenesysEmulatorFixture.SupportQueueIdleAgents,
            Count(data, "oOnQueueUsers", "INTERACTING"));
        Assert.Contains(data, d => d.GetProperty("metric").GetString() == "oWaiting" && !d.TryGetProperty("qualifier", out _));
        Assert.Contains(data, d => d.GetProperty("metric").GetString() == "oInteracting");
    }

    [Fact]
    public async Task OWaiting_and_oInteracting_follow_the_queues_live_conversations()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var before = await ObserveAsync(api);

        var (_, conversationId) = await api.StartConversationAsync();
        var queued = await ObserveAsync(api);
        await emulator.Control.AgentJoinAsync(conversationId);
        var answered = await ObserveAsync(api);
        await emulator.Control.DisconnectAsync(conversationId);
        var ended = await ObserveAsync(api);

        Assert.Equal((before.Waiting + 1, before.Interacting), queued);
        Assert.Equal((before.Waiting, before.Interacting + 1), answered);
        Assert.Equal(before, ended);
    }

    [Fact]
    public async Task Unknown_queues_answer_404_and_bad_queries_400()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var unknown = Guid.NewGuid().ToString();

        using var estimate = await api.GetAsync($"api/v2/routing/queues/{unknown}/estimatedwaittime");
        using var observe = await api.PostAsync(ObservationsPath, Query(unknown, "oWaiting"));
        using var noQueue = await api.PostAsync(ObservationsPath, new JsonObject
        {
            ["filter"] = new JsonObject { ["type"] = "and", ["predicates"] = new JsonArray() },
            ["metrics"] = new JsonArray("oWaiting"),
        });
        using var badMetric = await api.PostAsync(ObservationsPath, Query(SupportQueue, "oNonsense"));
        using var noMetrics = await api.PostAsync(ObservationsPath, Query(SupportQueue));

        await GenesysAssert.ErrorAsync(estimate, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(observe, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(noQueue, HttpStatusCode.BadRequest, "bad.request");
        await GenesysAssert.ErrorAsync(badMetric, HttpStatusCode.BadRequest, "invalid.value");
        await GenesysAssert.ErrorAsync(noMetrics, HttpStatusCode.BadRequest, "bad.request");
    }

    [Fact]
    public async Task An_integration_without_a_configured_queue_routes_to_an_implicit_queue_named_after_it()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var integrationId = Guid.NewGuid().ToString();
        await emulator.Control.PutIntegrationAsync(integrationId, "Implicit Line", webhookUrl: null, webhookSecret: null);
        var (_, conversationId) = await api.StartConversationAsync(integrationId);

        var conversation = await emulator.Control.GetConversationAsync(conversationId);
        var estimate = await api.ReadJsonAsync(api.GetAsync($"api/v2/routing/queues/{integrationId}/estimatedwaittime"));

        Assert.Equal((integrationId, "Implicit Line"), (conversation!.QueueId, conversation.QueueName));
        Assert.Equal(60, estimate.GetProperty("results")[0].GetProperty("estimatedWaitTimeSeconds").GetInt32());
    }

    [Fact]
    public async Task An_integration_put_with_a_queue_routes_its_conversations_there()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var integrationId = Guid.NewGuid().ToString();
        var queueId = Guid.NewGuid().ToString();
        await emulator.Control.PutQueueAsync(queueId, "Returns", estimatedWaitSeconds: 12, onQueueAgents: 2, idleAgents: 0);

        var integration = await emulator.Control.PutIntegrationAsync(integrationId, "Returns Line", null, null, queueId);
        var (_, conversationId) = await api.StartConversationAsync(integrationId);
        var joined = await emulator.Control.AgentJoinAsync(conversationId);

        Assert.Equal(queueId, integration.QueueId);
        Assert.Equal((queueId, "Returns"), (joined.QueueId, joined.QueueName));
        Assert.Equal(queueId, joined.AgentParticipants[0].QueueId);
        var renamed = await emulator.Control.PutIntegrationAsync(integrationId, "Returns Line 2", webhookUrl: null, webhookSecret: null);
        Assert.Equal(queueId, renamed.QueueId);
    }

    private static async Task<JsonElement> QueryAsync(GenesysApi api, string queueId, params string[] metrics) =>
        await api.ReadJsonAsync(api.PostAsync(ObservationsPath, Query(queueId, metrics)));

    private static async Task<(long Waiting, long Interacting)> ObserveAsync(GenesysApi api)
    {
        var data = (await QueryAsync(api, SupportQueue, "oWaiting", "oInteracting")).GetProperty("results")[0].GetProperty("data").EnumerateArray().ToList();
        return (Count(data, "oWaiting", null), Count(data, "oInteracting", null));
    }

    private static JsonObject Query(string queueId, params string[] metrics) => new()
    {
        ["filter"] = new JsonObject
        {
            ["type"] = "and",
            ["predicates"] = new JsonArray(
                new JsonObject { ["dimension"] = "queueId", ["value"] = queueId },
                new JsonObject { ["dimension"] = "mediaType", ["value"] = "message" }),
        },
        ["metrics"] = new JsonArray([.. metrics.Select(m => (JsonNode)JsonValue.Create(m))]),
    };

    private static long Count(List<JsonElement> data, string metric, string? qualifier) => data
        .Single(d => d.GetProperty("metric").GetString() == metric
            && (d.TryGetProperty("qualifier", out var q) ? q.GetString() : null) == qualifier)
        .GetProperty("stats").GetProperty("count").GetInt64();
}
