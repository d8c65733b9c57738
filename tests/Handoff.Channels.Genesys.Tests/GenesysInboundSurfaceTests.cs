using System.Net;
using System.Text;
using Handoff.Channels.Genesys.Notifications;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>
/// What reaches the plugin from outside (issue #3 and #4): the trigger endpoint, webhook secret rotation and agent names,
/// notification frames, the integrations health check, and the new settings.
/// </summary>
public sealed class GenesysInboundSurfaceTests
{
    private const string ConversationId = "5d0d331e-0000-4fb5-96f7-7021bef2a8ee";
    private const string TriggerSecret = "trigger-secret-0123456789";

    private static CancellationToken Ct => CancellationToken.None;

    private static readonly string AgentText = $$"""
        { "id": "msg-1", "channel": { "id": "{{TestData.SupportIntegrationId}}", "messageId": "msg-1", "time": "2025-03-01T14:05:58.431Z",
            "to": { "id": "h-1", "idType": "Opaque" }, "from": { "id": "{{TestData.SupportIntegrationId}}", "nickname": "Soporte" } },
          "type": "Text", "text": "Hi Maria", "originatingEntity": "Human", "direction": "Outbound", "conversationId": "{{ConversationId}}",
          "content": [ { "contentType": "Attachment", "attachment": { "id": "att-1", "mediaType": "Image", "url": "https://api-downloads.mypurecloud.ie/api/v2/downloads/x",
            "mime": "image/jpeg", "filename": "photo.jpg", "contentSizeBytes": 48213 } } ] }
        """;

    private static DefaultHttpContext Request(string body, string? header = null, string? value = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Body = new MemoryStream(bytes);
        context.Request.ContentLength = bytes.Length;
        if (header is not null)
        {
            context.Request.Headers[header] = value;
        }

        return context;
    }

    private static Task<Results<Ok<WebhookAck>, ProblemHttpResult>> WebhookAsync(StubbedGenesys genesys, string body, string secret, GenesysOptions? options = null) =>
        GenesysWebhookEndpoints.HandleAsync(
            Request(body, "X-Hub-Signature-256", GenesysWebhookSignature.Compute(Encoding.UTF8.GetBytes(body), secret)),
            genesys.Inbox,
            new StaticOptionsMonitor<GenesysOptions>(options ?? TestData.Options()),
            TimeProvider.System,
            NullLogger<GenesysWebhookEndpoints>.Instance,
            genesys.Services.GetRequiredService<GenesysAgentNames>(),
            genesys.Services.GetRequiredService<GenesysConversationRegistry>());

    // ---- Webhook: secret rotation (issue #4) --------------------------------------------------------------------------

