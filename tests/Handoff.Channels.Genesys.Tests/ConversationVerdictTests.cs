using System.Text.Json;
using Handoff.Channels.Genesys.Notifications;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>
/// The settle-window decision (section 11.4): what a conversation's participants say once it settled. An agent leaving is
/// an ending only when nobody took over.
/// </summary>
public sealed class ConversationVerdictTests
{
    private const string Customer = """{ "id": "cust", "purpose": "customer", "state": "connected", "startTime": "2025-03-01T14:05:09Z" }""";
    private const string CustomerGone = """{ "id": "cust", "purpose": "customer", "state": "disconnected", "disconnectType": "peer", "startTime": "2025-03-01T14:05:09Z", "endTime": "2025-03-01T14:12:45Z" }""";
    private const string AcdWaiting = """{ "id": "acd-2", "purpose": "acd", "state": "connected", "startTime": "2025-03-01T14:10:00Z" }""";
    private const string AcdDone = """{ "id": "acd-1", "purpose": "acd", "state": "disconnected", "disconnectType": "transfer", "startTime": "2025-03-01T14:05:10Z", "endTime": "2025-03-01T14:05:51Z" }""";

    private static string Agent(string id, string state, string? disconnectType = null, string start = "2025-03-01T14:05:45Z",
        bool connected = true, bool alerted = true, string? name = null, string? end = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = id,
            ["purpose"] = "agent",
            ["state"] = state,
            ["disconnectType"] = disconnectType,
            ["startTime"] = start,
            ["startAlertingTime"] = alerted ? start : null,
            ["connectedTime"] = connected ? start : null,
            ["endTime"] = end,
            ["user"] = new { id = "user-" + id, name },
        });

    private static ConversationVerdict Decide(params string[] participants) =>
        ConversationVerdict.Decide(JsonSerializer.Deserialize<List<MessageParticipant>>($"[{string.Join(',', participants)}]", GenesysApi.Json));

    [Fact]
    public void Waiting_in_the_queue_is_open()
    {
        Assert.Equal(VerdictKind.Open, Decide(Customer, AcdWaiting).Kind);
    }

    [Fact]
    public void Only_the_customer_so_far_is_open_not_an_ending()
    {
        // At the very start a flow may not have created its participant yet: only the customer leaving ends such a conversation.
        Assert.Equal(VerdictKind.Open, Decide(Customer).Kind);
    }

    [Fact]
    public void The_same_agent_still_on_is_open()
    {
        Assert.Equal(VerdictKind.Open, Decide(Customer, AcdDone, Agent("a", "connected")).Kind);
    }

    [Fact]
    public void Agent_ended_then_customer_left_is_ended_by_the_agent()
    {
        var verdict = Decide(CustomerGone, AcdDone, Agent("a", "disconnected", "client", end: "2025-03-01T14:12:44Z"));

        Assert.Equal(VerdictKind.Ended, verdict.Kind);
        Assert.True(verdict.EndedByAgent);
        Assert.Equal("genesys-end:c1", verdict.ExternalId("c1"));
    }

    [Fact]
    public void Agent_gone_and_nothing_else_holding_the_customer_is_ended_by_the_agent()
    {
        var verdict = Decide(Customer, AcdDone, Agent("a", "disconnected", "client"));

        Assert.Equal(VerdictKind.Ended, verdict.Kind);
        Assert.True(verdict.EndedByAgent);
    }

    [Fact]
    public void Customer_gone_without_an_agent_ending_is_ended_by_the_system_with_its_reason()
    {
        var inactivity = """{ "id": "cust", "purpose": "customer", "state": "disconnected", "disconnectType": "inactivity", "startTime": "2025-03-01T14:05:09Z" }""";

        var verdict = Decide(inactivity, AcdWaiting);

        Assert.Equal(VerdictKind.Ended, verdict.Kind);
        Assert.False(verdict.EndedByAgent);
        Assert.Equal("inactivity", verdict.Reason);
    }

    [Fact]
    public void Customer_gone_while_the_agent_was_transferring_is_not_blamed_on_the_agent()
    {
        var verdict = Decide(CustomerGone, Agent("a", "disconnected", "transfer"));

        Assert.Equal(VerdictKind.Ended, verdict.Kind);
        Assert.False(verdict.EndedByAgent);
    }

    [Fact]
    public void A_blind_transfer_to_another_agent_is_a_transfer_not_an_ending()
    {
        var verdict = Decide(Customer, AcdDone,
            Agent("a", "disconnected", "transfer", name: "Ana Gómez"),
            Agent("b", "alerting", start: "2025-03-01T14:09:00Z", connected: false, name: "Bruno Costa"));

        Assert.Equal(VerdictKind.Transferred, verdict.Kind);
        Assert.Equal("a", verdict.From!.Id);
        Assert.Equal("b", verdict.To!.Id);
        Assert.Equal("transfer", verdict.Reason);
        Assert.Equal("genesys-transfer:c1:a:b", verdict.ExternalId("c1"));
    }

    [Fact]
    public void A_requeue_is_requeued_not_an_ending()
    {
        var verdict = Decide(Customer, AcdDone, Agent("a", "disconnected", "transfer"), AcdWaiting);

        Assert.Equal(VerdictKind.Requeued, verdict.Kind);
        Assert.Equal("a", verdict.From!.Id);
        Assert.Equal("genesys-requeue:c1:a", verdict.ExternalId("c1"));
    }

    [Fact]
    public void A_requeue_shown_as_an_unassigned_alerting_leg_is_requeued()
    {
        var waiting = """{ "id": "leg-2", "purpose": "agent", "state": "alerting", "startTime": "2025-03-01T14:09:00Z", "startAlertingTime": "2025-03-01T14:09:00Z" }""";

        var verdict = Decide(Customer, Agent("a", "disconnected", "transfer"), waiting);

        Assert.Equal(VerdictKind.Requeued, verdict.Kind);
        Assert.Equal("a", verdict.From!.Id);
    }

    [Fact]
    public void The_same_agent_back_on_a_new_leg_is_not_a_transfer()
    {
        var back = Agent("a2", "connected", start: "2025-03-01T14:09:00Z").Replace("user-a2", "user-a", StringComparison.Ordinal);

        Assert.Equal(VerdictKind.Open, Decide(Customer, Agent("a", "disconnected", "transfer"), back).Kind);
    }

    [Fact]
    public void An_agent_who_rejected_or_did_not_answer_is_routing_not_a_transfer()
    {
        var rejected = Agent("a", "disconnected", "transfer.noanswer", connected: false);

        Assert.Equal(VerdictKind.Open, Decide(Customer, rejected, AcdWaiting).Kind);
        Assert.Equal(VerdictKind.Open, Decide(Customer, rejected, Agent("b", "alerting", start: "2025-03-01T14:09:00Z", connected: false)).Kind);
    }

    [Fact]
    public void Without_genesys_times_a_leg_gone_by_transfer_counts_as_answered()
    {
        var reduced = """{ "id": "a", "purpose": "agent", "state": "disconnected", "disconnectType": "transfer", "startTime": "2025-03-01T14:05:45Z" }""";
        var next = """{ "id": "b", "purpose": "agent", "state": "connected", "startTime": "2025-03-01T14:09:00Z" }""";

        Assert.Equal(VerdictKind.Transferred, Decide(Customer, reduced, next).Kind);
    }

    [Fact]
    public void The_latest_transfer_is_the_one_reported()
    {
        var verdict = Decide(Customer,
            Agent("a", "disconnected", "transfer", start: "2025-03-01T14:05:45Z"),
            Agent("b", "disconnected", "transfer", start: "2025-03-01T14:07:00Z"),
            Agent("c", "connected", start: "2025-03-01T14:08:00Z"));

        Assert.Equal(("b", "c"), (verdict.From!.Id, verdict.To!.Id));
    }

    [Fact]
    public void No_customer_or_no_participants_decides_nothing()
    {
        Assert.Equal(VerdictKind.Unknown, Decide(AcdWaiting).Kind);
        Assert.Equal(VerdictKind.Unknown, ConversationVerdict.Decide(null).Kind);
    }
}
