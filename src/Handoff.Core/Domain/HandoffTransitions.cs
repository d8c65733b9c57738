using System.Text.Json.Serialization;

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
/// contact center refuses the handoff. A transfer keeps the handoff open (<c>handoff.transferred</c>); a requeue sends a
/// <c>connected</c> handoff back to <c>queued</c> (<c>handoff.queued</c> again) until the next agent writes.
/// <c>ended</c> and <c>failed</c> are final.
/// </remarks>
public static class HandoffTransitions
{
    /// <summary>The most lines of <see cref="HandoffRecord.Conversation"/> kept (the oldest are dropped first).</summary>
    public const int MaxConversationLines = 500;

    /// <summary>The channel accepted the conversation: the user waits in the queue.</summary>
    public static Transition StartDelivered(HandoffRecord h, IReadOnlyDictionary<string, string>? state, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        var updated = h with { ChannelState = Merge(h.ChannelState, state), UpdatedAt = now };
        return new(updated, [new NewEvent(EventTypes.Queued, new QueuedData(h.Queue))]);
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

    /// <summary>The user sent a message (accepted for relay): it joins the human part of the conversation.</summary>
    public static Transition UserMessage(HandoffRecord h, string text, IReadOnlyList<MessageAttachment>? attachments, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        return new(h with { UpdatedAt = now, Conversation = Append(h.Conversation, new ConversationLine("user", text, now, NullIfEmpty(attachments))) }, []);
    }

    public static Transition AgentMessage(
        HandoffRecord h,
        string messageId,
        string? text,
        string agentDisplayName,
        IReadOnlyDictionary<string, string>? state,
        DateTimeOffset now,
        IReadOnlyList<MessageAttachment>? attachments = null)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        var events = new List<NewEvent>(2);
        attachments = NullIfEmpty(attachments);
        var updated = h with
        {
            AgentDisplayName = agentDisplayName,
            ChannelState = Merge(h.ChannelState, state),
            UpdatedAt = now,
            Conversation = Append(h.Conversation, new ConversationLine("agent", text ?? string.Empty, now, attachments)),
        };
        var agent = new AgentData(agentDisplayName);
        if (h.Status == HandoffStatus.Queued)
        {
            // Also after a requeue: the next agent's first message connects again; time to agent counts from the first one.
            updated = updated with { Status = HandoffStatus.Connected, FirstAgentMessageAt = h.FirstAgentMessageAt ?? now };
            events.Add(new NewEvent(EventTypes.Connected, new { agent }));
        }

        events.Add(new NewEvent(EventTypes.AgentMessage, new AgentMessageData(messageId, text ?? string.Empty, agent, attachments)));
        return new(updated, events);
    }

    public static Transition AgentTyping(HandoffRecord h, string agentDisplayName, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        return new(h, [new NewEvent(EventTypes.AgentTyping, new { agent = new AgentData(agentDisplayName) }, now)]);
    }

    /// <summary>
    /// Another agent took over (or will: <paramref name="to"/> may still be alerting). The handoff stays open and keeps its
    /// status; the new agent's name, when known, becomes the handoff's agent.
    /// </summary>
    public static Transition Transferred(HandoffRecord h, string? from, string? to, string reason, IReadOnlyDictionary<string, string>? state, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        var updated = h with
        {
            AgentDisplayName = string.IsNullOrWhiteSpace(to) ? h.AgentDisplayName : to,
            ChannelState = Merge(h.ChannelState, state),
            UpdatedAt = now,
        };
        return new(updated, [new NewEvent(EventTypes.Transferred, new TransferredData(Agent(from), Agent(to), reason))]);
    }

