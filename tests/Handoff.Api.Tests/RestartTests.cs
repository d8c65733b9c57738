using System.Net;

namespace Handoff.Api.Tests;

/// <summary>Handoffs, messages and events live in the database: a restart loses nothing.</summary>
public sealed class RestartTests(ApiStack stack) : IClassFixture<ApiStack>
{
    [Fact]
    public async Task After_a_restart_the_handoff_its_events_and_a_late_agent_reply_are_all_there()
    {
        var client = stack.CreateClient();
        var id = (string)(await (await client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;
        var conversation = await stack.Emulator.Control.WaitForConversationAsync(c => c.UserId == id, TimeSpan.FromSeconds(20));
        await Events.WaitForTypeAsync(client, id, "handoff.queued");

        await stack.RestartApiAsync();
        client = stack.CreateClient();

        var handoff = await client.GetAsync($"/v1/handoffs/{id}");
        Assert.Equal(HttpStatusCode.OK, handoff.StatusCode);
        Assert.Single((await (await client.GetAsync($"/v1/handoffs/{id}/events")).ReadNodeAsync()).AsArray().OfType("handoff.queued"));

        await stack.Emulator.Control.SendAgentMessageAsync(conversation.Id, "sorry for the wait");
        var events = await Events.WaitForTypeAsync(client, id, "agent.message");
        Assert.Equal("sorry for the wait", (string)events.OfType("agent.message").Single()["data"]!["text"]!);
    }

    [Fact]
    public async Task A_message_accepted_before_a_stop_is_delivered_after_the_restart()
    {
        var client = stack.CreateClient();
        var id = (string)(await (await client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;
        var conversation = await stack.Emulator.Control.WaitForConversationAsync(c => c.UserId == id, TimeSpan.FromSeconds(20));

        // Point the API at a dead Genesys so the accepted message stays in the outbox, then stop.
        stack.Overrides["Channels:Genesys:ApiBaseUrl"] = "http://127.0.0.1:9/";
        await stack.RestartApiAsync();
        client = stack.CreateClient();
        var accepted = await client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = "kept-1", text = "don't lose me" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await stack.StopApiAsync();

        stack.Overrides.Remove("Channels:Genesys:ApiBaseUrl");
        await stack.StartApiAsync();

        var seen = await stack.Emulator.Control.WaitForConversationAsync(c => c.Id == conversation.Id && c.Messages.Any(m => m.Text == "don't lose me"), TimeSpan.FromSeconds(30));
        Assert.Single(seen.Messages, m => m.Text == "don't lose me");
    }
}
