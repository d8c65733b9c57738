namespace Handoff.Core.Domain;

/// <summary>The outcome of applying something to a handoff: its new state and the events to publish.</summary>
public sealed record Transition(HandoffRecord Handoff, IReadOnlyList<NewEvent> Events)
{
    public static Transition Unchanged(HandoffRecord handoff) => new(handoff, []);
}

/// <summary>
/// The handoff state machine, as pure functions: given the current record and what happened, the next record and
/// the events the bot should see. Storage applies them atomically; nothing here does I/O.
/// </summary>
/// <remarks>
/// <c>queued</c> → <c>connected</c> (first agent message) → <c>ended</c>; <c>queued</c> → <c>failed</c> when the
/// contact center refuses the handoff. <c>ended</c> and <c>failed</c> are final.
/// </remarks>
public static class HandoffTransitions
{
    /// <summary>The channel accepted the conversation: the user waits in the queue.</summary>
    public static Transition StartDelivered(HandoffRecord h, IReadOnlyDictionary<string, string>? state, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        var updated = h with { ChannelState = Merge(h.ChannelState, state), UpdatedAt = now };
        return new(updated, [new NewEvent(EventTypes.Queued, new { queue = h.Queue })]);
    }

    /// <summary>The channel refused the conversation for good (after retries, or a permanent error).</summary>
    public static Transition StartFailed(HandoffRecord h, string reason, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        var updated = h with
        {
            Status = HandoffStatus.Failed,
            EndedAt = now,
            EndReason = reason,
            EndedBy = Domain.EndedBy.System,
            UpdatedAt = now,
        };
        return new(updated, [new NewEvent(EventTypes.Failed, new { reason })]);
    }

    public static Transition AgentMessage(HandoffRecord h, string messageId, string? text, string agentDisplayName, IReadOnlyDictionary<string, string>? state, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        var events = new List<NewEvent>(2);
        var updated = h with { AgentDisplayName = agentDisplayName, ChannelState = Merge(h.ChannelState, state), UpdatedAt = now };
        var agent = new { displayName = agentDisplayName };
        if (h.Status == HandoffStatus.Queued)
        {
            updated = updated with { Status = HandoffStatus.Connected, FirstAgentMessageAt = now };
            events.Add(new NewEvent(EventTypes.Connected, new { agent }));
        }

        events.Add(new NewEvent(EventTypes.AgentMessage, new { messageId, text = text ?? string.Empty, agent }));
        return new(updated, events);
    }

    public static Transition AgentTyping(HandoffRecord h, string agentDisplayName, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        return new(h, [new NewEvent(EventTypes.AgentTyping, new { agent = new { displayName = agentDisplayName } })]);
    }

    /// <summary>The channel reported new state (e.g. its conversation id) without anything the bot needs to see.</summary>
    public static Transition ChannelStateChanged(HandoffRecord h, IReadOnlyDictionary<string, string>? state, DateTimeOffset now)
    {
        var merged = Merge(h.ChannelState, state);
        return ReferenceEquals(merged, h.ChannelState) ? Transition.Unchanged(h) : new(h with { ChannelState = merged, UpdatedAt = now }, []);
    }

    public static Transition MessageDelivered(HandoffRecord h, string messageId) =>
        new(h, [new NewEvent(EventTypes.MessageDelivered, new { messageId })]);

    public static Transition MessageFailed(HandoffRecord h, string messageId, string reason) =>
        new(h, [new NewEvent(EventTypes.MessageFailed, new { messageId, reason })]);

    /// <summary>Ends the handoff. Ending an ended handoff changes nothing (idempotent).</summary>
    public static Transition End(HandoffRecord h, string endedBy, string? reason, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        var finalReason = string.IsNullOrWhiteSpace(reason) ? DefaultReason(endedBy) : reason;
        var updated = h with
        {
            Status = HandoffStatus.Ended,
            EndedAt = now,
            EndReason = finalReason,
            EndedBy = endedBy,
            UpdatedAt = now,
        };
        return new(updated, [new NewEvent(EventTypes.Ended, new { reason = finalReason, endedBy })]);
    }

    private static string DefaultReason(string endedBy) => endedBy switch
    {
        Domain.EndedBy.Agent => "agent_ended",
        Domain.EndedBy.User => "user_ended",
        Domain.EndedBy.Timeout => "inactivity",
        _ => "ended",
    };

    private static IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string>? changes)
    {
        if (changes is null || changes.Count == 0)
        {
            return current;
        }

        var merged = new Dictionary<string, string>(current, StringComparer.Ordinal);
        foreach (var (key, value) in changes)
        {
            merged[key] = value;
        }

        return merged;
    }
}
