using System.Text.Json;
using Handoff.Core.Domain;

namespace Handoff.Core.Tests;

/// <summary>Endings with their result, transfers, requeues and waiting estimates (issue #3).</summary>
public class HandoffResultTransitionsTests
{
    private static readonly DateTimeOffset T0 = TestData.Now;

    private static JsonElement Data(NewEvent e) => JsonSerializer.SerializeToElement(e.Data, JsonSerializerOptions.Web);

    private static HandoffRecord Connected(string agent = "Ana Gómez", DateTimeOffset? at = null) =>
        HandoffTransitions.AgentMessage(TestData.Handoff(), "g-1", "Hi, I'm Ana", agent, null, at ?? T0.AddSeconds(42)).Handoff;

    [Fact]
    public void An_ending_carries_who_why_time_to_agent_duration_and_the_human_transcript()
    {
        var h = TestData.Handoff();
        h = HandoffTransitions.UserMessage(h, "Is anyone there?", null, T0.AddSeconds(10)).Handoff;
        h = HandoffTransitions.AgentMessage(h, "g-1", "Hi, I'm Ana", "Ana Gómez", null, T0.AddSeconds(42),
            [new MessageAttachment("https://files.example.org/label.png", "image", "image/png", "label.png", 2048)]).Handoff;
        h = HandoffTransitions.UserMessage(h, "", [new MessageAttachment("https://files.example.org/receipt.pdf", "file", "application/pdf")], T0.AddSeconds(60)).Handoff;

        var t = HandoffTransitions.End(h, EndedBy.Agent, null, T0.AddSeconds(300));

        var data = Data(Assert.Single(t.Events));
        Assert.Equal(EventTypes.Ended, t.Events[0].Type);
        Assert.Equal("agent_ended", data.GetProperty("reason").GetString());
        Assert.Equal("agent", data.GetProperty("endedBy").GetString());
        Assert.Equal(42, data.GetProperty("timeToAgentSeconds").GetInt64());
        Assert.Equal(300, data.GetProperty("durationSeconds").GetInt64());
        var transcript = data.GetProperty("transcript").EnumerateArray().ToList();
        Assert.Equal(["user", "agent", "user"], transcript.Select(l => l.GetProperty("from").GetString()));
        Assert.Equal(["Is anyone there?", "Hi, I'm Ana", ""], transcript.Select(l => l.GetProperty("text").GetString()));
        Assert.Equal(T0.AddSeconds(42), transcript[1].GetProperty("time").GetDateTimeOffset());
        Assert.Equal("label.png", transcript[1].GetProperty("attachments")[0].GetProperty("filename").GetString());
        Assert.Equal("https://files.example.org/receipt.pdf", transcript[2].GetProperty("attachments")[0].GetProperty("url").GetString());
        Assert.False(transcript[0].TryGetProperty("attachments", out _));
    }

    [Fact]
    public void An_ending_before_any_agent_has_no_time_to_agent()
    {
        var t = HandoffTransitions.End(TestData.Handoff(), EndedBy.Timeout, null, T0.AddMinutes(10));

        var data = Data(t.Events[0]);
        Assert.Equal("inactivity", data.GetProperty("reason").GetString());
        Assert.Equal("timeout", data.GetProperty("endedBy").GetString());
        Assert.False(data.TryGetProperty("timeToAgentSeconds", out _));
        Assert.Equal(600, data.GetProperty("durationSeconds").GetInt64());
        Assert.Empty(data.GetProperty("transcript").EnumerateArray());
    }

    [Fact]
    public void A_transfer_keeps_the_handoff_open_and_names_both_agents()
    {
        var h = Connected();

        var t = HandoffTransitions.Transferred(h, "Ana Gómez", "Bruno Costa", "transfer", null, T0.AddMinutes(3));

        Assert.True(t.Handoff.IsActive);
        Assert.Equal(HandoffStatus.Connected, t.Handoff.Status);
        Assert.Equal("Bruno Costa", t.Handoff.AgentDisplayName);
        var e = Assert.Single(t.Events);
        Assert.Equal(EventTypes.Transferred, e.Type);
        var data = Data(e);
        Assert.Equal("Ana Gómez", data.GetProperty("from").GetProperty("displayName").GetString());
        Assert.Equal("Bruno Costa", data.GetProperty("to").GetProperty("displayName").GetString());
        Assert.Equal("transfer", data.GetProperty("reason").GetString());
    }

    [Fact]
    public void A_transfer_to_an_unknown_agent_leaves_out_to_and_keeps_the_known_name()
    {
        var t = HandoffTransitions.Transferred(Connected(), "Ana Gómez", null, "transfer", null, T0.AddMinutes(3));

        Assert.Equal("Ana Gómez", t.Handoff.AgentDisplayName);
        Assert.False(Data(t.Events[0]).TryGetProperty("to", out _));
    }

