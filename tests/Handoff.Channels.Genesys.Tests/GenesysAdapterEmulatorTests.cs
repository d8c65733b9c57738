using Handoff.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>The adapter against the Genesys emulator over real HTTP (loopback Kestrel).</summary>
public sealed class GenesysAdapterEmulatorTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private static CancellationToken Ct => CancellationToken.None;

    [Fact]
    public async Task Start_creates_a_conversation_with_the_transcript_and_custom_attributes()
    {
        await using var provider = EmulatorSettings.BuildProvider(EmulatorSettings.For(emulator));
        var handoff = TestData.Handoff();

        var result = await provider.GetRequiredService<GenesysAdapter>().StartAsync(handoff, Ct);

        Assert.Equal(DeliveryOutcome.Delivered, result.Outcome);
        Assert.False(result.Throttled); // accepted at the first attempt
        var conversationId = result.State![GenesysAdapter.ConversationIdStateKey];
        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationId, result.State[GenesysAdapter.IntegrationIdStateKey]);

        var conversation = await emulator.Control.GetConversationAsync(conversationId, Ct);
        Assert.NotNull(conversation);
        Assert.Equal(GenesysEmulatorFixture.SupportIntegrationId, conversation.IntegrationId, ignoreCase: true);
        Assert.Equal(handoff.Id, conversation.UserId);
        Assert.Equal("Maria P.", conversation.Nickname);
        Assert.Equal(handoff.Id, conversation.CustomAttributes["handoffId"]);
        Assert.Equal("Support", conversation.CustomAttributes["handoffQueue"]);
        Assert.Equal("refund", conversation.CustomAttributes["lastIntent"]);

        var first = Assert.Single(conversation.Messages);
        Assert.Equal(EmulatorMessage.Inbound, first.Direction);
        Assert.Equal($"{handoff.Id}:start", first.MessageId);
        Assert.Equal(GenesysTranscript.Render(handoff), first.Text);
        Assert.StartsWith("Conversation with the bot before the transfer", first.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_and_typing_arrive_in_the_same_conversation_with_their_ids()
    {
        await using var provider = EmulatorSettings.BuildProvider(EmulatorSettings.For(emulator));
        var adapter = provider.GetRequiredService<GenesysAdapter>();
        var handoff = TestData.Handoff();
        var started = await adapter.StartAsync(handoff, Ct);
        handoff = handoff with { State = started.State! };

        var sent = await adapter.SendMessageAsync(handoff, new ChannelMessage("msg-001", "My order is 4711", DateTimeOffset.UtcNow), Ct);
        var typing = await adapter.SendTypingAsync(handoff, Ct);

        Assert.Equal(DeliveryOutcome.Delivered, sent.Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, typing.Outcome);
        var conversation = await emulator.Control.GetConversationAsync(started.State![GenesysAdapter.ConversationIdStateKey], Ct);
        var message = Assert.Single(conversation!.Messages, m => m.MessageId == "msg-001");
        Assert.Equal("My order is 4711", message.Text);
        Assert.Equal(2, conversation.Messages.Count);
    }

    [Fact]
    public async Task Many_calls_fetch_the_token_once()
    {
        var before = await emulator.Control.GetStatsAsync(Ct);
        await using var provider = EmulatorSettings.BuildProvider(EmulatorSettings.For(emulator));
        var handoff = TestData.Handoff();
        var adapter = provider.GetRequiredService<GenesysAdapter>();
        var started = await adapter.StartAsync(handoff, Ct);
        handoff = handoff with { State = started.State! };
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(DeliveryOutcome.Delivered, (await provider.GetRequiredService<GenesysAdapter>()
                .SendMessageAsync(handoff, new ChannelMessage($"m{i}", $"text {i}", DateTimeOffset.UtcNow), Ct)).Outcome);
        }

        var after = await emulator.Control.GetStatsAsync(Ct);
        Assert.Equal(1, after.TokenRequests - before.TokenRequests);
        Assert.Equal(4, after.InboundMessages - before.InboundMessages);
    }

    [Fact]
    public async Task After_tokens_are_revoked_the_next_call_refreshes_once_and_succeeds()
    {
        await using var provider = EmulatorSettings.BuildProvider(EmulatorSettings.For(emulator));
        var adapter = provider.GetRequiredService<GenesysAdapter>();
        var handoff = TestData.Handoff();
        var started = await adapter.StartAsync(handoff, Ct);
        handoff = handoff with { State = started.State! };
        var before = await emulator.Control.GetStatsAsync(Ct);

        Assert.True(await emulator.Control.RevokeTokensAsync(Ct) >= 1);
        var sent = await adapter.SendMessageAsync(handoff, new ChannelMessage("after-revoke", "still there?", DateTimeOffset.UtcNow), Ct);
        var again = await adapter.SendMessageAsync(handoff, new ChannelMessage("after-revoke-2", "and again", DateTimeOffset.UtcNow), Ct);

        Assert.Equal(DeliveryOutcome.Delivered, sent.Outcome);
        Assert.Equal(DeliveryOutcome.Delivered, again.Outcome);
        var after = await emulator.Control.GetStatsAsync(Ct);
        Assert.Equal(1, after.TokenRequests - before.TokenRequests);
        Assert.Equal(2, after.InboundMessages - before.InboundMessages);
    }

    [Fact]
    public async Task Wrong_client_secret_fails_with_an_operator_readable_reason()
    {
        await using var provider = EmulatorSettings.BuildProvider(EmulatorSettings.For(emulator, clientSecret: "not-the-secret-0123456789"));

        var result = await provider.GetRequiredService<GenesysAdapter>().StartAsync(TestData.Handoff(), Ct);

        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.StartsWith("Genesys rejected the OAuth client credentials (Channels:Genesys:ClientId/ClientSecret)", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_integration_fails_naming_the_integration_and_the_key()
    {
        var ghost = Guid.NewGuid().ToString();
        var settings = EmulatorSettings.For(emulator);
        settings["Channels:Genesys:Queues:Ghost:IntegrationId"] = ghost;
        await using var provider = EmulatorSettings.BuildProvider(settings);

        var result = await provider.GetRequiredService<GenesysAdapter>().StartAsync(TestData.Handoff(queue: "Ghost"), Ct);

        Assert.Equal(DeliveryOutcome.Failed, result.Outcome);
        Assert.Contains($"integration {ghost} not found", result.Reason, StringComparison.Ordinal);
        Assert.Contains("Channels:Genesys:Queues:Ghost:IntegrationId", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_integration_reads_the_name()
    {
        await using var provider = EmulatorSettings.BuildProvider(EmulatorSettings.For(emulator));
        var result = await provider.GetRequiredService<GenesysClient>().GetIntegrationAsync(GenesysEmulatorFixture.SalesIntegrationId, Ct);
        Assert.True(result.IsSuccess, result.Reason);
        Assert.Equal(GenesysEmulatorFixture.SalesIntegrationName, result.Value!.Name);
    }

    [Fact]
    public async Task A_rate_limit_the_client_waits_out_delivers_and_reports_push_back_to_core()
    {
        await using var provider = EmulatorSettings.BuildProvider(EmulatorSettings.For(emulator));
        var adapter = provider.GetRequiredService<GenesysAdapter>();
        var handoff = TestData.Handoff();
        var started = await adapter.StartAsync(handoff, Ct);
        handoff = handoff with { State = started.State! };
        var plain = await adapter.SendMessageAsync(handoff, new ChannelMessage("before-429", "first", DateTimeOffset.UtcNow), Ct);

        var fault = await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/conversations/messages")
        {
            Method = "POST", Status = 429, Count = 1, RetryAfterSeconds = 1,
        }, Ct);
        try
        {
            var throttled = await adapter.SendMessageAsync(handoff, new ChannelMessage("after-429", "second", DateTimeOffset.UtcNow), Ct);

            Assert.Equal(DeliveryOutcome.Delivered, plain.Outcome);
            Assert.False(plain.Throttled);
            Assert.Equal(DeliveryOutcome.Delivered, throttled.Outcome); // the 1 s Retry-After was waited out inside the call
            Assert.True(throttled.Throttled); // so core's dispatcher delivers to fewer handoffs at once
            Assert.Contains((await emulator.Control.GetFaultsAsync(Ct)), f => f.Id == fault.Id && f.Injected == 1);
            var conversation = await emulator.Control.GetConversationAsync(started.State![GenesysAdapter.ConversationIdStateKey], Ct);
            Assert.Single(conversation!.Messages, m => m.MessageId == "after-429");
        }
        finally
        {
            await emulator.Control.RemoveFaultAsync(fault.Id!, Ct);
        }
    }
}
