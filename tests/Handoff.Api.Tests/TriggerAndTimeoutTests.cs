using System.Net;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>
/// The Process Automation path: with the notification socket off, a trigger's data action posting the suggested body to
/// <c>/channels/genesys/events</c> (shared secret) feeds the same decision and ends the handoff.
/// </summary>
public sealed class TriggerEndingTests(TriggerOnlyStack stack) : IClassFixture<TriggerOnlyStack>
{
    private readonly HttpClient _client = stack.CreateClient();

    private Uri EventsUrl => new(stack.ApiAddress, "channels/genesys/events");

    [Fact]
    public async Task A_trigger_with_the_shared_secret_ends_the_handoff_and_one_without_it_is_refused()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await stack.Emulator.Control.SendAgentMessageAsync(conversation.Id, "All done, bye!");
        await Events.WaitForTypeAsync(_client, id, "agent.message");
        Assert.Equal(0, (await stack.Emulator.Control.GetNotificationsAsync()).ConnectedSockets);
        await stack.Emulator.Control.DisconnectAsync(conversation.Id);

        var forged = await stack.Emulator.Control.TriggerAsync(conversation.Id, EventsUrl, "user.end",
            new Dictionary<string, string> { ["X-Handoff-Trigger-Secret"] = "not-the-secret-0123456789" });
        Assert.Equal(401, forged.StatusCode);

        var genuine = await stack.Emulator.Control.TriggerAsync(conversation.Id, EventsUrl, "user.end",
            new Dictionary<string, string> { ["X-Handoff-Trigger-Secret"] = WatchingStack.TriggerSecret });

        Assert.Equal((int)HttpStatusCode.Accepted, genuine.StatusCode);
        Assert.Equal(conversation.Id, genuine.Body.GetProperty("conversationId").GetString());
        var events = await Events.WaitForTypeAsync(_client, id, "handoff.ended");
        Assert.Equal("agent", (string)events.OfType("handoff.ended").Single()["data"]!["endedBy"]!);
    }
}

/// <summary><c>Handoff:InactivityTimeout</c>: a handoff nobody touched ends by timeout, and Genesys is told.</summary>
public sealed class InactivityTimeoutTests(InactivityStack stack) : IClassFixture<InactivityStack>
{
    private readonly HttpClient _client = stack.CreateClient();

    [Fact]
    public async Task A_handoff_nobody_touched_ends_by_timeout_and_the_customer_is_disconnected()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.ended", timeout: TimeSpan.FromSeconds(30));

        var ended = events.OfType("handoff.ended").Single()["data"]!;
        Assert.Equal("timeout", (string)ended["endedBy"]!);
        Assert.Equal("inactivity", (string)ended["reason"]!);
        Assert.True((long)ended["durationSeconds"]! >= 2);
        await Scenario.ConversationAsync(stack, conversation.Id, c => c.Customer?.State == EmulatorParticipant.Disconnected);
    }
}