    [Fact]
    public async Task During_a_rotation_both_secrets_are_accepted_and_any_other_is_not()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "msg-1", "createdBy": { "id": "u", "name": "Ana Gómez" } }"""));
        var rotating = TestData.Options(o =>
        {
            o.WebhookSecret = "new-webhook-secret-0123456789";
            o.WebhookSecretPrevious = TestData.WebhookSecret;
        });

        var byNew = await WebhookAsync(genesys, AgentText, "new-webhook-secret-0123456789", rotating);
        var byOld = await WebhookAsync(genesys, AgentText.Replace("msg-1", "msg-2", StringComparison.Ordinal), TestData.WebhookSecret, rotating);
        var byOther = await WebhookAsync(genesys, AgentText, "some-other-secret-0123456789", rotating);
        var oldAfterRotation = await WebhookAsync(genesys, AgentText, TestData.WebhookSecret, TestData.Options(o => o.WebhookSecret = "new-webhook-secret-0123456789"));

        Assert.IsType<Ok<WebhookAck>>(byNew.Result);
        Assert.IsType<Ok<WebhookAck>>(byOld.Result);
        Assert.Equal(401, Assert.IsType<ProblemHttpResult>(byOther.Result).StatusCode);
        Assert.Equal(401, Assert.IsType<ProblemHttpResult>(oldAfterRotation.Result).StatusCode);
        Assert.Equal(2, genesys.Inbox.Received.Count);
    }

    [Fact]
    public async Task An_oversized_webhook_is_refused_from_its_content_length_without_reading_the_body()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentLength = GenesysApi.MaxWebhookBodyBytes + 1;
        context.Request.Body = new UnreadableStream();

        var result = await GenesysWebhookEndpoints.HandleAsync(context, new RecordingInbox(), new StaticOptionsMonitor<GenesysOptions>(TestData.Options()),
            TimeProvider.System, NullLogger<GenesysWebhookEndpoints>.Instance);

        Assert.Equal(413, Assert.IsType<ProblemHttpResult>(result.Result).StatusCode);
    }

    private sealed class UnreadableStream : MemoryStream
    {
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("the body must not be read");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("the body must not be read");
    }

    // ---- Webhook: agent names and attachments (issue #3) -----------------------------------------------------------

    [Fact]
    public async Task The_agents_real_name_is_shown_and_the_attachment_is_linked()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.OK,
            $$"""{ "id": "msg-1", "conversationId": "{{ConversationId}}", "createdBy": { "id": "u-ana", "name": "Ana Gómez" } }"""));

        await WebhookAsync(genesys, AgentText, TestData.WebhookSecret);

        var inbound = Assert.Single(genesys.Inbox.Received);
        Assert.Equal("Ana Gómez", inbound.AgentDisplayName);
        var attachment = Assert.Single(inbound.Attachments!);
        Assert.Equal(new ChannelAttachment("https://api-downloads.mypurecloud.ie/api/v2/downloads/x", "image", "image/jpeg", "photo.jpg", 48213), attachment);
        Assert.EndsWith("/api/v2/conversations/messages/msg-1/details", Assert.Single(genesys.Api.Requests).Uri.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(ConversationId, genesys.Services.GetRequiredService<GenesysConversationRegistry>().Find(ConversationId)?.ConversationId);
    }

    [Fact]
    public async Task Without_a_name_in_the_details_the_user_is_looked_up_once_and_cached()
    {
        await using var genesys = new StubbedGenesys(api: r => r.Uri.AbsolutePath.Contains("/users/", StringComparison.Ordinal)
            ? StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "u-ana", "name": "Ana Gómez" }""")
            : StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "x", "createdBy": { "id": "u-ana" } }"""));

        await WebhookAsync(genesys, AgentText, TestData.WebhookSecret);
        await WebhookAsync(genesys, AgentText.Replace("msg-1", "msg-2", StringComparison.Ordinal), TestData.WebhookSecret);

        Assert.All(genesys.Inbox.Received, i => Assert.Equal("Ana Gómez", i.AgentDisplayName));
        Assert.Single(genesys.Api.Requests, r => r.Uri.AbsolutePath.EndsWith("/users/u-ana", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forbidden_lookup_falls_back_to_the_integration_name_and_pauses_lookups()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.Forbidden, """{ "message": "missing permission" }"""));

        await WebhookAsync(genesys, AgentText, TestData.WebhookSecret);
        await WebhookAsync(genesys, AgentText.Replace("msg-1", "msg-2", StringComparison.Ordinal), TestData.WebhookSecret);

        Assert.Equal(2, genesys.Inbox.Received.Count);
        Assert.All(genesys.Inbox.Received, i => Assert.Equal("Soporte Cola A", i.AgentDisplayName));
        Assert.Single(genesys.Api.Requests); // the second message did not ask again
    }

    [Fact]
    public async Task Typing_shows_the_last_agent_seen_on_the_conversation()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "msg-1", "createdBy": { "id": "u", "name": "Ana Gómez" } }"""));
        var typing = $$"""
            { "id": "ev-1", "channel": { "id": "{{TestData.SupportIntegrationId}}", "time": "2025-03-01T14:06:00.000Z", "to": { "id": "h-1" } },
              "type": "Event", "direction": "Outbound", "conversationId": "{{ConversationId}}", "events": [ { "eventType": "Typing" } ] }
            """;

        await WebhookAsync(genesys, typing, TestData.WebhookSecret);
        await WebhookAsync(genesys, AgentText, TestData.WebhookSecret);
        await WebhookAsync(genesys, typing.Replace("ev-1", "ev-2", StringComparison.Ordinal), TestData.WebhookSecret);

        Assert.Equal(["Soporte Cola A", "Ana Gómez", "Ana Gómez"], genesys.Inbox.Received.Select(i => i.AgentDisplayName));
    }

    // ---- Trigger endpoint ----------------------------------------------------------------------------------------------

    private static async Task<IResult> TriggerAsync(StubbedGenesys genesys, string body, string? secret, string? configuredSecret = TriggerSecret) =>
        (await GenesysTriggerEndpoints.HandleAsync(
            Request(body, secret is null ? null : GenesysTriggerEndpoints.SecretHeader, secret),
            genesys.Services.GetRequiredService<GenesysConversationMonitor>(),
            new StaticOptionsMonitor<GenesysOptions>(TestData.Options(o => o.TriggerSecret = configuredSecret)),
            NullLogger<GenesysTriggerEndpoints>.Instance)).Result;

    private static readonly string TriggerBody =
        $$"""{"source":"genesys-trigger","topic":"user.end","conversationId":"{{ConversationId}}","participantId":"p","userId":"u","disconnectType":"CLIENT","interactingDurationMs":412530,"eventTime":1740838812345}""";

    [Fact]
    public async Task A_trigger_with_the_shared_secret_wakes_the_decision_for_its_conversation()
    {
        await using var genesys = new StubbedGenesys();
        genesys.Services.GetRequiredService<GenesysConversationRegistry>().Watch("h-1", ConversationId);

        var result = await TriggerAsync(genesys, TriggerBody, TriggerSecret);

        Assert.Equal("scheduled", Assert.IsType<Accepted<TriggerAck>>(result).Value!.Result);
        Assert.Equal(1, genesys.Services.GetRequiredService<GenesysConversationMonitor>().Pending);
        Assert.Empty(genesys.Inbox.Received); // nothing decided on the event itself
    }

    [Fact]
    public async Task A_trigger_for_an_unknown_conversation_is_acknowledged_without_effect()
    {
        await using var genesys = new StubbedGenesys();

        var result = await TriggerAsync(genesys, TriggerBody, TriggerSecret);

        Assert.Equal("unknownConversation", Assert.IsType<Accepted<TriggerAck>>(result).Value!.Result);
        Assert.Equal(0, genesys.Services.GetRequiredService<GenesysConversationMonitor>().Pending);
    }

    [Theory]
    [InlineData(null, TriggerSecret, 401)]
    [InlineData("wrong-secret-0123456789xx", TriggerSecret, 401)]
    [InlineData(TriggerSecret, null, 404)]
    public async Task A_trigger_without_the_right_secret_or_with_the_endpoint_off_is_refused(string? presented, string? configured, int status)
    {
        await using var genesys = new StubbedGenesys();
        genesys.Services.GetRequiredService<GenesysConversationRegistry>().Watch("h-1", ConversationId);

        var result = await TriggerAsync(genesys, TriggerBody, presented, configured);

        Assert.Equal(status, Assert.IsType<ProblemHttpResult>(result).StatusCode);
        Assert.Equal(0, genesys.Services.GetRequiredService<GenesysConversationMonitor>().Pending);
    }

    [Fact]
    public async Task A_trigger_body_without_a_conversation_id_is_a_400()
    {
        await using var genesys = new StubbedGenesys();

        var result = await TriggerAsync(genesys, """{"topic":"user.end"}""", TriggerSecret);

        Assert.Equal(400, Assert.IsType<ProblemHttpResult>(result).StatusCode);
    }

    [Fact]
    public void The_secret_comparison_does_not_depend_on_lengths_matching()
    {
        Assert.True(GenesysTriggerEndpoints.SecretMatches(TriggerSecret, TriggerSecret));
        Assert.False(GenesysTriggerEndpoints.SecretMatches(TriggerSecret[..^1], TriggerSecret));
        Assert.False(GenesysTriggerEndpoints.SecretMatches("", TriggerSecret));
    }

    // ---- Notification frames --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("""{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}""", "None")]
    [InlineData("""{"topicName":"channel.metadata","eventBody":{"message":"pong"}}""", "None")]
    [InlineData("""{"topicName":"v2.system.socket_closing","version":"2","eventBody":{"message":"maintenance"}}""", "Closing")]
    [InlineData("""{"result":"404"}""", "ChannelGone")]
    [InlineData("not json", "None")]
    public async Task Frames_that_are_not_events_steer_the_socket(string frame, string expected)
    {
        await using var genesys = new StubbedGenesys();
        var listener = genesys.Services.GetRequiredService<GenesysNotificationListener>();

        Assert.Equal(expected, listener.HandleFrame(Encoding.UTF8.GetBytes(frame)).ToString());
    }

    [Fact]
    public async Task A_detail_event_of_a_watched_conversation_wakes_its_decision_and_others_are_ignored()
    {
        await using var genesys = new StubbedGenesys();
        var listener = genesys.Services.GetRequiredService<GenesysNotificationListener>();
        var monitor = genesys.Services.GetRequiredService<GenesysConversationMonitor>();
        genesys.Services.GetRequiredService<GenesysConversationRegistry>().Watch("h-1", ConversationId);

        listener.HandleFrame(Encoding.UTF8.GetBytes("""{"topicName":"v2.detail.events.conversation.other-conversation.user.end","eventBody":{"disconnectType":"CLIENT"}}"""));
        Assert.Equal(0, monitor.Pending);

        listener.HandleFrame(Encoding.UTF8.GetBytes($$$"""{"topicName":"v2.detail.events.conversation.{{{ConversationId}}}.user.end","version":"2","eventBody":{"conversationId":"{{{ConversationId}}}","disconnectType":"CLIENT"}}"""));
        Assert.Equal(1, monitor.Pending);
        Assert.Empty(genesys.Inbox.Received);
    }

    [Theory]
    [InlineData("v2.detail.events.conversation.5d0d331e-0000-4fb5-96f7-7021bef2a8ee.user.end", ConversationId)]
    [InlineData("v2.detail.events.conversation.5d0d331e-0000-4fb5-96f7-7021bef2a8ee.customer.end", ConversationId)]
    [InlineData("v2.detail.events.conversation.abc.acd.start", "abc")]
    [InlineData("v2.users.abc.presence", null)]
    public void The_conversation_id_is_read_from_the_topic(string topic, string? expected)
    {
        Assert.Equal(expected, GenesysNotificationListener.ConversationOf(topic));
    }

    // ---- Health check ----------------------------------------------------------------------------------------------------

    [Fact]
    public async Task The_health_check_names_a_missing_integration_and_a_name_mismatch()
    {
        await using var genesys = new StubbedGenesys(api: r => r.Uri.AbsolutePath.EndsWith(TestData.SupportIntegrationId, StringComparison.Ordinal)
            ? StubHttpHandler.Json(HttpStatusCode.OK, $$"""{ "id": "{{TestData.SupportIntegrationId}}", "name": "Support – renamed" }""")
            : StubHttpHandler.Json(HttpStatusCode.NotFound, """{ "message": "not found", "code": "not.found" }"""),
            configure: s => s["Channels:Genesys:Queues:Support:IntegrationName"] = "Soporte Cola A");
        var check = genesys.Services.GetRequiredService<GenesysIntegrationsHealthCheck>();

        var result = await check.CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("genesys", check, HealthStatus.Degraded, null),
        }, Ct);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains($"Queue 'Sales': integration {TestData.SalesIntegrationId} does not exist", result.Description, StringComparison.Ordinal);
        Assert.Contains("Queue 'Support'", result.Description, StringComparison.Ordinal);
        Assert.Contains("'Support – renamed'", result.Description, StringComparison.Ordinal);
        Assert.Contains("Channels:Genesys:Queues:Support:IntegrationName is 'Soporte Cola A'", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_check_is_healthy_when_every_integration_matches_and_answers_from_memory_for_a_while()
    {
        await using var genesys = new StubbedGenesys(api: r => StubHttpHandler.Json(HttpStatusCode.OK,
            r.Uri.AbsolutePath.EndsWith(TestData.SupportIntegrationId, StringComparison.Ordinal)
                ? """{ "name": "soporte cola a" }"""
                : """{ "name": "Ventas" }"""),
            configure: s => s["Channels:Genesys:Queues:Support:IntegrationName"] = "Soporte Cola A");
        var check = genesys.Services.GetRequiredService<GenesysIntegrationsHealthCheck>();
        var context = new HealthCheckContext { Registration = new HealthCheckRegistration("genesys", check, HealthStatus.Degraded, null) };

        var first = await check.CheckHealthAsync(context, Ct);
        var second = await check.CheckHealthAsync(context, Ct);
        genesys.Time.Advance(TimeSpan.FromMinutes(2));
        await check.CheckHealthAsync(context, Ct);

        Assert.Equal(HealthStatus.Healthy, first.Status);
        Assert.Same(first.Description, second.Description);
        Assert.Equal(4, genesys.Api.Requests.Count); // two integrations, checked twice
    }

    // ---- Settings ----------------------------------------------------------------------------------------------------------

    [Fact]
    public void New_settings_are_validated_with_the_key_to_fix()
    {
        var options = TestData.Options(o =>
        {
            o.WebhookSecret = null;
            o.WebhookSecretPrevious = "previous-secret-0123456789";
            o.TriggerSecret = "short";
            o.EndSettleWindow = TimeSpan.FromMinutes(5);
            o.Queues["Support"].QueueId = "not-a-guid";
            o.Notifications.PingInterval = TimeSpan.FromMinutes(5);
        });

        var errors = new GenesysOptionsValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(errors, e => e.Contains("WebhookSecretPrevious is set but Channels:Genesys:WebhookSecret is not", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:TriggerSecret", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:EndSettleWindow", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:Queues:Support:QueueId must be a GUID", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:Notifications:PingInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new GenesysOptionsValidator().Validate(null, TestData.Options()).Succeeded);
    }
}
