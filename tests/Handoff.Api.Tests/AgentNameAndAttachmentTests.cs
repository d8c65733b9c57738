using System.Net;
using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>
/// Issue #3 end to end: the agent's real name (falling back to the integration name, never failing the message),
/// attachments both ways, and receipts for agent messages posted back to Genesys.
/// </summary>
public sealed class AgentNameAndAttachmentTests(ApiStack stack) : IClassFixture<ApiStack>, IAsyncLifetime
{
    private readonly HttpClient _client = stack.CreateClient();
    private EmulatorControlClient Genesys => stack.Emulator.Control;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => Genesys.ClearFaultsAsync();

    private static JsonNode LastAgentMessage(JsonArray events) => events.OfType("agent.message").Last()["data"]!;

    [Fact]
    public async Task The_bot_sees_the_agents_real_name_when_genesys_tells_it()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);

        await Genesys.SendAgentMessageAsync(conversation.Id, "Bruno here.", GenesysEmulatorFixture.SecondAgentName);

        var events = await Events.WaitForTypeAsync(_client, id, "agent.message");
        Assert.Equal(GenesysEmulatorFixture.SecondAgentName, (string)LastAgentMessage(events)["agent"]!["displayName"]!);
        Assert.Equal(GenesysEmulatorFixture.SecondAgentName, (string)events.OfType("handoff.connected").Single()["data"]!["agent"]!["displayName"]!);
    }

    [Fact]
    public async Task A_failing_name_lookup_shows_the_integration_name_and_the_message_still_arrives_at_once()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await Genesys.AddFaultAsync(new EmulatorFault("/api/v2/conversations/messages") { Method = "GET", Status = 500 });

        var sent = await Genesys.SendAgentMessageAsync(conversation.Id, "Hello from an unnamed agent.");

        var events = await Events.WaitForTypeAsync(_client, id, "agent.message");
        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationName, (string)LastAgentMessage(events)["agent"]!["displayName"]!);
        Assert.Equal("Hello from an unnamed agent.", (string)LastAgentMessage(events)["text"]!);
        var delivery = await Genesys.WaitForWebhookDeliveryAsync(sent.Id);
        Assert.Equal(WebhookDelivery.Delivered, delivery.Outcome);
        Assert.Equal(1, delivery.Attempts); // answered within Genesys' 10 s, so never retried
        Assert.True((await Genesys.GetStatsAsync()).FaultsInjected >= 1);
    }

    [Fact]
    public async Task A_slow_name_lookup_is_cut_short_and_the_integration_name_is_used()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await Genesys.AddFaultAsync(new EmulatorFault("/api/v2/conversations/messages") { Method = "GET", DelayMs = 8000 });

        var sent = await Genesys.SendAgentMessageAsync(conversation.Id, "Are you still there?");

        var events = await Events.WaitForTypeAsync(_client, id, "agent.message");
        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationName, (string)LastAgentMessage(events)["agent"]!["displayName"]!);
        var delivery = await Genesys.WaitForWebhookDeliveryAsync(sent.Id);
        Assert.Equal(1, delivery.Attempts);
        Assert.True(delivery.CompletedAt - delivery.QueuedAt < TimeSpan.FromSeconds(5),
            $"the webhook took {delivery.CompletedAt - delivery.QueuedAt} to answer; the lookup should be cut at 2 s");
    }

    [Fact]
    public async Task User_attachments_reach_the_agent_as_content_items()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);

        var withText = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new
        {
            text = "Here is the label",
            attachments = new object[]
            {
                new { url = "https://files.example.org/label.png", mime = "image/png", filename = "label.png", size = 2048 },
                new { url = "https://files.example.org/invoice.pdf", mediaType = "FILE", filename = "invoice.pdf" },
            },
        });
        var onlyFile = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new
        {
            attachments = new[] { new { url = "https://files.example.org/photo.jpg", mediaType = "image" } },
        });

        Assert.Equal(HttpStatusCode.Accepted, withText.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, onlyFile.StatusCode);
        var seen = await Scenario.ConversationAsync(stack, conversation.Id, c => c.Messages.Count(m => m.Content is { Count: > 0 }) == 2);
        var first = seen.Messages.Single(m => m.Text == "Here is the label");
        Assert.Equal(
            [("Image", "https://files.example.org/label.png", "label.png"), ("File", "https://files.example.org/invoice.pdf", "invoice.pdf")],
            first.Content!.Select(a => (a.MediaType, a.Url, a.Filename)));
        Assert.Equal("image/png", first.Content![0].Mime);
        var second = seen.Messages.Last(m => m.Content is { Count: > 0 });
        Assert.Equal("https://files.example.org/photo.jpg", Assert.Single(second.Content!).Url);
    }

    [Theory]
    [InlineData("""{ "attachments": [ { "url": "/relative/file.png" } ] }""", "attachments[0].url")]
    [InlineData("""{ "attachments": [ { "url": "ftp://files.example.org/a.png" } ] }""", "attachments[0].url")]
    [InlineData("""{ "attachments": [ { "url": "https://files.example.org/big.mov", "size": 26214401 } ] }""", "attachments[0].size")]
    [InlineData("""{ "attachments": [ { "url": "https://files.example.org/a", "mediaType": "pdf" } ] }""", "attachments[0].mediaType")]
    [InlineData("""{ "attachments": [ { "url": "https://files.example.org/a", "mime": "png" } ] }""", "attachments[0].mime")]
    [InlineData("""{ "attachments": [] }""", "text")]
    [InlineData("""{ "attachments": [ null ] }""", "attachments[0]")]
    public async Task Invalid_attachments_are_400s_naming_the_field(string body, string field)
    {
        var (id, _) = await Scenario.StartAsync(stack, _client);

        var response = await _client.PostRawAsync($"/v1/handoffs/{id}/messages", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadNodeAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"expected an error on {field}; got {errors.ToJsonString()}");
    }

    [Fact]
    public async Task More_attachments_than_allowed_is_a_400()
    {
        var (id, _) = await Scenario.StartAsync(stack, _client);
        var attachments = Enumerable.Range(0, 11).Select(i => new { url = $"https://files.example.org/{i}.png" }).ToArray();

        var response = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = "files", attachments });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("At most 10", (string)(await response.ReadNodeAsync())["errors"]!["attachments"]![0]!);
    }

    [Fact]
    public async Task Agent_attachments_reach_the_bot_as_links()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        var photo = new EmulatorAttachment("Image", "https://api-downloads.example.org/api/v2/downloads/p1", "image/jpeg", "photo.jpg") { ContentSizeBytes = 48213 };

        await Genesys.SendAgentMessageAsync(conversation.Id, "", agentName: null, attachments: [photo]);

        var message = LastAgentMessage(await Events.WaitForTypeAsync(_client, id, "agent.message"));
        var attachment = message["attachments"]![0]!;
        Assert.Equal(photo.Url, (string)attachment["url"]!);
        Assert.Equal("image", (string)attachment["mediaType"]!);
        Assert.Equal("image/jpeg", (string)attachment["mime"]!);
        Assert.Equal("photo.jpg", (string)attachment["filename"]!);
        Assert.Equal(48213, (long)attachment["size"]!);
    }

    [Fact]
    public async Task An_agent_message_the_bot_read_is_marked_delivered_in_genesys()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        var sent = await Genesys.SendAgentMessageAsync(conversation.Id, "Did you get this?");

        await Events.WaitForTypeAsync(_client, id, "agent.message"); // the JSON feed hands it to the bot

        var seen = await Scenario.ConversationAsync(stack, conversation.Id, c => c.Messages.Any(m => m.Id == sent.Id && m.Receipt is not null));
        var receipt = seen.Messages.Single(m => m.Id == sent.Id).Receipt!;
        Assert.Equal("Delivered", receipt.Status);
        Assert.Empty(receipt.Reasons);
    }

    [Fact]
    public async Task An_agent_message_the_bot_platform_refused_is_marked_failed_in_genesys()
    {
        await using var bot = await WebhookRecorder.StartAsync();
        bot.DefaultStatus = HttpStatusCode.Gone; // the bot platform no longer wants this handoff's events
        var body = new { channel = "genesys", queue = "Support", user = new { id = $"user-{Guid.NewGuid():N}" }, callbackUrl = bot.Url.ToString() };
        var (_, conversation) = await Scenario.StartAsync(stack, _client, body: body);

        var sent = await Genesys.SendAgentMessageAsync(conversation.Id, "Hello?");

        // Not reading the feed here: the callback is the only way this message reaches the bot.
        var seen = await Scenario.ConversationAsync(stack, conversation.Id, c => c.Messages.Any(m => m.Id == sent.Id && m.Receipt is not null));
        var receipt = seen.Messages.Single(m => m.Id == sent.Id).Receipt!;
        Assert.Equal("Failed", receipt.Status);
        Assert.Equal("RecipientOptedOut", Assert.Single(receipt.Reasons).Code);
    }
}
