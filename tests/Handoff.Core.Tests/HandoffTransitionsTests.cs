using Handoff.Core.Domain;

namespace Handoff.Core.Tests;

public class HandoffTransitionsTests
{
    private static readonly DateTimeOffset Later = TestData.Now.AddMinutes(2);

    [Fact]
    public void First_agent_message_connects_the_handoff_and_emits_connected_then_message()
    {
        var queued = TestData.Handoff();

        var t = HandoffTransitions.AgentMessage(queued, "g-1", "Hi, I'm Ana", "Support Team", null, Later);

        Assert.Equal(HandoffStatus.Connected, t.Handoff.Status);
        Assert.Equal("Support Team", t.Handoff.AgentDisplayName);
        Assert.Equal(Later, t.Handoff.FirstAgentMessageAt);
        Assert.Equal([EventTypes.Connected, EventTypes.AgentMessage], t.Events.Select(e => e.Type));
    }

    [Fact]
    public void Later_agent_messages_do_not_reconnect()
    {
        var connected = HandoffTransitions.AgentMessage(TestData.Handoff(), "g-1", "Hi", "A", null, Later).Handoff;

        var t = HandoffTransitions.AgentMessage(connected, "g-2", "Still there?", "A", null, Later.AddMinutes(1));

        Assert.Equal([EventTypes.AgentMessage], t.Events.Select(e => e.Type));
        Assert.Equal(Later, t.Handoff.FirstAgentMessageAt);
    }

    [Fact]
    public void End_is_final_and_idempotent()
    {
        var ended = HandoffTransitions.End(TestData.Handoff(), EndedBy.User, "resolved", Later);
        Assert.Equal(HandoffStatus.Ended, ended.Handoff.Status);
        Assert.Equal("resolved", ended.Handoff.EndReason);
        Assert.Equal(EndedBy.User, ended.Handoff.EndedBy);
        Assert.Single(ended.Events, e => e.Type == EventTypes.Ended);

        var again = HandoffTransitions.End(ended.Handoff, EndedBy.Agent, "other", Later.AddMinutes(1));
        Assert.Same(ended.Handoff, again.Handoff);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void End_without_reason_gets_one_from_who_ended()
    {
        var t = HandoffTransitions.End(TestData.Handoff(), EndedBy.Agent, null, Later);
        Assert.Equal("agent_ended", t.Handoff.EndReason);
    }

    [Fact]
    public void Nothing_relays_after_the_end()
    {
        var ended = HandoffTransitions.End(TestData.Handoff(), EndedBy.User, null, Later).Handoff;

        Assert.Empty(HandoffTransitions.AgentMessage(ended, "g-9", "late", "A", null, Later).Events);
        Assert.Empty(HandoffTransitions.AgentTyping(ended, "A", Later).Events);
    }

    [Fact]
    public void Failed_start_fails_the_handoff_with_the_reason()
    {
        var t = HandoffTransitions.StartFailed(TestData.Handoff(), "integration not found", Later);

        Assert.Equal(HandoffStatus.Failed, t.Handoff.Status);
        Assert.False(t.Handoff.IsActive);
        Assert.Equal(EndedBy.System, t.Handoff.EndedBy);
        Assert.Equal(EventTypes.Failed, Assert.Single(t.Events).Type);
    }

    [Fact]
    public void Start_delivered_keeps_channel_state_and_announces_queued()
    {
        var t = HandoffTransitions.StartDelivered(TestData.Handoff(), new Dictionary<string, string> { ["conv"] = "c-1" }, Later);

        Assert.Equal("c-1", t.Handoff.ChannelState["conv"]);
        Assert.Equal(HandoffStatus.Queued, t.Handoff.Status);
        Assert.Equal(EventTypes.Queued, Assert.Single(t.Events).Type);
    }
}
