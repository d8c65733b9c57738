using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>Agent messages: attachments on the webhook (fact sheet §4), the sending agent, and receipts shown per message.</summary>
public sealed class AgentMessageTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Support = GenesysEmulatorFixture.SupportIntegrationId;

    [Fact]
    public async Task An_attachment_reaches_the_webhook_as_content_with_an_empty_text()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        var photo = new EmulatorAttachment("Image", "https://files.example.org/r/photo.jpg", "image/jpeg", "photo.jpg") { ContentSizeBytes = 48213 };

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "", agentName: null, attachments: [photo]);

        var request = await recorder.WaitForRequestAsync(r => r.Json().GetProperty("id").GetString() == sent.Id);
        Assert.Equal(Signatures.Expected(request.Body), request.Header("X-Hub-Signature-256"));
        var body = request.Json();
        Assert.Equal("Text", body.GetProperty("type").GetString());
        Assert.Equal(string.Empty, body.GetProperty("text").GetString());
        var content = Assert.Single(body.GetProperty("content").EnumerateArray());
        Assert.Equal("Attachment", content.GetProperty("contentType").GetString());
        var attachment = content.GetProperty("attachment");
        Assert.Equal(["contentSizeBytes", "filename", "id", "mediaType", "mime", "url"], GenesysAssert.PropertyNames(attachment));
        Assert.Equal("Image", attachment.GetProperty("mediaType").GetString());
        Assert.Equal("https://files.example.org/r/photo.jpg", attachment.GetProperty("url").GetString());
        Assert.Equal("image/jpeg", attachment.GetProperty("mime").GetString());
        Assert.Equal("photo.jpg", attachment.GetProperty("filename").GetString());
        Assert.Equal(48213, attachment.GetProperty("contentSizeBytes").GetInt64());
        var stored = Assert.Single(sent.Content!);
        Assert.Equal((photo.Url, 48213L), (stored.Url, stored.ContentSizeBytes!.Value));
    }

    [Fact]
    public async Task Text_and_attachments_travel_together_and_a_missing_media_type_is_inferred_from_the_mime()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        using var http = emulator.CreateClient();

        using var response = await http.PostAsJsonAsync($"emulator/conversations/{conversationId}/agent-messages", new
        {
            text = "Here is the form.",
            agentName = "Ivo Kral",
            attachments = new[] { new { url = "https://files.example.org/form.pdf", mime = "application/pdf" } },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var sent = (await response.Content.ReadFromJsonAsync<EmulatorMessage>())!;
        Assert.Equal("Ivo Kral", sent.AgentName);
        var body = (await recorder.WaitForRequestAsync(r => r.Json().GetProperty("id").GetString() == sent.Id)).Json();
        Assert.Equal("Here is the form.", body.GetProperty("text").GetString());
        var attachment = body.GetProperty("content")[0].GetProperty("attachment");
        Assert.Equal("File", attachment.GetProperty("mediaType").GetString());
        Assert.Equal("form.pdf", attachment.GetProperty("filename").GetString());
    }

    [Theory]
    [InlineData("""{"attachments":[{"url":"ftp://files.example.org/a.png"}]}""")]
    [InlineData("""{"attachments":[{"url":"https://files.example.org/a.png","mediaType":"Sticker"}]}""")]
    [InlineData("""{"text":"","attachments":[]}""")]
    public async Task Invalid_attachments_or_no_content_answer_400(string body)
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, conversationId) = await api.StartConversationAsync();
        using var http = emulator.CreateClient();

        using var response = await http.PostAsync(
            $"emulator/conversations/{conversationId}/agent-messages", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await GenesysAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty((await emulator.Control.GetConversationAsync(conversationId))!.AgentParticipants);
    }

    [Fact]
    public async Task Delivered_and_Failed_receipts_with_their_reason_show_per_agent_message()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (userId, conversationId) = await api.StartConversationAsync();
        var delivered = await emulator.Control.SendAgentMessageAsync(conversationId, "First");
        var failed = await emulator.Control.SendAgentMessageAsync(conversationId, "Second");
        (await api.PostReceiptAsync(Support, Bodies.Receipt(delivered.Id, userId))).EnsureSuccessStatusCode();
        var failure = Bodies.Receipt(failed.Id, userId, "Failed")
            .With("reasons", new JsonArray(new JsonObject { ["code"] = "RecipientOptedOut", ["message"] = "user closed the chat" }));
        (await api.PostReceiptAsync(Support, failure)).EnsureSuccessStatusCode();

        var conversation = (await emulator.Control.GetConversationAsync(conversationId))!;

        var first = conversation.Messages.Single(m => m.Id == delivered.Id);
        var second = conversation.Messages.Single(m => m.Id == failed.Id);
        Assert.Equal("Delivered", first.Receipt!.Status);
        Assert.Empty(first.Receipt.Reasons);
        Assert.Equal("Failed", second.Receipt!.Status);
        var reason = Assert.Single(second.Receipt.Reasons);
        Assert.Equal(("RecipientOptedOut", "user closed the chat"), (reason.Code, reason.Message));
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, second.AgentName);
    }
}
