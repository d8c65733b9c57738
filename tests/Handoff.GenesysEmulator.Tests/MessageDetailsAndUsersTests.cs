using System.Net;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>Who is the agent? (fact sheet §11.6): message details with <c>createdBy</c>, and <c>GET /api/v2/users/{id}</c>.</summary>
public sealed class MessageDetailsAndUsersTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Support = GenesysEmulatorFixture.SupportIntegrationId;

    [Fact]
    public async Task An_agent_message_details_name_the_agent_in_createdBy()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await api.StartConversationAsync();
        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "Hi Maria, I'm Ana. How can I help?");

        var details = await api.ReadJsonAsync(api.GetAsync($"api/v2/conversations/messages/{sent.Id}/details"));

        Assert.Equal(sent.Id, details.GetProperty("id").GetString());
        Assert.Equal(conversationId, details.GetProperty("conversationId").GetString());
        Assert.Equal("outbound", details.GetProperty("direction").GetString());
        Assert.Equal("open", details.GetProperty("messengerType").GetString());
        Assert.Equal("sent", details.GetProperty("status").GetString());
        Assert.Equal(Support, details.GetProperty("fromAddress").GetString());
        Assert.Equal(userId, details.GetProperty("toAddress").GetString());
        Assert.Equal(sent.Time, details.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal("Text", details.GetProperty("normalizedMessage").GetProperty("type").GetString());
        Assert.Equal("Hi Maria, I'm Ana. How can I help?", details.GetProperty("normalizedMessage").GetProperty("text").GetString());
        Assert.Equal("Hi Maria, I'm Ana. How can I help?", details.GetProperty("textBody").GetString());
        var createdBy = details.GetProperty("createdBy");
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentUserId, createdBy.GetProperty("id").GetString());
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, createdBy.GetProperty("name").GetString());
    }

    [Fact]
    public async Task UseNormalizedMessage_drops_the_deprecated_textBody()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "Normalized only.", agentName: "Ines Vidal");

        var details = await api.ReadJsonAsync(api.GetAsync($"api/v2/conversations/messages/{sent.Id}/details?useNormalizedMessage=true"));

        Assert.False(details.TryGetProperty("textBody", out _));
        Assert.Equal("Normalized only.", details.GetProperty("normalizedMessage").GetProperty("text").GetString());
        Assert.Equal("Ines Vidal", details.GetProperty("createdBy").GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_inbound_message_details_have_no_createdBy()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var userId = Bodies.NewUserId();
        var inbound = await api.SendMessageAsync(Support, Bodies.Message(userId, "from the customer"));

        var details = await api.ReadJsonAsync(api.GetAsync($"api/v2/conversations/messages/{inbound.GetProperty("id").GetString()}/details"));

        Assert.Equal("inbound", details.GetProperty("direction").GetString());
        Assert.Equal("received", details.GetProperty("status").GetString());
        Assert.Equal(userId, details.GetProperty("fromAddress").GetString());
        Assert.False(details.TryGetProperty("createdBy", out _));
    }

    [Fact]
    public async Task A_failed_receipt_shows_in_the_details_normalizedReceipts()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await api.StartConversationAsync();
        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "Can you see this?");
        var receipt = Bodies.Receipt(sent.Id, userId, "Failed")
            .With("reasons", new JsonArray(new JsonObject { ["code"] = "GeneralError", ["message"] = "user left the widget" }));
        (await api.PostReceiptAsync(Support, receipt)).EnsureSuccessStatusCode();

        var details = await api.ReadJsonAsync(api.GetAsync($"api/v2/conversations/messages/{sent.Id}/details"));

        var normalized = Assert.Single(details.GetProperty("normalizedReceipts").EnumerateArray());
        Assert.Equal("Failed", normalized.GetProperty("status").GetString());
        Assert.Equal("GeneralError", normalized.GetProperty("reasons")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task Unknown_messages_and_users_answer_404_and_both_need_a_token()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        using var http = emulator.CreateClient();

        using var message = await api.GetAsync($"api/v2/conversations/messages/{Guid.NewGuid():N}/details");
        using var user = await api.GetAsync($"api/v2/users/{Guid.NewGuid()}");
        using var anonymous = await http.GetAsync($"api/v2/users/{GenesysEmulatorFixture.DefaultAgentUserId}");

        await GenesysAssert.ErrorAsync(message, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(user, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(anonymous, HttpStatusCode.Unauthorized, "authentication.required");
    }

    [Fact]
    public async Task The_default_agent_is_a_user_with_id_name_and_email()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        var user = await api.ReadJsonAsync(api.GetAsync($"api/v2/users/{GenesysEmulatorFixture.DefaultAgentUserId}"));

        Assert.Equal(GenesysEmulatorFixture.DefaultAgentUserId, user.GetProperty("id").GetString());
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, user.GetProperty("name").GetString());
        Assert.Contains("@", user.GetProperty("email").GetString(), StringComparison.Ordinal);
        var agents = await emulator.Control.GetAgentsAsync();
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentUserId, Assert.Single(agents, a => a.IsDefault == true).UserId);
    }
}

/// <summary>An emulator with its own agents configured (<c>Emulator:Agents</c>).</summary>
public sealed class ConfiguredAgentsEmulatorFixture : GenesysEmulatorFixture
{
    public const string LeadUserId = "0b1c2d3e-4f50-4617-8a9b-c0d1e2f3a4b5";
    public const string HelperUserId = "1c2d3e4f-5061-4728-9bac-d1e2f3a4b5c6";

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings[$"Emulator:Agents:{LeadUserId}:Name"] = "Lia Mendes";
        settings[$"Emulator:Agents:{LeadUserId}:Email"] = "lia@example.org";
        settings[$"Emulator:Agents:{HelperUserId}:Name"] = "Omar Haddad";
        settings["Emulator:DefaultAgentUserId"] = HelperUserId;
    }
}

/// <summary>Configured agents replace the built-in ones; the default agent is the configured one.</summary>
public sealed class ConfiguredAgentsTests(ConfiguredAgentsEmulatorFixture emulator) : IClassFixture<ConfiguredAgentsEmulatorFixture>
{
    [Fact]
    public async Task Configured_agents_answer_conversations_and_the_users_API()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "Omar here.");
        var lead = await api.ReadJsonAsync(api.GetAsync($"api/v2/users/{ConfiguredAgentsEmulatorFixture.LeadUserId}"));
        using var builtIn = await api.GetAsync($"api/v2/users/{GenesysEmulatorFixture.DefaultAgentUserId}");

        Assert.Equal((ConfiguredAgentsEmulatorFixture.HelperUserId, "Omar Haddad"), (sent.AgentUserId, sent.AgentName));
        Assert.Equal("Lia Mendes", lead.GetProperty("name").GetString());
        Assert.Equal("lia@example.org", lead.GetProperty("email").GetString());
        Assert.Equal(HttpStatusCode.NotFound, builtIn.StatusCode);
        var transferred = await emulator.Control.TransferAsync(conversationId);
        Assert.Equal(ConfiguredAgentsEmulatorFixture.LeadUserId, transferred.Agent!.UserId);
    }
}