    /// <summary>
    /// The agent left and the conversation is back in a queue. A connected handoff goes back to <c>queued</c> and the bot
    /// is told again (<c>handoff.queued</c> with a reason); a handoff still queued changes nothing.
    /// </summary>
    public static Transition Requeued(HandoffRecord h, string? from, string reason, IReadOnlyDictionary<string, string>? state, DateTimeOffset now)
    {
        if (!h.IsActive)
        {
            return Transition.Unchanged(h);
        }

        if (h.Status != HandoffStatus.Connected)
        {
            return ChannelStateChanged(h, state, now);
        }

        var updated = h with { Status = HandoffStatus.Queued, ChannelState = Merge(h.ChannelState, state), UpdatedAt = now };
        return new(updated, [new NewEvent(EventTypes.Queued, new QueuedData(h.Queue, reason, Agent(from)))]);
    }

    /// <summary>
    /// Still waiting in the queue: tells the bot the contact center's estimate. Only for queued handoffs, and it does not
    /// count as activity (the inactivity timeout still runs).
    /// </summary>
    public static Transition Waiting(HandoffRecord h, int estimatedWaitSeconds, DateTimeOffset now)
    {
        if (h.Status != HandoffStatus.Queued)
        {
            return Transition.Unchanged(h);
        }

        return new(h, [new NewEvent(EventTypes.Waiting, new { estimatedWaitSeconds = Math.Max(0, estimatedWaitSeconds) }, now)]);
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

    /// <summary>
    /// Ends the handoff, with its result: who ended it and why, how long it took to reach an agent, how long it lasted and
    /// the human part of the conversation. Ending an ended handoff changes nothing (idempotent).
    /// </summary>
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
        var result = new EndedData(
            finalReason,
            endedBy,
            h.FirstAgentMessageAt is { } first ? Seconds(first - h.CreatedAt) : null,
            Seconds(now - h.CreatedAt),
            h.Conversation.Select(l => new EndedLine(l.From, l.Text, l.Time, l.Attachments)).ToArray());
        return new(updated, [new NewEvent(EventTypes.Ended, result)]);
    }

    private static string DefaultReason(string endedBy) => endedBy switch
    {
        Domain.EndedBy.Agent => "agent_ended",
        Domain.EndedBy.User => "user_ended",
        Domain.EndedBy.Timeout => "inactivity",
        _ => "ended",
    };

    private static long Seconds(TimeSpan span) => (long)Math.Round(Math.Max(0, span.TotalSeconds), MidpointRounding.AwayFromZero);

    private static AgentData? Agent(string? displayName) => string.IsNullOrWhiteSpace(displayName) ? null : new AgentData(displayName);

    private static IReadOnlyList<MessageAttachment>? NullIfEmpty(IReadOnlyList<MessageAttachment>? attachments) =>
        attachments is { Count: > 0 } ? attachments : null;

    private static IReadOnlyList<ConversationLine> Append(IReadOnlyList<ConversationLine> lines, ConversationLine line)
    {
        var skip = Math.Max(0, lines.Count + 1 - MaxConversationLines);
        return [.. lines.Skip(skip), line];
    }

    private static IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string> current, IReadOnlyDictionary<string, string>? changes)
    {
        if (changes is null || changes.Count == 0)
        {
            return current;
        }

        var merged = new Dictionary<string, string>(current, StringComparer.Ordinal);
        var changed = false;
        foreach (var (key, value) in changes)
        {
            if (!merged.TryGetValue(key, out var existing) || existing != value)
            {
                merged[key] = value;
                changed = true;
            }
        }

        return changed ? merged : current;
    }

    // Event data shapes (the v1 wire contract). Optional members are left out when empty.

    private sealed record AgentData(string DisplayName);

    private sealed record QueuedData(
        string Queue,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AgentData? From = null);

    private sealed record AgentMessageData(
        string MessageId,
        string Text,
        AgentData Agent,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<MessageAttachment>? Attachments);

    private sealed record TransferredData(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AgentData? From,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AgentData? To,
        string Reason);

    private sealed record EndedData(
        string Reason,
        string EndedBy,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? TimeToAgentSeconds,
        long DurationSeconds,
        IReadOnlyList<EndedLine> Transcript);

    private sealed record EndedLine(
        string From,
        string Text,
        DateTimeOffset Time,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<MessageAttachment>? Attachments);
}
