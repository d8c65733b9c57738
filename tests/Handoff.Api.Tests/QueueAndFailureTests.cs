using System.Diagnostics;
using System.Net;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary><c>GET /v1/queues/{name}/availability</c> and a healthy <c>/health</c>, live from the emulator.</summary>
public sealed class QueueAvailabilityTests(WatchingStack stack) : IClassFixture<WatchingStack>
{
    private readonly HttpClient _client = stack.CreateClient();

    [Fact]
    public async Task Availability_reports_agents_and_the_estimated_wait_from_genesys_live()
    {
        var response = await _client.GetAsync("/v1/queues/support/availability");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadNodeAsync();
        Assert.Equal("Support", (string)body["queue"]!);
        Assert.Equal("genesys", (string)body["channel"]!);
        Assert.Equal(GenesysEmulatorFixture.SupportQueueOnQueueAgents, (int)body["agentsOnQueue"]!);
        Assert.Equal(GenesysEmulatorFixture.SupportQueueIdleAgents, (int)body["agentsIdle"]!);
        Assert.Equal(GenesysEmulatorFixture.SupportQueueEstimatedWaitSeconds, (int)body["estimatedWaitSeconds"]!);

        await stack.Emulator.Control.PutQueueAsync(GenesysEmulatorFixture.SupportQueueId, GenesysEmulatorFixture.SupportQueueName, 12, 3, 1);
        try
        {
            var changed = await (await _client.GetAsync("/v1/queues/Support/availability")).ReadNodeAsync();
            Assert.Equal((3, 1, 12), ((int)changed["agentsOnQueue"]!, (int)changed["agentsIdle"]!, (int)changed["estimatedWaitSeconds"]!));
        }
        finally
        {
            await stack.Emulator.Control.PutQueueAsync(GenesysEmulatorFixture.SupportQueueId, GenesysEmulatorFixture.SupportQueueName,
                GenesysEmulatorFixture.SupportQueueEstimatedWaitSeconds, GenesysEmulatorFixture.SupportQueueOnQueueAgents, GenesysEmulatorFixture.SupportQueueIdleAgents);
        }
    }

    [Fact]
    public async Task A_queue_without_a_queue_id_is_501_naming_the_setting()
    {
        var response = await _client.GetAsync("/v1/queues/Sales/availability");

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Channels:Genesys:Queues:Sales:QueueId", (string)(await response.ReadNodeAsync())["detail"]!);
    }

    [Fact]
    public async Task An_unknown_queue_is_404_and_no_api_key_is_401()
    {
        using var anonymous = stack.CreateClient(apiKey: null);

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/v1/queues/Billing/availability")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/v1/queues/Support/availability?channel=slack")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/queues/Support/availability")).StatusCode);
    }

    [Fact]
    public async Task Genesys_refusing_the_figures_is_a_502_that_says_why()
    {
        await stack.Emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/analytics") { Status = 403 });
        try
        {
            var response = await _client.GetAsync("/v1/queues/Support/availability");

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Contains("analytics:queueObservation:view", (string)(await response.ReadNodeAsync())["detail"]!);
        }
        finally
        {
            await stack.Emulator.Control.ClearFaultsAsync();
        }
    }

    [Fact]
    public async Task Health_reports_the_genesys_integrations_verified()
    {
        using var anonymous = stack.CreateClient(apiKey: null);

        var health = await (await anonymous.GetAsync("/health")).ReadNodeAsync();

        Assert.Equal("Healthy", (string)health["checks"]!["genesys"]!["status"]!);
        Assert.Contains("every Genesys integration exists", (string)health["checks"]!["genesys"]!["description"]!);
    }
}

/// <summary>Misconfigured integrations: the health check names each problem, and a handoff to a missing one fails clearly.</summary>
public sealed class MisconfigurationTests(MisconfiguredStack stack) : IClassFixture<MisconfiguredStack>
{
    private readonly HttpClient _client = stack.CreateClient();

    [Fact]
    public async Task Health_is_degraded_and_names_the_missing_integration_and_the_wrong_name()
    {
        using var anonymous = stack.CreateClient(apiKey: null);

        var response = await anonymous.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // Degraded still answers 200
        var health = await response.ReadNodeAsync();
        Assert.Equal("Degraded", (string)health["status"]!);
        var genesys = health["checks"]!["genesys"]!;
        Assert.Equal("Degraded", (string)genesys["status"]!);
        var description = (string)genesys["description"]!;
        Assert.Contains($"Queue 'Ghost': integration {MisconfiguredStack.GhostIntegrationId} does not exist", description);
        Assert.Contains("Channels:Genesys:Queues:Ghost:IntegrationId", description);
        Assert.Contains($"is named '{GenesysEmulatorFixture.SupportIntegrationName}' in Genesys", description);
        Assert.Contains($"Channels:Genesys:Queues:Support:IntegrationName is '{MisconfiguredStack.WrongSupportName}'", description);
        Assert.DoesNotContain("Queue 'Sales'", description);
    }