    [Fact]
    public void A_requeue_sends_a_connected_handoff_back_to_queued_until_the_next_agent_writes()
    {
        var connected = Connected(at: T0.AddSeconds(42));

        var requeued = HandoffTransitions.Requeued(connected, "Ana Gómez", "requeue", null, T0.AddMinutes(3));

        Assert.Equal(HandoffStatus.Queued, requeued.Handoff.Status);
        var queued = Assert.Single(requeued.Events);
        Assert.Equal(EventTypes.Queued, queued.Type);
        Assert.Equal("Support", Data(queued).GetProperty("queue").GetString());
        Assert.Equal("requeue", Data(queued).GetProperty("reason").GetString());
        Assert.Equal("Ana Gómez", Data(queued).GetProperty("from").GetProperty("displayName").GetString());

        var next = HandoffTransitions.AgentMessage(requeued.Handoff, "g-2", "Bruno here", "Bruno Costa", null, T0.AddMinutes(5));

        Assert.Equal(HandoffStatus.Connected, next.Handoff.Status);
        Assert.Equal([EventTypes.Connected, EventTypes.AgentMessage], next.Events.Select(e => e.Type));
        Assert.Equal(T0.AddSeconds(42), next.Handoff.FirstAgentMessageAt); // time to agent counts from the first agent
    }

    [Fact]
    public void A_requeue_of_a_handoff_still_queued_tells_the_bot_nothing()
    {
        var t = HandoffTransitions.Requeued(TestData.Handoff(), null, "requeue", null, T0.AddMinutes(1));

        Assert.Empty(t.Events);
        Assert.Equal(HandoffStatus.Queued, t.Handoff.Status);
    }

    [Fact]
    public void Waiting_is_told_only_while_queued_and_does_not_count_as_activity()
    {
        var queued = TestData.Handoff();

        var t = HandoffTransitions.Waiting(queued, 140, T0.AddMinutes(1));

        var e = Assert.Single(t.Events);
        Assert.Equal(EventTypes.Waiting, e.Type);
        Assert.Equal(140, Data(e).GetProperty("estimatedWaitSeconds").GetInt32());
        Assert.Equal(T0.AddMinutes(1), e.Time);
        Assert.Equal(queued.UpdatedAt, t.Handoff.UpdatedAt);
        Assert.Empty(HandoffTransitions.Waiting(Connected(), 140, T0.AddMinutes(1)).Events);
    }

    [Fact]
    public void Transfers_requeues_and_waiting_change_nothing_after_the_end()
    {
        var ended = HandoffTransitions.End(Connected(), EndedBy.User, null, T0.AddMinutes(2)).Handoff;

        Assert.Empty(HandoffTransitions.Transferred(ended, "A", "B", "transfer", null, T0.AddMinutes(3)).Events);
        Assert.Empty(HandoffTransitions.Requeued(ended, "A", "requeue", null, T0.AddMinutes(3)).Events);
        Assert.Empty(HandoffTransitions.Waiting(ended, 10, T0.AddMinutes(3)).Events);
        Assert.Equal(HandoffStatus.Ended, HandoffTransitions.Requeued(ended, "A", "requeue", null, T0.AddMinutes(3)).Handoff.Status);
    }

    [Fact]
    public void The_conversation_keeps_only_the_latest_lines()
    {
        var h = TestData.Handoff();
        for (var i = 0; i < HandoffTransitions.MaxConversationLines + 5; i++)
        {
            h = HandoffTransitions.UserMessage(h, $"line {i}", null, T0.AddSeconds(i)).Handoff;
        }

        Assert.Equal(HandoffTransitions.MaxConversationLines, h.Conversation.Count);
        Assert.Equal("line 5", h.Conversation[0].Text);
        Assert.Equal($"line {HandoffTransitions.MaxConversationLines + 4}", h.Conversation[^1].Text);
    }

    [Fact]
    public void Agent_message_data_lists_attachments_only_when_there_are_some()
    {
        var plain = HandoffTransitions.AgentMessage(TestData.Handoff(), "g-1", "hi", "A", null, T0);
        var withFile = HandoffTransitions.AgentMessage(TestData.Handoff(), "g-2", "", "A", null, T0,
            [new MessageAttachment("https://dl.example.org/p.jpg", "image", "image/jpeg", "p.jpg", 48213)]);

        Assert.False(Data(plain.Events[^1]).TryGetProperty("attachments", out _));
        var attachment = Data(withFile.Events[^1]).GetProperty("attachments")[0];
        Assert.Equal("https://dl.example.org/p.jpg", attachment.GetProperty("url").GetString());
        Assert.Equal("image", attachment.GetProperty("mediaType").GetString());
        Assert.Equal("image/jpeg", attachment.GetProperty("mime").GetString());
        Assert.Equal(48213, attachment.GetProperty("size").GetInt64());
    }
}
