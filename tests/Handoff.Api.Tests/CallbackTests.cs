using System.Net;
using Handoff.Core.Dispatch;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>Events POSTed to the bot platform: signed, in order, retried, beside the event feed.</summary>
public sealed class CallbackTests(ApiStack stack) : IClassFixture<ApiStack>
{
    private readonly HttpClient _client = stack.CreateClient();

    private static object WithCallback(Uri url) => new
    {
        channel = "genesys",
        queue = "Support",
        user = new { id = $"user-{Guid.NewGuid():N}", nickname = "Callback Carla" },
        callbackUrl = url.ToString(),
    };

    [Fact]
    public async Task Every_event_is_posted_signed_and_in_order()
    {
        await using var bot = await WebhookRecorder.StartAsync();
        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", WithCallback(bot.Url))).ReadNodeAsync())["id"]!;
        var conversation = await stack.Emulator.Control.WaitForConversationAsync(c => c.UserId == id, TimeSpan.FromSeconds(20));

        await stack.Emulator.Control.SendAgentMessageAsync(conversation.Id, "hello via callback");
        var received = await bot.WaitForRequestsAsync(3, timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(["handoff.queued", "handoff.connected", "agent.message"], received.Take(3).Select(r => r.Json().GetProperty("type").GetString()));
        foreach (var request in received)
        {
            Assert.True(CallbackSigner.Verify(ApiStack.CallbackSecret, request.Header(CallbackSigner.TimestampHeader), request.Header(CallbackSigner.SignatureHeader), request.Body),
                "the callback signature must verify over timestamp.body");
            Assert.False(CallbackSigner.Verify("another-secret-0123456789", request.Header(CallbackSigner.TimestampHeader), request.Header(CallbackSigner.SignatureHeader), request.Body));
            Assert.Equal(request.Json().GetProperty("seq").GetInt64().ToString(), request.Header(CallbackSigner.EventIdHeader));
            Assert.Equal(id, request.Json().GetProperty("handoffId").GetString());
        }

        Assert.Equal("hello via callback", received[2].Json().GetProperty("data").GetProperty("text").GetString());
        var feed = (await (await _client.GetAsync($"/v1/handoffs/{id}/events")).ReadNodeAsync()).AsArray();
        Assert.Equal(3, feed.Count); // the JSON feed keeps working beside the callbacks
    }

    [Fact]
    public async Task A_failing_callback_is_retried_without_reordering()
    {
        await using var bot = await WebhookRecorder.StartAsync();
        bot.RespondWith(HttpStatusCode.InternalServerError, times: 2);
        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", WithCallback(bot.Url))).ReadNodeAsync())["id"]!;
        var conversation = await stack.Emulator.Control.WaitForConversationAsync(c => c.UserId == id, TimeSpan.FromSeconds(20));
        await stack.Emulator.Control.SendAgentMessageAsync(conversation.Id, "one");

        var received = await bot.WaitForRequestsAsync(5, timeout: TimeSpan.FromSeconds(30));

        Assert.Equal([500, 500, 200, 200, 200], received.Take(5).Select(r => r.ResponseStatus));
        var delivered = received.Where(r => r.ResponseStatus == 200).Select(r => r.Json().GetProperty("type").GetString()).ToList();
        Assert.Equal(["handoff.queued", "handoff.connected", "agent.message"], delivered);
    }

    [Fact]
    public async Task A_slow_bot_platform_holds_up_only_its_own_handoffs_callbacks()
    {
        // One bot platform takes 8 s to answer its first callback (the timeout is 10 s): another handoff's events, to
        // another URL, go out meanwhile, one after the other, not one per round of every handoff's heads.
        await using var slow = await WebhookRecorder.StartAsync();
        slow.RespondWith(HttpStatusCode.OK, delay: TimeSpan.FromSeconds(8));
        await _client.PostJsonAsync("/v1/handoffs", WithCallback(slow.Url));
        await slow.WaitForRequestAsync(timeout: TimeSpan.FromSeconds(20));

        await using var bot = await WebhookRecorder.StartAsync();
        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", WithCallback(bot.Url))).ReadNodeAsync())["id"]!;
        var conversation = await stack.Emulator.Control.WaitForConversationAsync(c => c.UserId == id, TimeSpan.FromSeconds(20));
        await stack.Emulator.Control.SendAgentMessageAsync(conversation.Id, "not held up");
        var received = await bot.WaitForRequestsAsync(3, timeout: TimeSpan.FromSeconds(6));

        Assert.Equal(["handoff.queued", "handoff.connected", "agent.message"], received.Take(3).Select(r => r.Json().GetProperty("type").GetString()));
        Assert.Single(slow.Requests); // still answering the first one: the next waits for it (order)
    }

    [Fact]
    public async Task A_callback_url_must_be_absolute_http()
    {
        var response = await _client.PostJsonAsync("/v1/handoffs", new { channel = "genesys", queue = "Support", user = new { id = "u-cb" }, callbackUrl = "ftp://example.org/x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadNodeAsync())["errors"]!.AsObject().ContainsKey("callbackUrl"));
    }

    [Fact]
    public async Task A_client_without_a_callback_secret_cannot_ask_for_callbacks()
    {
        using var other = stack.CreateClient(ApiStack.OtherClientApiKey);

        var response = await other.PostJsonAsync("/v1/handoffs", new { channel = "genesys", queue = "Support", user = new { id = "u-cb2" }, callbackUrl = "https://bot.example.org/hook" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("CallbackSecrets", (await response.ReadNodeAsync())["errors"]!["callbackUrl"]![0]!.ToString());
    }
}
