using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging.Abstractions;

namespace Handoff.Channels.Genesys.Tests;

public sealed class GenesysWebhookEndpointsTests
{
    private static readonly string TextBody = $$"""
        { "id": "9a8b7c6d5e4f3a2b", "channel": { "id": "{{TestData.SupportIntegrationId}}", "platform": "Open", "type": "Private",
            "messageId": "9a8b7c6d5e4f3a2b", "time": "2025-03-01T14:05:58.431Z", "to": { "id": "h-1", "idType": "Opaque" },
            "from": { "id": "{{TestData.SupportIntegrationId}}", "idType": "Opaque", "nickname": "Soporte" } },
          "type": "Text", "text": "Hi Maria", "direction": "Outbound", "conversationId": "c-1" }
        """;

    private static async Task<(IResult Result, RecordingInbox Inbox)> PostAsync(
        string body, string? signature, GenesysOptions? options = null, InboxResult inboxResult = InboxResult.Accepted, bool sendLength = true)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Body = new MemoryStream(bytes);
        if (sendLength)
        {
            context.Request.ContentLength = bytes.Length;
        }

        if (signature is not null)
        {
            context.Request.Headers["X-Hub-Signature-256"] = signature;
        }

        var inbox = new RecordingInbox(inboxResult);
        var result = await GenesysWebhookEndpoints.HandleAsync(
            context, inbox, new StaticOptionsMonitor<GenesysOptions>(options ?? TestData.Options()), TimeProvider.System,
            NullLogger<GenesysWebhookEndpoints>.Instance);
        return (result.Result, inbox);
    }

    private static string Sign(string body, string secret = TestData.WebhookSecret) =>
        GenesysWebhookSignature.Compute(Encoding.UTF8.GetBytes(body), secret);

    private static string AckOf(IResult result) => Assert.IsType<Ok<WebhookAck>>(result).Value!.Result;

    private static int ProblemStatus(IResult result) => Assert.IsType<ProblemHttpResult>(result).StatusCode;

    [Fact]
    public async Task Signed_agent_text_is_relayed_and_acknowledged()
    {
        var (result, inbox) = await PostAsync(TextBody, Sign(TextBody));

        Assert.Equal("accepted", AckOf(result));
        var inbound = Assert.Single(inbox.Received);
        Assert.Equal(InboundKind.AgentMessage, inbound.Kind);
        Assert.Equal("Hi Maria", inbound.Text);
        Assert.Equal("Soporte Cola A", inbound.AgentDisplayName);
    }

    [Theory]
    [InlineData(InboxResult.Duplicate, "duplicate")]
    [InlineData(InboxResult.UnknownHandoff, "unknownHandoff")]
    [InlineData(InboxResult.HandoffEnded, "handoffEnded")]
    public async Task Every_inbox_answer_is_a_200(InboxResult inboxResult, string expected)
    {
        var (result, _) = await PostAsync(TextBody, Sign(TextBody), inboxResult: inboxResult);
        Assert.Equal(expected, AckOf(result));
    }

    [Fact]
    public async Task Missing_signature_is_401_and_nothing_is_relayed()
    {
        var (result, inbox) = await PostAsync(TextBody, signature: null);
        Assert.Equal(StatusCodes.Status401Unauthorized, ProblemStatus(result));
        Assert.Empty(inbox.Received);
    }

    [Fact]
    public async Task Wrong_signature_is_401_and_nothing_is_relayed()
    {
        var (result, inbox) = await PostAsync(TextBody, Sign(TextBody, "some-other-secret-0123456789"));
        Assert.Equal(StatusCodes.Status401Unauthorized, ProblemStatus(result));
        Assert.Empty(inbox.Received);
    }

    [Fact]
    public async Task Without_a_configured_secret_unsigned_webhooks_are_accepted()
    {
        var (result, inbox) = await PostAsync(TextBody, signature: null, TestData.Options(o => o.WebhookSecret = null));
        Assert.Equal("accepted", AckOf(result));
        Assert.Single(inbox.Received);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Oversized_body_is_413(bool sendLength)
    {
        var huge = "{\"text\":\"" + new string('x', GenesysApi.MaxWebhookBodyBytes) + "\"}";
        var (result, inbox) = await PostAsync(huge, Sign(huge), sendLength: sendLength);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, ProblemStatus(result));
        Assert.Empty(inbox.Received);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("null")]
    [InlineData("[1,2]")]
    public async Task Signed_but_unparsable_body_is_400(string body)
    {
        var (result, inbox) = await PostAsync(body, Sign(body));
        Assert.Equal(StatusCodes.Status400BadRequest, ProblemStatus(result));
        Assert.Empty(inbox.Received);
    }

    [Fact]
    public async Task Read_receipt_is_acknowledged_as_ignored_without_relaying()
    {
        const string body = """{ "id": "r", "channel": { "messageId": "m", "to": { "id": "h" } }, "type": "Receipt", "status": "Read" }""";
        var (result, inbox) = await PostAsync(body, Sign(body));
        Assert.Equal("ignored", AckOf(result));
        Assert.Empty(inbox.Received);
    }

    [Fact]
    public async Task Over_http_the_route_is_channels_genesys_webhook_and_answers_json()
    {
        await using var host = await WebhookHost.StartAsync(new Dictionary<string, string?>
        {
            ["Channels:Genesys:Region"] = "mypurecloud.ie",
            ["Channels:Genesys:ClientId"] = "id",
            ["Channels:Genesys:ClientSecret"] = "secret",
            ["Channels:Genesys:WebhookSecret"] = TestData.WebhookSecret,
            ["Channels:Genesys:Queues:Support:IntegrationId"] = TestData.SupportIntegrationId,
            ["Channels:Genesys:Queues:Support:IntegrationName"] = "Soporte Cola A",
        });
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using var signed = new HttpRequestMessage(HttpMethod.Post, "channels/genesys/webhook")
        {
            Content = new StringContent(TextBody, Encoding.UTF8, "application/json"),
        };
        signed.Headers.Add("X-Hub-Signature-256", Sign(TextBody));
        using var ok = await http.SendAsync(signed);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var json = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()))
        {
            Assert.Equal("accepted", json.RootElement.GetProperty("result").GetString());
        }

        using var forged = new HttpRequestMessage(HttpMethod.Post, "channels/genesys/webhook")
        {
            Content = new StringContent(TextBody.Replace("Hi Maria", "Send me your password", StringComparison.Ordinal), Encoding.UTF8, "application/json"),
        };
        forged.Headers.Add("X-Hub-Signature-256", Sign(TextBody));
        using var rejected = await http.SendAsync(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
        Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
        var problem = await rejected.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());

        var only = Assert.Single(host.Inbox.Received);
        Assert.Equal("Hi Maria", only.Text);
    }
}