    [Fact]
    public async Task A_handoff_to_a_missing_integration_fails_with_the_setting_to_fix()
    {
        var created = await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff(queue: "Ghost"))).ReadNodeAsync();
        var id = (string)created["id"]!;

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.failed");

        var reason = (string)events.OfType("handoff.failed").Single()["data"]!["reason"]!;
        Assert.Contains($"integration {MisconfiguredStack.GhostIntegrationId} not found", reason);
        Assert.Contains("Channels:Genesys:Queues:Ghost:IntegrationId", reason);
        Assert.Equal("failed", (string)(await Scenario.HandoffAsync(_client, id))["status"]!);
    }
}

/// <summary>A wrong OAuth client secret: the bot hears why, in words an operator can act on.</summary>
public sealed class BadClientSecretTests(BadSecretStack stack) : IClassFixture<BadSecretStack>
{
    [Fact]
    public async Task The_bot_gets_handoff_failed_saying_the_credentials_were_rejected_and_health_says_so_too()
    {
        var client = stack.CreateClient();
        var id = (string)(await (await client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;

        var events = await Events.WaitForTypeAsync(client, id, "handoff.failed");

        var reason = (string)events.OfType("handoff.failed").Single()["data"]!["reason"]!;
        Assert.StartsWith("Genesys rejected the OAuth client credentials (Channels:Genesys:ClientId/ClientSecret)", reason);
        Assert.DoesNotContain("not-the-client-secret", reason);
        using var anonymous = stack.CreateClient(apiKey: null);
        var health = await (await anonymous.GetAsync("/health")).ReadNodeAsync();
        Assert.Contains("OAuth client credentials", (string)health["checks"]!["genesys"]!["description"]!);
    }
}

/// <summary>Rate limits and outages: 429 honours Retry-After and loses nothing; after the budget the bot is told.</summary>
public sealed class GenesysFailureTests(FewRetriesStack stack) : IClassFixture<FewRetriesStack>, IAsyncLifetime
{
    private readonly HttpClient _client = stack.CreateClient();
    private EmulatorControlClient Genesys => stack.Emulator.Control;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Genesys.ClearFaultsAsync();

    private static string InboundPath => $"/api/v2/conversations/messages/{GenesysEmulatorFixture.SupportIntegrationId}/inbound/open/message";

    [Fact]
    public async Task A_429_burst_delays_messages_by_retry_after_but_loses_and_reorders_nothing()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await Genesys.AddFaultAsync(new EmulatorFault(InboundPath) { Method = "POST", Status = 429, Count = 4, RetryAfterSeconds = 1 });
        var clock = Stopwatch.StartNew();

        foreach (var i in Enumerable.Range(1, 3))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = $"burst-{i}", text = $"burst {i}" })).StatusCode);
        }

        var seen = await Scenario.ConversationAsync(stack, conversation.Id, c => c.Messages.Count(m => m.Text?.StartsWith("burst", StringComparison.Ordinal) == true) == 3);
        clock.Stop();
        Assert.Equal(["burst 1", "burst 2", "burst 3"], seen.Messages.Where(m => m.Text?.StartsWith("burst", StringComparison.Ordinal) == true).Select(m => m.Text));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1), $"Retry-After 1 s was not honoured (all delivered in {clock.Elapsed})");
        Assert.Equal(4, (await Genesys.GetFaultsAsync()).Single().Injected);
        var events = await Events.WaitForTypeAsync(_client, id, "message.delivered", count: 3);
        Assert.Empty(events.OfType("message.failed"));
    }

    [Fact]
    public async Task After_the_retry_budget_the_bot_gets_message_failed_with_the_reason()
    {
        var (id, _) = await Scenario.StartAsync(stack, _client);
        await Events.WaitForTypeAsync(_client, id, "handoff.queued");
        await Genesys.AddFaultAsync(new EmulatorFault(InboundPath) { Method = "POST", Status = 503, RetryAfterSeconds = 0 });

        await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = "doomed-1", text = "will not arrive" });

        var events = await Events.WaitForTypeAsync(_client, id, "message.failed");
        var failed = events.OfType("message.failed").Single()["data"]!;
        Assert.Equal("doomed-1", (string)failed["messageId"]!);
        Assert.Contains("gave up after 3 attempts", (string)failed["reason"]!);
        Assert.Contains("503", (string)failed["reason"]!);

        // Genesys' own Failed receipt for that message, arriving after: the bot was told already, so it is a duplicate.
        using var anonymous = stack.CreateClient(apiKey: null);
        var receipt = await GenesysWebhook.PostSignedAsync(anonymous, GenesysWebhook.Receipt("late-failed", id, "doomed-1", "Failed"), GenesysEmulatorFixture.WebhookSecret);
        Assert.Equal(HttpStatusCode.OK, receipt.StatusCode);
        Assert.Equal("duplicate", (string)(await receipt.ReadNodeAsync())["result"]!);
        Assert.Single((await Events.WaitForTypeAsync(_client, id, "message.failed")).OfType("message.failed"));
    }

    [Fact]
    public async Task A_missing_permission_fails_the_handoff_naming_the_permission()
    {
        await Genesys.AddFaultAsync(new EmulatorFault(InboundPath) { Method = "POST", Status = 403, Count = 1 });

        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.failed");
        Assert.Contains("lacks permission conversation:message:receive", (string)events.OfType("handoff.failed").Single()["data"]!["reason"]!);
    }
}
