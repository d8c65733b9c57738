using System.Net;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>Genesys' retry policy (fact sheet §4) with the fixture's short timings, and redelivery.</summary>
public sealed class WebhookRetryTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string Support = GenesysEmulatorFixture.SupportIntegrationId;

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task A_retryable_answer_is_retried_until_delivered(HttpStatusCode retryable)
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        var conversationId = await StartConversationAsync(recorder);
        recorder.RespondWith(retryable, times: 2);

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "retry me");

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(sent.Id);
        Assert.Equal(WebhookDelivery.Delivered, delivery.Outcome);
        Assert.Equal(3, delivery.Attempts);
        Assert.Equal(200, delivery.LastStatusCode);
        var attempts = recorder.Requests.Where(r => r.BodyText == delivery.Body).ToList();
        Assert.Equal([(int)retryable, (int)retryable, 200], attempts.Select(r => r.ResponseStatus));
        Assert.All(attempts, r => Assert.Equal(delivery.Signature, r.Header("X-Hub-Signature-256")));
        Assert.True(
            attempts[1].ReceivedAt - attempts[0].ReceivedAt >= GenesysEmulatorFixture.WebhookRetryDelay - TimeSpan.FromMilliseconds(20),
            "attempts must be spaced by the retry delay");
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task A_non_retryable_4xx_fails_after_one_attempt(HttpStatusCode final)
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        var conversationId = await StartConversationAsync(recorder);
        recorder.RespondWith(final, times: 3);

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "no retry");

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(sent.Id);
        Assert.Equal(WebhookDelivery.Failed, delivery.Outcome);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal((int)final, delivery.LastStatusCode);
        Assert.Single(recorder.Requests, r => r.BodyText == delivery.Body);
        var conversation = await emulator.Control.GetConversationAsync(conversationId);
        Assert.Equal(WebhookDelivery.Failed, conversation!.Messages.Single(m => m.Id == sent.Id).WebhookStatus);
    }

    [Fact]
    public async Task Delivery_gives_up_after_five_retries()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        var conversationId = await StartConversationAsync(recorder);
        recorder.RespondWith(HttpStatusCode.BadGateway, times: 10);

        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "never delivered");

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(sent.Id);
        Assert.Equal(WebhookDelivery.Failed, delivery.Outcome);
        Assert.Equal(6, delivery.Attempts);
        Assert.Equal(502, delivery.LastStatusCode);
        Assert.Equal(6, recorder.Requests.Count(r => r.BodyText == delivery.Body));
    }

    [Fact]
    public async Task An_unreachable_receiver_counts_as_retryable()
    {
        string url;
        await using (var closed = await WebhookRecorder.StartAsync())
        {
            url = closed.Url.ToString();
        }

        using var api = await GenesysApi.ConnectAsync(emulator);
        var integrationId = Guid.NewGuid().ToString();
        await emulator.Control.PutIntegrationAsync(integrationId, "Unreachable", new Uri(url), GenesysEmulatorFixture.WebhookSecret);

        var inbound = await api.SendMessageAsync(integrationId, Bodies.Message(Bodies.NewUserId()));

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(inbound.GetProperty("id").GetString()!);
        Assert.Equal(WebhookDelivery.Failed, delivery.Outcome);
        Assert.Equal(6, delivery.Attempts);
        Assert.Null(delivery.LastStatusCode);
        Assert.False(string.IsNullOrEmpty(delivery.LastError));
    }

    [Fact]
    public async Task Redeliver_sends_the_identical_body_and_signature_again()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        var conversationId = await StartConversationAsync(recorder);
        var sent = await emulator.Control.SendAgentMessageAsync(conversationId, "say it twice");
        var first = await emulator.Control.WaitForWebhookDeliveryAsync(sent.Id);

        var redelivery = await emulator.Control.RedeliverAsync(sent.Id);

        Assert.Equal(1, redelivery.Redeliveries);
        var requests = await recorder.WaitForRequestsAsync(2, r => r.BodyText == first.Body);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].Header("X-Hub-Signature-256"), requests[1].Header("X-Hub-Signature-256"));
        Assert.Equal(Signatures.Expected(requests[1].Body), requests[1].Header("X-Hub-Signature-256"));
        var after = await emulator.Control.WaitForWebhookDeliveryAsync(sent.Id, d => d.IsCompleted && d.Attempts == 2);
        Assert.Equal(WebhookDelivery.Delivered, after.Outcome);
    }

    private async Task<string> StartConversationAsync(WebhookRecorder recorder)
    {
        await emulator.SetWebhookAsync(Support, recorder.Url);
        using var api = await GenesysApi.ConnectAsync(emulator);
        var message = await api.SendMessageAsync(Support, Bodies.Message(Bodies.NewUserId()), prefetchConversationId: true);
        // The receipt webhook of that message must not consume the responses a test plans.
        await emulator.Control.WaitForWebhookDeliveryAsync(message.GetProperty("id").GetString()!);
        return message.GetProperty("conversationId").GetString()!;
    }
}

/// <summary>The emulator with a short per-attempt timeout, to exercise the timeout branch quickly.</summary>
public sealed class ShortTimeoutEmulatorFixture : GenesysEmulatorFixture
{
    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Emulator:Webhooks:Timeout"] = "00:00:01";
        settings["Emulator:Webhooks:RetryDelay"] = "00:00:00.050";
    }
}

public sealed class WebhookTimeoutTests(ShortTimeoutEmulatorFixture emulator) : IClassFixture<ShortTimeoutEmulatorFixture>
{
    [Fact]
    public async Task A_receiver_that_answers_too_late_is_retried()
    {
        await using var recorder = await WebhookRecorder.StartAsync();
        await emulator.SetWebhookAsync(GenesysEmulatorFixture.SupportIntegrationId, recorder.Url);
        recorder.RespondWith(HttpStatusCode.OK, times: 1, delay: TimeSpan.FromSeconds(5));
        using var api = await GenesysApi.ConnectAsync(emulator);

        var inbound = await api.SendMessageAsync(GenesysEmulatorFixture.SupportIntegrationId, Bodies.Message(Bodies.NewUserId()));

        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(inbound.GetProperty("id").GetString()!);
        Assert.Equal(WebhookDelivery.Delivered, delivery.Outcome);
        Assert.InRange(delivery.Attempts, 2, 6);
        var attempts = recorder.Requests.Where(r => r.BodyText == delivery.Body).ToList();
        Assert.Equal(delivery.Attempts, attempts.Count);
        // Had the emulator waited for the slow answer, one attempt would have succeeded after 5 s.
        Assert.True(
            delivery.CompletedAt - delivery.QueuedAt < TimeSpan.FromSeconds(4.5),
            $"the slow attempt must be abandoned at the timeout; delivery took {delivery.CompletedAt - delivery.QueuedAt}");
    }
}
