using System.Net;
using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>
/// Issue #3, end to end over real HTTP and WebSockets against the emulator: the agent side ends, transfers and requeues
/// are learned from the Notifications API (decided on the participants after the settle window), the user side's end
/// reaches Genesys, and a dropped or closing socket loses no ending.
/// </summary>
public sealed class AgentSideEndingTests(WatchingStack stack) : IClassFixture<WatchingStack>
{
    private readonly HttpClient _client = stack.CreateClient();
    private EmulatorControlClient Genesys => stack.Emulator.Control;

    private static string Type(JsonNode e) => (string)e["type"]!;

    [Fact]
    public async Task An_agent_ending_ends_the_handoff_with_its_result()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await Scenario.WaitSubscribedAsync(stack, conversation.Id);
        await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = "Order A-1001 never arrived" });
        await Scenario.ConversationAsync(stack, conversation.Id, c => c.Messages.Any(m => m.Text == "Order A-1001 never arrived"));
        await Genesys.SendAgentMessageAsync(conversation.Id, "I'm sorry, Maria. It ships today.");
        await Events.WaitForTypeAsync(_client, id, "agent.message");

        await Genesys.DisconnectAsync(conversation.Id);

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.ended");
        var ended = events.OfType("handoff.ended").Single()["data"]!;
        Assert.Equal("agent", (string)ended["endedBy"]!);
        Assert.Equal("agent_ended", (string)ended["reason"]!);
        Assert.True((long)ended["timeToAgentSeconds"]! >= 0);
        Assert.True((long)ended["durationSeconds"]! >= (long)ended["timeToAgentSeconds"]!);
        var transcript = ended["transcript"]!.AsArray();
        Assert.Equal(["user", "agent"], transcript.Select(l => (string)l!["from"]!));
        Assert.Equal(["Order A-1001 never arrived", "I'm sorry, Maria. It ships today."], transcript.Select(l => (string)l!["text"]!));
        Assert.All(transcript, l => Assert.NotNull(l!["time"]));
        Assert.DoesNotContain(events, e => Type(e!) == "handoff.transferred");

        var handoff = await Scenario.HandoffAsync(_client, id);
        Assert.Equal("ended", (string)handoff["status"]!);
        Assert.Equal("agent", (string)handoff["endedBy"]!);
    }

    [Fact]
    public async Task A_blind_transfer_keeps_the_handoff_open_and_messages_keep_flowing()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await Scenario.WaitSubscribedAsync(stack, conversation.Id);
        await Genesys.SendAgentMessageAsync(conversation.Id, "Let me pass you to billing.");
        await Events.WaitForTypeAsync(_client, id, "agent.message");

        await Genesys.TransferAsync(conversation.Id, GenesysEmulatorFixture.SecondAgentName, "blind");

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.transferred");
        var transferred = events.OfType("handoff.transferred").Single()["data"]!;
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, (string)transferred["from"]!["displayName"]!);
        Assert.Equal(GenesysEmulatorFixture.SecondAgentName, (string)transferred["to"]!["displayName"]!);
        Assert.Equal("transfer", (string)transferred["reason"]!);

        // Still open: the new agent reaches the bot and the user reaches the new agent.
        await Genesys.SendAgentMessageAsync(conversation.Id, "Bruno from billing here.");
        var after = await Events.WaitAsync(_client, id, e => e.OfType("agent.message").Count() == 2);
        Assert.Equal(GenesysEmulatorFixture.SecondAgentName, (string)after.OfType("agent.message").Last()["data"]!["agent"]!["displayName"]!);
        Assert.Equal(HttpStatusCode.Accepted, (await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = "Hi Bruno" })).StatusCode);
        await Scenario.ConversationAsync(stack, conversation.Id, c => c.Messages.Any(m => m.Text == "Hi Bruno"));
        Assert.DoesNotContain(after, e => Type(e!) == "handoff.ended");
        var handoff = await Scenario.HandoffAsync(_client, id);
        Assert.Equal("connected", (string)handoff["status"]!);
        Assert.Equal(GenesysEmulatorFixture.SecondAgentName, (string)handoff["agent"]!["displayName"]!);
    }

    [Fact]
    public async Task A_requeue_puts_the_handoff_back_in_the_queue_until_the_next_agent_writes()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await Scenario.WaitSubscribedAsync(stack, conversation.Id);
        await Genesys.SendAgentMessageAsync(conversation.Id, "One moment, I'll put you back in the queue.");
        await Events.WaitForTypeAsync(_client, id, "agent.message");

        await Genesys.TransferAsync(conversation.Id, kind: "requeue");

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.queued", count: 2);
        var requeued = events.OfType("handoff.queued").Last()["data"]!;
        Assert.Equal("requeue", (string)requeued["reason"]!);
        Assert.Equal(GenesysEmulatorFixture.DefaultAgentName, (string)requeued["from"]!["displayName"]!);
        Assert.Equal("queued", (string)(await Scenario.HandoffAsync(_client, id))["status"]!);

        await Genesys.SendAgentMessageAsync(conversation.Id, "Hello again!", GenesysEmulatorFixture.SecondAgentName);
        var reconnected = await Events.WaitForTypeAsync(_client, id, "handoff.connected", count: 2);
        Assert.DoesNotContain(reconnected, e => Type(e!) == "handoff.ended");
        Assert.Equal("connected", (string)(await Scenario.HandoffAsync(_client, id))["status"]!);
    }

    [Fact]
    public async Task The_user_ending_disconnects_the_customer_in_genesys_and_the_next_handoff_gets_a_new_conversation()
    {
        var user = $"user-{Guid.NewGuid():N}";
        var (id, conversation) = await Scenario.StartAsync(stack, _client, userId: user);
        await Genesys.SendAgentMessageAsync(conversation.Id, "How can I help?");
        await Events.WaitForTypeAsync(_client, id, "agent.message");

        var end = await _client.PostJsonAsync($"/v1/handoffs/{id}/end", new { reason = "resolved_by_bot" });

        Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        var closed = await Scenario.ConversationAsync(stack, conversation.Id, c => c.Customer?.State == EmulatorParticipant.Disconnected);
        Assert.Equal(EmulatorConversation.Disconnected, closed.State);
        Assert.All(closed.AgentParticipants, a => Assert.Equal(EmulatorParticipant.Disconnected, a.State));
        var events = await Events.WaitForTypeAsync(_client, id, "handoff.ended");
        var ended = Assert.Single(events.OfType("handoff.ended"))["data"]!;
        Assert.Equal("user", (string)ended["endedBy"]!);
        Assert.Equal("resolved_by_bot", (string)ended["reason"]!);

        var (nextId, next) = await Scenario.StartAsync(stack, _client, userId: user);
        Assert.NotEqual(id, nextId);
        Assert.NotEqual(conversation.Id, next.Id);
        Assert.True(next.IsConnected);
    }

    [Fact]
    public async Task A_dropped_socket_recovers_and_an_ending_during_the_outage_is_not_lost()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        var (otherId, other) = await Scenario.StartAsync(stack, _client); // keeps the socket wanted after the first one ends
        await Scenario.WaitSubscribedAsync(stack, conversation.Id);
        await Genesys.SendAgentMessageAsync(conversation.Id, "Bye for now.");
        await Events.WaitForTypeAsync(_client, id, "agent.message");

        Assert.True(await Genesys.DropSocketsAsync() >= 1);
        await Genesys.DisconnectAsync(conversation.Id); // while the socket is down (or right after it came back)

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.ended");
        Assert.Equal("agent", (string)events.OfType("handoff.ended").Single()["data"]!["endedBy"]!);

        // Back on a socket and still watching the other conversation: its ending arrives live too.
        await Scenario.WaitSubscribedAsync(stack, other.Id);
        await Genesys.SendAgentMessageAsync(other.Id, "And you too.");
        await Genesys.DisconnectAsync(other.Id);
        Assert.Equal("agent", (string)(await Events.WaitForTypeAsync(_client, otherId, "handoff.ended")).OfType("handoff.ended").Single()["data"]!["endedBy"]!);
    }

    [Fact]
    public async Task Socket_closing_is_answered_by_reconnecting_at_once()
    {
        var (id, conversation) = await Scenario.StartAsync(stack, _client);
        await Scenario.WaitSubscribedAsync(stack, conversation.Id);
        var before = (await Genesys.GetNotificationsAsync()).Channels.Single(c => c.Connected);

        var told = await Genesys.SocketClosingAsync(TimeSpan.FromSeconds(30));

        Assert.True(told >= 1);
        // Reconnected long before the emulator would close the old socket (30 s), on the same channel.
        await Scenario.UntilAsync(async () => (await Genesys.GetNotificationsAsync()).Channels
                .Any(c => c.Id == before.Id && c.Connected && c.ConnectedAt > before.ConnectedAt),
            "the listener did not reconnect after socket_closing", TimeSpan.FromSeconds(10));

        await Genesys.SendAgentMessageAsync(conversation.Id, "Closing this chat.");
        await Genesys.DisconnectAsync(conversation.Id);
        var events = await Events.WaitForTypeAsync(_client, id, "handoff.ended");
        Assert.Equal("agent", (string)events.OfType("handoff.ended").Single()["data"]!["endedBy"]!);
    }

    [Fact]
    public async Task Queued_handoffs_hear_the_estimated_wait()
    {
        var (id, _) = await Scenario.StartAsync(stack, _client);

        var events = await Events.WaitForTypeAsync(_client, id, "handoff.waiting");

        Assert.Equal(GenesysEmulatorFixture.SupportQueueEstimatedWaitSeconds,
            (int)events.OfType("handoff.waiting").First()["data"]!["estimatedWaitSeconds"]!);
    }
}
