using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>Adapter + client + token + auth handler through the real DI wiring, with stubbed Genesys responses.</summary>
public sealed class GenesysAdapterTests
{
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task Start_posts_the_transcript_with_custom_attributes_and_returns_conversation_state()
    {
        await using var genesys = new StubbedGenesys();
        var handoff = TestData.Handoff(id: "h-start-1");

        var result = await genesys.Adapter.StartAsync(handoff, Ct);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal("conv-1", result.State![GenesysAdapter.ConversationIdStateKey]);
        Assert.Equal(TestData.SupportIntegrationId, result.State[GenesysAdapter.IntegrationIdStateKey]);

        var request = Assert.Single(genesys.Api.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(
            $"https://api.mypurecloud.ie/api/v2/conversations/messages/{TestData.SupportIntegrationId}/inbound/open/message?prefetchConversationId=true",
            request.Uri.ToString());
        Assert.Equal("Bearer token-1", request.Authorization);

        using var json = JsonDocument.Parse(request.Body);
        var channel = json.RootElement.GetProperty("channel");
        Assert.Equal("h-start-1:start", channel.GetProperty("messageId").GetString());
        Assert.Equal("2025-03-01T14:06:05.000Z", channel.GetProperty("time").GetString());
        var from = channel.GetProperty("from");
        Assert.Equal("h-start-1", from.GetProperty("id").GetString());
        Assert.Equal("Opaque", from.GetProperty("idType").GetString());
        Assert.Equal("Maria P.", from.GetProperty("nickname").GetString());
        Assert.Equal("Maria", from.GetProperty("firstName").GetString());
        Assert.Equal("Perez", from.GetProperty("lastName").GetString());
        Assert.Equal("maria@example.org", from.GetProperty("email").GetString());
        var attributes = channel.GetProperty("metadata").GetProperty("customAttributes");
        Assert.Equal("h-start-1", attributes.GetProperty("handoffId").GetString());
        Assert.Equal("Support", attributes.GetProperty("handoffQueue").GetString());
        Assert.Equal("refund", attributes.GetProperty("lastIntent").GetString());
        Assert.Equal(GenesysTranscript.Render(handoff), json.RootElement.GetProperty("text").GetString());
        Assert.False(json.RootElement.TryGetProperty("metadata", out _)); // custom attributes never go top-level
    }

    [Fact]
    public async Task Nickname_falls_back_to_display_name()
    {
        await using var genesys = new StubbedGenesys();
        await genesys.Adapter.StartAsync(TestData.Handoff(user: new ChannelUser("u", null, "Ana", "Gómez", null)), Ct);

        using var json = JsonDocument.Parse(Assert.Single(genesys.Api.Requests).Body);
        var from = json.RootElement.GetProperty("channel").GetProperty("from");
        Assert.Equal("Ana Gómez", from.GetProperty("nickname").GetString());
        Assert.False(from.TryGetProperty("email", out _));
    }

    [Fact]
    public async Task Message_and_typing_use_the_integration_from_state_and_the_message_id()
    {
        await using var genesys = new StubbedGenesys();
        var handoff = TestData.Handoff(id: "h-2", queue: "Support", state: new Dictionary<string, string>
        {
            [GenesysAdapter.IntegrationIdStateKey] = TestData.SalesIntegrationId,
            [GenesysAdapter.ConversationIdStateKey] = "conv-1",
        });

        var sent = await genesys.Adapter.SendMessageAsync(handoff, new ChannelMessage("m-77", "my order is 123", new DateTimeOffset(2025, 3, 1, 14, 7, 0, TimeSpan.Zero)), Ct);
        var typing = await genesys.Adapter.SendTypingAsync(handoff, Ct);

        Assert.Equal(DeliveryOutcome.Delivered, sent.Outcome);
        Assert.Null(sent.State); // conversation id unchanged
        Assert.Equal(DeliveryOutcome.Delivered, typing.Outcome);

        var requests = genesys.Api.Requests;
        Assert.Equal($"/api/v2/conversations/messages/{TestData.SalesIntegrationId}/inbound/open/message", requests[0].Uri.PathAndQuery);
        using (var message = JsonDocument.Parse(requests[0].Body))
        {
            Assert.Equal("m-77", message.RootElement.GetProperty("channel").GetProperty("messageId").GetString());
            Assert.Equal("h-2", message.RootElement.GetProperty("channel").GetProperty("from").GetProperty("id").GetString());
            Assert.Equal("my order is 123", message.RootElement.GetProperty("text").GetString());
        }

        Assert.Equal($"/api/v2/conversations/messages/{TestData.SalesIntegrationId}/inbound/open/event", requests[1].Uri.PathAndQuery);
        using var evt = JsonDocument.Parse(requests[1].Body);
        Assert.Equal("Typing", evt.RootElement.GetProperty("events")[0].GetProperty("eventType").GetString());
        Assert.Equal("2025-03-01T14:00:00.000Z", evt.RootElement.GetProperty("channel").GetProperty("time").GetString());
    }

    [Fact]
    public async Task End_is_a_documented_no_op()
    {
        await using var genesys = new StubbedGenesys();
        var result = await genesys.Adapter.EndAsync(TestData.Handoff(), "user left", Ct);
        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Empty(genesys.Api.Requests);
    }

    [Fact]
    public async Task Unknown_queue_fails_clearly_without_calling_genesys()
    {
        await using var genesys = new StubbedGenesys();
        var result = await genesys.Adapter.StartAsync(TestData.Handoff(queue: "Billing"), Ct);

        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.Contains("Queue 'Billing' is not configured", result.Reason, StringComparison.Ordinal);
        Assert.Contains("Channels:Genesys:Queues:Billing:IntegrationId", result.Reason, StringComparison.Ordinal);
        Assert.Empty(genesys.Api.Requests);
        Assert.Empty(genesys.Login.Requests);
    }

    [Fact]
    public async Task Channel_and_queues_come_from_the_manifest_and_configuration()
    {
        await using var genesys = new StubbedGenesys();
        Assert.Equal("genesys", genesys.Adapter.Channel);
        Assert.Equal(["Sales", "Support"], genesys.Adapter.Queues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Token_is_fetched_once_with_basic_auth_for_many_calls()
    {
        await using var genesys = new StubbedGenesys();
        var handoff = TestData.Handoff();
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            genesys.Adapter.SendMessageAsync(handoff, new ChannelMessage($"m{i}", "hi", genesys.Time.GetUtcNow()), Ct)));
        await genesys.Adapter.SendTypingAsync(handoff, Ct);

        var token = Assert.Single(genesys.Login.Requests);
        Assert.Equal("https://login.mypurecloud.ie/oauth/token", token.Uri.ToString());
        Assert.Equal(HttpMethod.Post, token.Method);
        Assert.Equal("grant_type=client_credentials", token.Body);
        var basic = AuthenticationHeaderValue.Parse(token.Authorization!);
        Assert.Equal("Basic", basic.Scheme);
        Assert.Equal($"{StubbedGenesys.ClientId}:{StubbedGenesys.ClientSecret}", Encoding.UTF8.GetString(Convert.FromBase64String(basic.Parameter!)));
        Assert.All(genesys.Api.Requests, r => Assert.Equal("Bearer token-1", r.Authorization));
        Assert.Equal(6, genesys.Api.Requests.Count);
    }

    [Fact]
    public async Task Token_is_refreshed_shortly_before_it_expires()
    {
        await using var genesys = new StubbedGenesys(expiresIn: 600);
        var handoff = TestData.Handoff();

        await genesys.Adapter.SendTypingAsync(handoff, Ct);
        genesys.Time.Advance(TimeSpan.FromSeconds(535)); // 600 s lifetime, 60 s margin: still good
        await genesys.Adapter.SendTypingAsync(handoff, Ct);
        Assert.Single(genesys.Login.Requests);

        genesys.Time.Advance(TimeSpan.FromSeconds(10)); // within the margin
        await genesys.Adapter.SendTypingAsync(handoff, Ct);
        await genesys.Adapter.SendTypingAsync(handoff, Ct);

        Assert.Equal(2, genesys.Login.Requests.Count);
        Assert.Equal(["Bearer token-1", "Bearer token-1", "Bearer token-2", "Bearer token-2"], genesys.Api.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task A_401_refreshes_the_token_and_retries_once_with_the_same_body()
    {
        await using var genesys = new StubbedGenesys(api: r => r.Authorization == "Bearer token-1"
            ? StubHttpHandler.Json(HttpStatusCode.Unauthorized, """{ "message": "expired", "status": 401 }""")
            : StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "g" }"""));

        var result = await genesys.Adapter.SendMessageAsync(TestData.Handoff(), new ChannelMessage("m1", "hello again", genesys.Time.GetUtcNow()), Ct);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal(2, genesys.Login.Requests.Count);
        var attempts = genesys.Api.Requests;
        Assert.Equal(["Bearer token-1", "Bearer token-2"], attempts.Select(r => r.Authorization));
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        Assert.Contains("hello again", attempts[1].Body, StringComparison.Ordinal);

        // The new token is cached: no further fetch.
        await genesys.Adapter.SendTypingAsync(TestData.Handoff(), Ct);
        Assert.Equal(2, genesys.Login.Requests.Count);
    }

    [Fact]
    public async Task A_second_401_is_a_permanent_credentials_failure()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.Unauthorized, "{}"));

        var result = await genesys.Adapter.SendTypingAsync(TestData.Handoff(), Ct);

        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.Contains("credentials rejected", result.Reason, StringComparison.Ordinal);
        Assert.Equal(2, genesys.Api.Requests.Count);
    }

    [Fact]
    public async Task Rejected_client_credentials_fail_with_an_operator_message_and_no_secret()
    {
        await using var genesys = new StubbedGenesys(login: _ => StubHttpHandler.Json(
            HttpStatusCode.Unauthorized, """{ "error": "invalid_client", "description": "client not found" }"""));

        var result = await genesys.Adapter.StartAsync(TestData.Handoff(), Ct);

        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.StartsWith("Genesys rejected the OAuth client credentials (Channels:Genesys:ClientId/ClientSecret)", result.Reason, StringComparison.Ordinal);
        Assert.Contains("invalid_client", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(StubbedGenesys.ClientSecret, result.Reason, StringComparison.Ordinal);
        Assert.Empty(genesys.Api.Requests);
    }

    [Fact]
    public async Task Login_outage_is_transient()
    {
        await using var genesys = new StubbedGenesys(login: _ => new HttpResponseMessage(HttpStatusCode.BadGateway));
        var result = await genesys.Adapter.SendTypingAsync(TestData.Handoff(), Ct);
        Assert.Equal(DeliveryOutcome.Retry, result.Outcome);
    }

    [Fact]
    public async Task Bad_request_is_permanent_with_genesys_message_and_context_id()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.BadRequest,
            """{ "message": "The request could not be understood", "code": "bad.request", "status": 400, "contextId": "ctx-123", "details": [], "errors": [] }"""));

        var result = await genesys.Adapter.StartAsync(TestData.Handoff(), Ct);

        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.Contains("The request could not be understood", result.Reason, StringComparison.Ordinal);
        Assert.Contains("ctx-123", result.Reason, StringComparison.Ordinal);
        Assert.Single(genesys.Api.Requests);
    }

    [Fact]
    public async Task Forbidden_names_the_missing_permission()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.Forbidden, """{ "message": "Missing permission" }"""));
        var result = await genesys.Adapter.StartAsync(TestData.Handoff(), Ct);
        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.Contains("the OAuth client's role lacks permission conversation:message:receive", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Not_found_names_the_integration_and_the_key_to_fix()
    {
        await using var genesys = new StubbedGenesys(api: _ => StubHttpHandler.Json(HttpStatusCode.NotFound, """{ "message": "not found" }"""));
        var result = await genesys.Adapter.StartAsync(TestData.Handoff(), Ct);
        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.Contains($"integration {TestData.SupportIntegrationId} not found in this Genesys org", result.Reason, StringComparison.Ordinal);
        Assert.Contains("Channels:Genesys:Queues:Support:IntegrationId", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rate_limit_with_a_long_retry_after_goes_back_to_core_at_once()
    {
        await using var genesys = new StubbedGenesys(api: _ =>
        {
            var response = StubHttpHandler.Json(HttpStatusCode.TooManyRequests, """{ "message": "rate limited", "contextId": "ctx-429" }""");
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
            return response;
        });

        var result = await genesys.Adapter.SendMessageAsync(TestData.Handoff(), new ChannelMessage("m", "x", genesys.Time.GetUtcNow()), Ct);

        Assert.Equal(DeliveryOutcome.Retry, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
        Assert.Single(genesys.Api.Requests);
    }

    [Fact]
    public async Task Server_errors_are_retried_at_most_twice_then_transient()
    {
        await using var genesys = new StubbedGenesys(api: _ =>
        {
            var response = StubHttpHandler.Json(HttpStatusCode.ServiceUnavailable, """{ "message": "down" }""");
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.Zero);
            return response;
        });

        var result = await genesys.Adapter.SendMessageAsync(TestData.Handoff(), new ChannelMessage("m", "x", genesys.Time.GetUtcNow()), Ct);

        Assert.Equal(DeliveryOutcome.Retry, result.Outcome);
        Assert.Equal(1 + new GenesysResilienceOptions().MaxRetryAttempts, genesys.Api.Requests.Count);
        Assert.All(genesys.Api.Requests, r => Assert.Contains("\"messageId\":\"m\"", r.Body, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_short_retry_after_is_waited_out_inside_the_call_and_then_delivers()
    {
        var calls = 0;
        await using var genesys = new StubbedGenesys(api: _ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                var busy = StubHttpHandler.Json(HttpStatusCode.TooManyRequests, """{ "message": "slow down" }""");
                busy.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
                return busy;
            }

            return StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "g-msg-1", "conversationId": "conv-1" }""");
        });

        var sending = genesys.Adapter.SendMessageAsync(TestData.Handoff(), new ChannelMessage("m", "x", genesys.Time.GetUtcNow()), Ct);
        // The retry waits Genesys' 3 s on the (fake) clock, not the back-off (zero in these tests): nothing before that.
        for (var i = 0; i < 50 && genesys.Api.Requests.Count < 1; i++)
        {
            await Task.Delay(10, Ct);
        }

        genesys.Time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(50, Ct);
        Assert.Single(genesys.Api.Requests);
        Assert.False(sending.IsCompleted);

        genesys.Time.Advance(TimeSpan.FromSeconds(1));
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.Equal(2, genesys.Api.Requests.Count);
        Assert.True(result.Throttled); // core's dispatcher takes it as push-back and delivers to fewer handoffs at once
    }

    [Fact]
    public async Task Unreachable_genesys_is_transient()
    {
        await using var genesys = new StubbedGenesys(api: _ => throw new HttpRequestException("connection refused"));
        var result = await genesys.Adapter.SendTypingAsync(TestData.Handoff(), Ct);
        Assert.Equal(DeliveryOutcome.Retry, result.Outcome);
    }

    [Fact]
    public async Task Success_without_a_conversation_id_still_delivers_with_the_integration_state()
    {
        await using var genesys = new StubbedGenesys(api: _ => new HttpResponseMessage(HttpStatusCode.Accepted));
        var result = await genesys.Adapter.StartAsync(TestData.Handoff(), Ct);
        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.False(result.State!.ContainsKey(GenesysAdapter.ConversationIdStateKey));
        Assert.Equal(TestData.SupportIntegrationId, result.State[GenesysAdapter.IntegrationIdStateKey]);
    }
}
