using System.Globalization;

namespace Handoff.Channels.Genesys.Notifications;

internal enum VerdictKind
{
    /// <summary>Nothing the bot needs to hear: still queued, or the same agent is on.</summary>
    Open,

    /// <summary>The conversation is over (<see cref="ConversationVerdict.EndedByAgent"/> says whether an agent ended it).</summary>
    Ended,

    /// <summary>An agent who had answered left and another agent is on (or alerting).</summary>
    Transferred,

    /// <summary>An agent who had answered left and the conversation is waiting in a queue (or a flow) again.</summary>
    Requeued,

    /// <summary>The participants do not say (no customer participant): decide nothing.</summary>
    Unknown,
}

/// <summary>What a conversation's participants say happened, and the stable id of that fact (so it is relayed once).</summary>
internal sealed record ConversationVerdict(
    VerdictKind Kind,
    string? Reason = null,
    bool EndedByAgent = false,
    MessageParticipant? From = null,
    MessageParticipant? To = null)
{
    public static readonly ConversationVerdict Open = new(VerdictKind.Open);

    /// <summary>The inbox delivery id: one per fact, whatever path (socket, trigger, poll, another replica) found it.</summary>
    public string ExternalId(string conversationId) => Kind switch
    {
        VerdictKind.Ended => $"genesys-end:{conversationId}",
        VerdictKind.Transferred => $"genesys-transfer:{conversationId}:{From?.Id}:{To?.Id}",
        VerdictKind.Requeued => $"genesys-requeue:{conversationId}:{From?.Id}",
        _ => $"genesys-{Kind.ToString().ToLowerInvariant()}:{conversationId}",
    };

    /// <summary>
    /// Decides from a conversation's participants (section 11.4's rule, read once the conversation settled):
    /// <list type="number">
    /// <item>The customer left → ended; by the agent when the last agent who answered ended their leg (not a transfer),
    /// otherwise by the system (reason: the customer's <c>disconnectType</c>).</item>
    /// <item>An agent is on (alerting or connected) and an earlier agent who had answered left → transferred (unless it is the
    /// same person back again).</item>
    /// <item>No agent is on, something else still holds the conversation (ACD, a flow) and an agent had answered → requeued.</item>
    /// <item>No agent is on, nothing else holds it and an agent had answered → ended by the agent.</item>
    /// <item>Anything else (waiting for a first agent, an agent who never answered replaced by another) → open.</item>
    /// </list>
    /// </summary>
    public static ConversationVerdict Decide(IReadOnlyList<MessageParticipant>? participants)
    {
        if (participants is null || participants.Count == 0)
        {
            return new(VerdictKind.Unknown, "no participants");
        }

        var ordered = participants.Select((p, i) => (Participant: p, Index: i))
            .OrderBy(x => ParseTime(x.Participant.StartTime) ?? DateTimeOffset.MinValue)
            .ThenBy(x => x.Index)
            .Select(x => x.Participant)
            .ToList();

        var customer = ordered.LastOrDefault(p => Is(p.Purpose, GenesysApi.PurposeCustomer));
        if (customer is null)
        {
            return new(VerdictKind.Unknown, "no customer participant");
        }

        var agents = ordered.Where(p => IsAgent(p) && !IsQueuePlaceholder(p)).ToList();
        var answered = agents.Where(HadAnswered).ToList();
        var lastAnsweredGone = answered.LastOrDefault(p => !IsActive(p));

        if (!IsActive(customer))
        {
            var lastAnswered = answered.LastOrDefault();
            var byAgent = lastAnswered is not null && !IsActive(lastAnswered)
                && !GenesysApi.IsTransfer(lastAnswered.DisconnectType) && !Is(lastAnswered.DisconnectType, GenesysApi.DisconnectPeer)
                && !EndedAfter(lastAnswered, customer);
            return byAgent
                ? new(VerdictKind.Ended, EndedByAgent: true, From: lastAnswered)
                : new(VerdictKind.Ended, Normalize(customer.DisconnectType) ?? "ended", From: lastAnswered);
        }

        var current = agents.LastOrDefault(IsActive);
        if (current is not null)
        {
            var previous = answered.LastOrDefault(p => !IsActive(p) && p != current);
            return previous is null || SameUser(previous, current)
                ? Open
                : new(VerdictKind.Transferred, "transfer", From: previous, To: current);
        }

        if (lastAnsweredGone is null)
        {
            // Never reached an agent (or only agents who did not answer): still routing. Only the customer leaving ends it.
            return Open;
        }

        var heldElsewhere = ordered.Any(p => p != customer && (!IsAgent(p) || IsQueuePlaceholder(p)) && IsActive(p));
        return heldElsewhere
            ? new(VerdictKind.Requeued, "requeue", From: lastAnsweredGone)
            : new(VerdictKind.Ended, EndedByAgent: true, From: lastAnsweredGone);
    }

    /// <summary>An agent leg: purpose <c>agent</c> (ACD-routed) or <c>user</c> (transferred to directly).</summary>
    internal static bool IsAgent(MessageParticipant p) => Is(p.Purpose, GenesysApi.PurposeAgent) || Is(p.Purpose, GenesysApi.PurposeUser);

    /// <summary>
    /// An agent leg still open but not yet given to anyone (alerting, no user, no name): the conversation waiting in a queue, as some
    /// models show it instead of an <c>acd</c> participant. It holds the conversation but is not an agent the bot should hear of.
    /// </summary>
    internal static bool IsQueuePlaceholder(MessageParticipant p) =>
        IsAgent(p) && IsActive(p) && !Is(p.State, GenesysApi.ConnectedState)
        && string.IsNullOrEmpty(p.User?.Id) && string.IsNullOrEmpty(p.UserId) && string.IsNullOrWhiteSpace(p.Name);

    private static bool SameUser(MessageParticipant a, MessageParticipant b) =>
        (a.User?.Id ?? a.UserId) is { Length: > 0 } userA && string.Equals(userA, b.User?.Id ?? b.UserId, StringComparison.OrdinalIgnoreCase);

    internal static bool IsActive(MessageParticipant p) => p.State is { } state && GenesysApi.ActiveParticipantStates.Contains(state);

    /// <summary>
    /// Whether an agent leg was answered. With Genesys' times: <c>connectedTime</c> set. Without them (a reduced model), any
    /// leg still on, or gone other than by not answering.
    /// </summary>
    internal static bool HadAnswered(MessageParticipant p)
    {
        if (p.ConnectedTime is { Length: > 0 })
        {
            return true;
        }

        if (p.StartAlertingTime is { Length: > 0 })
        {
            return false; // alerted, never connected
        }

        return Is(p.State, GenesysApi.ConnectedState) || (!IsActive(p) && !GenesysApi.IsNoAnswer(p.DisconnectType));
    }

    private static bool EndedAfter(MessageParticipant agent, MessageParticipant customer) =>
        ParseTime(agent.EndTime) is { } agentEnd && ParseTime(customer.EndTime) is { } customerEnd && agentEnd > customerEnd;

    private static string? Normalize(string? disconnectType) =>
        string.IsNullOrWhiteSpace(disconnectType) ? null : disconnectType.Trim().ToLowerInvariant();

    private static bool Is(string? value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    internal static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
}
