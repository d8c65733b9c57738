using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary><c>/api/v2/conversations/messaging/integrations/open</c> (fact sheet §7).</summary>
public sealed class IntegrationsApiTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Path = GenesysApi.IntegrationsPath;

    [Fact]
    public async Task Lists_the_configured_integrations_page_by_page()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.GetAsync($"{Path}?pageSize=1&pageNumber=1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, page.GetProperty("pageSize").GetInt32());
        Assert.Equal(1, page.GetProperty("pageNumber").GetInt32());
        var total = page.GetProperty("total").GetInt32();
        Assert.True(total >= 2);
        Assert.Equal(total, page.GetProperty("pageCount").GetInt32());
        Assert.Single(page.GetProperty("entities").EnumerateArray());

        using var all = await api.GetAsync(Path);
        var names = (await all.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entities").EnumerateArray()
            .Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Contains(GenesysEmulatorFixture.SupportIntegrationName, names);
        Assert.Contains(GenesysEmulatorFixture.SalesIntegrationName, names);
    }

    [Fact]
    public async Task Gets_one_integration_with_the_read_model_fields()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.GetAsync($"{Path}/{GenesysEmulatorFixture.SalesIntegrationId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var integration = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(GenesysEmulatorFixture.SalesIntegrationId, integration.GetProperty("id").GetString());
        Assert.Equal(GenesysEmulatorFixture.SalesIntegrationName, integration.GetProperty("name").GetString());
        Assert.Equal("Active", integration.GetProperty("status").GetString());
        Assert.Equal("Completed", integration.GetProperty("createStatus").GetString());
        Assert.Equal(
            GenesysEmulatorFixture.WebhookSecret,
            integration.GetProperty("outboundNotificationWebhookSignatureSecretToken").GetString());
        Assert.Equal(JsonValueKind.Object, integration.GetProperty("webhookHeaders").ValueKind);
        Assert.Equal(GenesysEmulatorFixture.SalesIntegrationId, integration.GetProperty("recipient").GetProperty("id").GetString());
        Assert.True(integration.TryGetProperty("dateCreated", out _));
        Assert.True(integration.TryGetProperty("dateModified", out _));
        Assert.EndsWith($"/integrations/open/{GenesysEmulatorFixture.SalesIntegrationId}", integration.GetProperty("selfUri").GetString());
    }

    [Fact]
    public async Task Getting_an_unknown_integration_answers_404_not_found()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.GetAsync($"{Path}/{Guid.NewGuid()}");

        await GenesysAssert.ErrorAsync(response, HttpStatusCode.NotFound, "not.found");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("10000")]
    public async Task An_invalid_page_size_answers_400(string pageSize)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.GetAsync($"{Path}?pageSize={pageSize}");

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid.value");
        Assert.Contains("pageSize", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creates_an_integration_that_is_then_listed_and_readable()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostAsync(Path, CreateBody("Created by test"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetString()!;
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal("Completed", created.GetProperty("createStatus").GetString());
        Assert.Equal("https://bot.example.org/genesys/webhook", created.GetProperty("outboundNotificationWebhookUrl").GetString());
        using var read = await api.GetAsync($"{Path}/{id}");
        Assert.Equal("Created by test", (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("name", "bad.request")]
    [InlineData("outboundNotificationWebhookUrl", "bad.request")]
    [InlineData("outboundNotificationWebhookSignatureSecretToken", "bad.request")]
    public async Task Create_without_a_required_field_answers_400_naming_it(string removed, string code)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostAsync(Path, CreateBody("x").Without(removed));

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Contains(removed, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("outboundNotificationWebhookSignatureSecretToken", "fifteen-chars!!")]
    [InlineData("outboundNotificationWebhookUrl", "not a url")]
    [InlineData("outboundNotificationWebhookUrl", "ftp://files.example.org/hook")]
    public async Task Create_with_an_invalid_value_answers_400_invalid_value_naming_it(string field, string value)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var response = await api.PostAsync(Path, CreateBody("x").With(field, value));

        var message = await GenesysAssert.ErrorAsync(response, HttpStatusCode.BadRequest, "invalid.value");
        Assert.Contains(field, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_moves_the_webhook_and_adds_static_headers()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        using var api = await GenesysApi.ConnectAsync(emulator);
        using var createdResponse = await api.PostAsync(Path, CreateBody("Patch me"));
        var id = (await createdResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        using var patched = await api.PatchAsync($"{Path}/{id}", new JsonObject
        {
            ["name"] = "Patched",
            ["outboundNotificationWebhookUrl"] = recorder.Url.ToString(),
            ["webhookHeaders"] = new JsonObject { ["X-Bot-Tenant"] = "acme" },
        });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var model = await patched.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Patched", model.GetProperty("name").GetString());
        Assert.Equal(recorder.Url.ToString(), model.GetProperty("outboundNotificationWebhookUrl").GetString());
        Assert.Equal("a-secret-longer-than-15", model.GetProperty("outboundNotificationWebhookSignatureSecretToken").GetString());

        var inbound = await api.SendMessageAsync(id, Bodies.Message(Bodies.NewUserId()));
        var webhook = await recorder.WaitForRequestAsync();
        Assert.Equal(inbound.GetProperty("id").GetString(), webhook.Json().GetProperty("id").GetString());
        Assert.Equal("acme", webhook.Header("X-Bot-Tenant"));
        Assert.Equal("Patched", webhook.Json().GetProperty("channel").GetProperty("from").GetProperty("nickname").GetString());
        Assert.Equal(Signatures.Expected(webhook.Body, "a-secret-longer-than-15"), webhook.Header("X-Hub-Signature-256"));
    }

    [Fact]
    public async Task Patch_without_a_name_answers_400_and_unknown_ids_404()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);

        using var noName = await api.PatchAsync(
            $"{Path}/{GenesysEmulatorFixture.SalesIntegrationId}", new JsonObject { ["outboundNotificationWebhookUrl"] = "https://x.example/h" });
        using var unknown = await api.PatchAsync($"{Path}/{Guid.NewGuid()}", new JsonObject { ["name"] = "ghost" });

        Assert.Contains("name", await GenesysAssert.ErrorAsync(noName, HttpStatusCode.BadRequest, "bad.request"), StringComparison.Ordinal);
        await GenesysAssert.ErrorAsync(unknown, HttpStatusCode.NotFound, "not.found");
    }

    private static JsonObject CreateBody(string name) => new()
    {
        ["name"] = name,
        ["outboundNotificationWebhookUrl"] = "https://bot.example.org/genesys/webhook",
        ["outboundNotificationWebhookSignatureSecretToken"] = "a-secret-longer-than-15",
        ["supportedContent"] = new JsonObject { ["id"] = Guid.NewGuid().ToString() },
    };
}
