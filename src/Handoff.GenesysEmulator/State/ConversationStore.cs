namespace Handoff.GenesysEmulator.State;

/// <summary>
/// In-memory conversations, their participants and their messages. Every read and write happens under one lock; callers
/// only ever see immutable snapshots. Changes to participants raise detail events (fact sheet §11.3), which are handed to
/// the <see cref="IConversationEventSink"/> once the lock is released.
/// </summary>
/// <remarks>
/// Grouping rule: a message joins the non-disconnected conversation of the same (integration, <c>from.id</c>) or
/// starts a new one. A disconnected conversation is never rejoined: this is Genesys with a threading timeline of 0,
/// which is what bot vendors recommend for Open Messaging (fact sheet §6, §10.8), and it keeps tests deterministic.
/// Routing: a new conversation has a connected customer and waits in its queue (an ACD leg, not listed as a participant)
/// until an agent joins, on the first agent message or an explicit join.
/// </remarks>
internal sealed class ConversationStore(TimeProvider time, AgentDirectory agents, IConversationEventSink events)
{
    private readonly Lock _gate = new();
    private readonly List<ConversationEntry> _conversations = [];
    private readonly Dictionary<string, ConversationEntry> _byId = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string IntegrationId, string UserId), ConversationEntry> _active = new(ActiveKeyComparer.Instance);
    private readonly Dictionary<string, MessageEntry> _messagesById = new(StringComparer.Ordinal);

    public IReadOnlyList<ConversationSnapshot> GetAll()
    {
        lock (_gate)
        {
            return [.. _conversations.Select(c => c.Snapshot())];
        }
    }

    public ConversationSnapshot? Find(string conversationId)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(conversationId)?.Snapshot();
        }
    }

    /// <summary>A message of any conversation by its Genesys id.</summary>
    public MessageLookup? FindMessage(string messageId)
    {
        lock (_gate)
        {
            if (!_messagesById.TryGetValue(messageId, out var message))
            {
                return null;
            }

            var conversation = message.Conversation;
            return new MessageLookup(message.Snapshot(), conversation.Id, conversation.IntegrationId, conversation.User);
        }
    }

    /// <summary>Conversations of a queue that still wait for an agent, and those an agent is connected to.</summary>
    public QueueActivity GetQueueActivity(string queueId)
    {
        lock (_gate)
        {
            var live = _conversations.Where(c =>
                c.State == ConversationState.Connected && string.Equals(c.QueueId, queueId, StringComparison.OrdinalIgnoreCase));
            var waiting = 0;
            var interacting = 0;
            foreach (var conversation in live)
            {
                if (conversation.ConnectedAgent() is null)
                {
                    waiting++;
                }
                else
                {
                    interacting++;
                }
            }

            return new QueueActivity(waiting, interacting);
        }
    }

    public InboundMessageResult AcceptInboundMessage(
        string integrationId,
        string queueId,
        EndUser user,
        IReadOnlyDictionary<string, string>? customAttributes,
        string? text,
        IReadOnlyList<MessageAttachment> content,
        DateTimeOffset sentAt,
        string? clientMessageId)
    {
        var now = time.GetUtcNow();
        return Mutate(raised =>
        {
            var (conversation, created) = GetOrCreate(integrationId, queueId, user, now, raised);
            if (customAttributes is not null)
            {
                foreach (var (key, value) in customAttributes)
                {
                    conversation.CustomAttributes[key] = value;
                }
            }

            // [U] Whether Genesys ignores a repeated channel.messageId is unconfirmed (fact sheet §10.7). The emulator treats
            // a repeat within the same conversation as the same message, as an idempotent receiver would: a client that
            // re-sends after a crash (same messageId) is not shown twice. Counted in /emulator/stats.
            if (!created && clientMessageId is not null && conversation.InboundByClientId.TryGetValue(clientMessageId, out var repeated))
            {
                return new InboundMessageResult(conversation.Snapshot(includeMessages: false), repeated.Snapshot(), false) { Repeated = true };
            }

            var message = new MessageEntry(NewMessageId(), MessageDirection.Inbound, text, content, sentAt, clientMessageId, sender: null)
            {
                Conversation = conversation,
            };
            conversation.Messages.Add(message);
            if (clientMessageId is not null)
            {
                conversation.InboundByClientId.TryAdd(clientMessageId, message);
            }

            _messagesById[message.Id] = message;
            conversation.CustomerTypingAt = null;
            conversation.LastActivityAt = now;
            return new InboundMessageResult(conversation.Snapshot(includeMessages: false), message.Snapshot(), created);
        });
    }

    /// <summary>Records "customer is typing"; like every inbound call it may start a conversation.</summary>
    public (ConversationSnapshot Conversation, bool Created) RecordCustomerTyping(string integrationId, string queueId, EndUser user)
    {
        var now = time.GetUtcNow();
        return Mutate(raised =>
        {
            var (conversation, created) = GetOrCreate(integrationId, queueId, user, now, raised);
            conversation.CustomerTypingAt = now;
            conversation.LastActivityAt = now;
            return (conversation.Snapshot(), created);
        });
    }

    /// <summary>Stores a client receipt on the outbound message with that Genesys id; returns its conversation id.</summary>
    public string? RecordReceipt(string integrationId, string messageId, MessageReceipt receipt)
    {
        lock (_gate)
        {
            if (!_messagesById.TryGetValue(messageId, out var message)
                || message.Direction != MessageDirection.Outbound
                || !string.Equals(message.Conversation.IntegrationId, integrationId, StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            message.Receipt = receipt;
            return message.Conversation.Id;
        }
    }

    /// <summary>
    /// Adds an agent message. The sender is <paramref name="requested"/>, else the connected agent, else the agent a
    /// requeued leg is alerting, else the default agent. With no agent connected, the sender joins first (user.start);
    /// a different agent than the connected one is a conflict.
    /// </summary>
    public AgentActionResult AddAgentMessage(
        string conversationId, Agent? requested, string? text, IReadOnlyList<MessageAttachment> content)
    {
        var now = time.GetUtcNow();
        return Mutate(raised =>
        {
            if (Reject(conversationId) is { } rejected)
            {
                return rejected;
            }

            var conversation = _byId[conversationId];
            var connected = conversation.ConnectedAgent();
            var sender = requested ?? connected?.AsAgent(agents) ?? conversation.AlertingAgent()?.AsAgent(agents) ?? agents.Default;
            if (connected is not null && !SameUser(connected.UserId, sender.UserId))
            {
                return Conflict(conversation, $"{connected.Name} is connected to conversation {conversation.Id}, not {sender.Name}; transfer first.");
            }

            if (connected is null)
            {
                Join(conversation, sender, now, raised);
            }

            var message = new MessageEntry(NewMessageId(), MessageDirection.Outbound, text, content, now, clientMessageId: null, sender)
            {
                Conversation = conversation,
            };
            conversation.Messages.Add(message);
            _messagesById[message.Id] = message;
            conversation.LastActivityAt = now;
            return new AgentActionResult(AgentActionStatus.Ok, conversation.Snapshot(), message.Snapshot());
        });
    }

    /// <summary>
    /// An agent picks the conversation up: <paramref name="requested"/>, else the agent a requeued leg is alerting, else the
    /// default agent. Joining again as the connected agent changes nothing; another agent is a conflict.
    /// </summary>
    public AgentActionResult JoinAgent(string conversationId, Agent? requested)
    {
        var now = time.GetUtcNow();
        return Mutate(raised =>
        {
            if (Reject(conversationId) is { } rejected)
            {
                return rejected;
            }

            var conversation = _byId[conversationId];
            if (conversation.ConnectedAgent() is { } connected)
            {
                return requested is null || SameUser(connected.UserId, requested.UserId)
                    ? new AgentActionResult(AgentActionStatus.Ok, conversation.Snapshot())
                    : Conflict(conversation, $"{connected.Name} is already connected to conversation {conversation.Id}; transfer first.");
            }

            var agent = requested ?? conversation.AlertingAgent()?.AsAgent(agents) ?? agents.Default;
            Join(conversation, agent, now, raised);
            conversation.LastActivityAt = now;
            return new AgentActionResult(AgentActionStatus.Ok, conversation.Snapshot());
        });
    }

    /// <summary>
    /// Transfers the conversation away from its active agent leg, which ends with disconnect type <c>transfer</c>. Blind:
    /// <paramref name="target"/> (or another agent) is connected at once. Requeue: a new agent leg alerts in the queue,
    /// reserved for <paramref name="target"/> when given, until an agent message or join picks it up.
    /// </summary>
    public AgentActionResult Transfer(string conversationId, Agent? target, TransferKind kind)
    {
        var now = time.GetUtcNow();
        return Mutate(raised =>
        {
            if (Reject(conversationId) is { } rejected)
            {
                return rejected;
            }

            var conversation = _byId[conversationId];
            if (conversation.ActiveAgent() is not { } current)
            {
                return Conflict(conversation, $"No agent is on conversation {conversation.Id}; there is nothing to transfer.");
            }

            if (kind == TransferKind.Blind)
            {
                target ??= agents.Other(current.UserId);
                if (target is null)
                {
                    return Conflict(conversation, "There is no other agent to transfer to; name one.");
                }

                if (current.State == ParticipantState.Connected && SameUser(current.UserId, target.UserId))
                {
                    return Conflict(conversation, $"{target.Name} is already connected to conversation {conversation.Id}.");
                }
            }

            EndAgent(conversation, current, DisconnectType.Transfer, now, raised);
            if (kind == TransferKind.Blind)
            {
                Join(conversation, target!, now, raised);
            }
            else
            {
                var leg = new ParticipantEntry(ParticipantPurpose.Agent, now)
                {
                    State = ParticipantState.Alerting,
                    UserId = target?.UserId,
                    Name = target?.Name,
                    QueueId = conversation.QueueId,
                    StartAlertingTime = now,
                };
                conversation.Participants.Add(leg);
                OpenAcd(conversation, now, raised);
            }

            conversation.LastActivityAt = now;
            return new AgentActionResult(AgentActionStatus.Ok, conversation.Snapshot());
        });
    }

    /// <summary>Checks that an agent may act (e.g. type) on the conversation.</summary>
    public AgentActionResult GetForAgent(string conversationId)
    {
        lock (_gate)
        {
            return Reject(conversationId) ?? new AgentActionResult(AgentActionStatus.Ok, _byId[conversationId].Snapshot());
        }
    }

    /// <summary>
    /// The agent ends the conversation (idempotent): the agent leg leaves with <c>client</c>, then the system disconnects
    /// the customer. Null when unknown.
    /// </summary>
    public ConversationSnapshot? Disconnect(string conversationId)
    {
        var now = time.GetUtcNow();
        return Mutate(raised =>
        {
            if (!_byId.TryGetValue(conversationId, out var conversation))
            {
                return null;
            }

            if (conversation.State != ConversationState.Disconnected)
            {
                foreach (var leg in conversation.Participants.Where(p => p.Purpose == ParticipantPurpose.Agent && p.IsActive).ToList())
                {
                    EndAgent(conversation, leg, DisconnectType.Client, now, raised);
                }

                EndCustomer(conversation, DisconnectType.System, now, raised);
                Close(conversation, now, raised);
            }

            return conversation.Snapshot();
        });
    }

    /// <summary>
    /// <c>PATCH …/participants/{participantId}</c> with <c>state: disconnected</c>. The customer leaving ends the
    /// conversation (agents leave with <c>peer</c>); the last agent leaving does too (the system disconnects the customer).
    /// A leg that already left is accepted and left alone.
    /// </summary>
    public ParticipantUpdateStatus DisconnectParticipant(string conversationId, string participantId)
    {
        var now = time.GetUtcNow();
        return Mutate(raised =>
        {
            if (!_byId.TryGetValue(conversationId, out var conversation))
            {
                return ParticipantUpdateStatus.ConversationNotFound;
            }

            var participant = conversation.Participants.FirstOrDefault(p => string.Equals(p.Id, participantId, StringComparison.OrdinalIgnoreCase));
            if (participant is null)
            {
                return ParticipantUpdateStatus.ParticipantNotFound;
            }

            if (!participant.IsActive || conversation.State == ConversationState.Disconnected)
            {
                return ParticipantUpdateStatus.Accepted;
            }

            if (participant.Purpose == ParticipantPurpose.Customer)
            {
                EndCustomer(conversation, DisconnectType.Client, now, raised);
                foreach (var leg in conversation.Participants.Where(p => p.Purpose == ParticipantPurpose.Agent && p.IsActive).ToList())
                {
                    EndAgent(conversation, leg, DisconnectType.Peer, now, raised);
                }

                Close(conversation, now, raised);
            }
            else
            {
                EndAgent(conversation, participant, DisconnectType.Client, now, raised);
                if (conversation.ActiveAgent() is null)
                {
                    EndCustomer(conversation, DisconnectType.System, now, raised);
                    Close(conversation, now, raised);
                }
            }

            conversation.LastActivityAt = now;
            return ParticipantUpdateStatus.Accepted;
        });
    }

    /// <summary>Runs a change under the lock, then publishes the detail events it raised.</summary>
    private T Mutate<T>(Func<List<DetailEvent>, T> change)
    {
        var raised = new List<DetailEvent>();
        T result;
        lock (_gate)
        {
            result = change(raised);
        }

        if (raised.Count > 0)
        {
            events.Publish(raised);
        }

        return result;
    }

    /// <summary>Not found or disconnected, as an agent action result; null when the agent may act.</summary>
    private AgentActionResult? Reject(string conversationId)
    {
        if (!_byId.TryGetValue(conversationId, out var conversation))
        {
            return new AgentActionResult(AgentActionStatus.NotFound, null);
        }

        return conversation.State == ConversationState.Disconnected
            ? new AgentActionResult(AgentActionStatus.Disconnected, conversation.Snapshot())
            : null;
    }

    private static AgentActionResult Conflict(ConversationEntry conversation, string problem) =>
        new(AgentActionStatus.Conflict, conversation.Snapshot(), Problem: problem);

    private (ConversationEntry Conversation, bool Created) GetOrCreate(
        string integrationId, string queueId, EndUser user, DateTimeOffset now, List<DetailEvent> raised)
    {
        if (_active.TryGetValue((integrationId, user.Id), out var existing))
        {
            existing.User = Merge(existing.User, user);
            return (existing, false);
        }

        var conversation = new ConversationEntry(Guid.NewGuid().ToString(), integrationId, queueId, user, now);
        conversation.Participants.Add(new ParticipantEntry(ParticipantPurpose.Customer, now)
        {
            State = ParticipantState.Connected,
            ConnectedTime = now,
        });
        _conversations.Add(conversation);
        _byId[conversation.Id] = conversation;
        _active[(integrationId, user.Id)] = conversation;
        OpenAcd(conversation, now, raised);
        return (conversation, true);
    }

    /// <summary>Connects <paramref name="agent"/>: the alerting (requeued) leg if there is one, else a new leg.</summary>
    private static void Join(ConversationEntry conversation, Agent agent, DateTimeOffset now, List<DetailEvent> raised)
    {
        var leg = conversation.AlertingAgent();
        if (leg is null)
        {
            leg = new ParticipantEntry(ParticipantPurpose.Agent, now) { QueueId = conversation.QueueId };
            conversation.Participants.Add(leg);
        }

        leg.UserId = agent.UserId;
        leg.Name = agent.Name;
        leg.State = ParticipantState.Connected;
        leg.ConnectedTime = now;
        Raise(raised, conversation, DetailEventTopics.UserStart, Body(conversation, leg, now) with { UserId = leg.UserId, QueueId = leg.QueueId });

        if (conversation.Acd is { } acd)
        {
            conversation.Acd = null;
            Raise(raised, conversation, DetailEventTopics.AcdEnd, AcdBody(conversation, acd, now) with
            {
                AcdOutcome = "ANSWERED",
                AnsweredUserId = agent.UserId,
                DisconnectType = DisconnectType.Transfer.ForDetailEvents(),
                ConnectedDurationMs = Milliseconds(now - acd.StartTime),
            });
        }
    }

    /// <summary>The conversation waits in its queue: an ACD leg starts (acd.start).</summary>
    private static void OpenAcd(ConversationEntry conversation, DateTimeOffset now, List<DetailEvent> raised)
    {
        var acd = new AcdLeg(now);
        conversation.Acd = acd;
        Raise(raised, conversation, DetailEventTopics.AcdStart, AcdBody(conversation, acd, now));
    }

    private static void EndAgent(
        ConversationEntry conversation, ParticipantEntry leg, DisconnectType type, DateTimeOffset now, List<DetailEvent> raised)
    {
        leg.State = ParticipantState.Disconnected;
        leg.DisconnectType = type;
        leg.EndTime = now;
        if (leg.UserId is null)
        {
            // A requeued leg nobody picked up: no user, so no user.end.
            return;
        }

        Raise(raised, conversation, DetailEventTopics.UserEnd, Body(conversation, leg, now) with
        {
            UserId = leg.UserId,
            QueueId = leg.QueueId,
            DisconnectType = type.ForDetailEvents(),
            InteractingDurationMs = leg.ConnectedTime is { } connected ? Milliseconds(now - connected) : 0,
            AlertingDurationMs = leg.StartAlertingTime is { } alerting ? Milliseconds((leg.ConnectedTime ?? now) - alerting) : null,
        });
    }

    private static void EndCustomer(ConversationEntry conversation, DisconnectType type, DateTimeOffset now, List<DetailEvent> raised)
    {
        var customer = conversation.Customer;
        customer.State = ParticipantState.Disconnected;
        customer.DisconnectType = type;
        customer.EndTime = now;
        Raise(raised, conversation, DetailEventTopics.CustomerEnd, Body(conversation, customer, now) with
        {
            DisconnectType = type.ForDetailEvents(),
            InteractingDurationMs = Milliseconds(now - (customer.ConnectedTime ?? customer.StartTime)),
        });
    }

    private void Close(ConversationEntry conversation, DateTimeOffset now, List<DetailEvent> raised)
    {
        if (conversation.Acd is { } acd)
        {
            conversation.Acd = null;
            Raise(raised, conversation, DetailEventTopics.AcdEnd, AcdBody(conversation, acd, now) with
            {
                AcdOutcome = "ABANDON",
                DisconnectType = conversation.Customer.DisconnectType?.ForDetailEvents(),
            });
        }

        conversation.State = ConversationState.Disconnected;
        conversation.DisconnectedAt = now;
        conversation.CustomerTypingAt = null;
        _active.Remove((conversation.IntegrationId, conversation.User.Id));
    }

    private static void Raise(List<DetailEvent> raised, ConversationEntry conversation, string kind, DetailEventBody body) =>
        raised.Add(new DetailEvent(DetailEventTopics.For(conversation.Id, kind), body));

    private static DetailEventBody Body(ConversationEntry conversation, ParticipantEntry leg, DateTimeOffset now) =>
        new()
        {
            EventTime = now.ToUnixTimeMilliseconds(),
            ConversationId = conversation.Id,
            ParticipantId = leg.Id,
            SessionId = leg.SessionId,
        };

    private static DetailEventBody AcdBody(ConversationEntry conversation, AcdLeg acd, DateTimeOffset now) =>
        new()
        {
            EventTime = now.ToUnixTimeMilliseconds(),
            ConversationId = conversation.Id,
            ParticipantId = acd.Id,
            SessionId = acd.SessionId,
            QueueId = conversation.QueueId,
        };

    private static long Milliseconds(TimeSpan span) => Math.Max(0, (long)span.TotalMilliseconds);

    private static bool SameUser(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Later messages may carry display data the first one lacked; keep what is known.</summary>
    private static EndUser Merge(EndUser known, EndUser update) => known with
    {
        IdType = update.IdType,
        Nickname = update.Nickname ?? known.Nickname,
        FirstName = update.FirstName ?? known.FirstName,
        LastName = update.LastName ?? known.LastName,
        Email = update.Email ?? known.Email,
        Image = update.Image ?? known.Image,
    };

    /// <summary>Genesys message ids are opaque hex strings.</summary>
    private static string NewMessageId() => Guid.NewGuid().ToString("N");

    private sealed class ConversationEntry(string id, string integrationId, string queueId, EndUser user, DateTimeOffset createdAt)
    {
        public string Id { get; } = id;
        public string IntegrationId { get; } = integrationId;
        public string QueueId { get; } = queueId;
        public EndUser User { get; set; } = user;
        public ConversationState State { get; set; } = ConversationState.Connected;
        public DateTimeOffset CreatedAt { get; } = createdAt;
        public DateTimeOffset LastActivityAt { get; set; } = createdAt;
        public DateTimeOffset? DisconnectedAt { get; set; }
        public DateTimeOffset? CustomerTypingAt { get; set; }
        public Dictionary<string, string> CustomAttributes { get; } = new(StringComparer.Ordinal);
        public List<MessageEntry> Messages { get; } = [];

        /// <summary>Inbound messages by the client's messageId: a repeat is found without scanning the conversation.</summary>
        public Dictionary<string, MessageEntry> InboundByClientId { get; } = new(StringComparer.Ordinal);
        public List<ParticipantEntry> Participants { get; } = [];

        /// <summary>The open ACD leg while the conversation waits in the queue; null once an agent answered.</summary>
        public AcdLeg? Acd { get; set; }

        public ParticipantEntry Customer => Participants[0];

        public ParticipantEntry? ConnectedAgent() =>
            Participants.LastOrDefault(p => p.Purpose == ParticipantPurpose.Agent && p.State == ParticipantState.Connected);

        public ParticipantEntry? AlertingAgent() =>
            Participants.LastOrDefault(p => p.Purpose == ParticipantPurpose.Agent && p.State == ParticipantState.Alerting);

        public ParticipantEntry? ActiveAgent() =>
            Participants.LastOrDefault(p => p.Purpose == ParticipantPurpose.Agent && p.IsActive);

        /// <param name="includeMessages">False for the inbound API's hot path, which needs only the conversation's identity:
        /// copying every message on each inbound call would slow the emulator down as conversations grow.</param>
        public ConversationSnapshot Snapshot(bool includeMessages = true) => new(
            Id,
            IntegrationId,
            User,
            State,
            CreatedAt,
            LastActivityAt,
            DisconnectedAt,
            CustomerTypingAt,
            new Dictionary<string, string>(CustomAttributes, StringComparer.Ordinal),
            includeMessages ? [.. Messages.Select(m => m.Snapshot())] : [],
            QueueId,
            [.. Participants.Select(p => p.Snapshot(p.Purpose == ParticipantPurpose.Customer ? User.Name : p.Name))]);
    }

    private sealed class ParticipantEntry(ParticipantPurpose purpose, DateTimeOffset startTime)
    {
        public string Id { get; } = Guid.NewGuid().ToString();
        public string SessionId { get; } = Guid.NewGuid().ToString();
        public ParticipantPurpose Purpose { get; } = purpose;
        public DateTimeOffset StartTime { get; } = startTime;
        public ParticipantState State { get; set; } = ParticipantState.Alerting;
        public string? UserId { get; set; }
        public string? Name { get; set; }
        public string? QueueId { get; init; }
        public DisconnectType? DisconnectType { get; set; }
        public DateTimeOffset? StartAlertingTime { get; init; }
        public DateTimeOffset? ConnectedTime { get; set; }
        public DateTimeOffset? EndTime { get; set; }

        public bool IsActive => State != ParticipantState.Disconnected;

        /// <summary>The agent on this leg (from the directory when known); null when it alerts nobody in particular.</summary>
        public Agent? AsAgent(AgentDirectory directory) =>
            UserId is null ? null : directory.Find(UserId) ?? new Agent(UserId, Name ?? UserId, null);

        public ParticipantSnapshot Snapshot(string? name) => new(
            Id, Purpose, State, UserId, name, QueueId, DisconnectType, StartTime, StartAlertingTime, ConnectedTime, EndTime, SessionId);
    }

    /// <summary>The conversation's time in the queue; Genesys shows it as an <c>acd</c> participant.</summary>
    private sealed class AcdLeg(DateTimeOffset startTime)
    {
        public string Id { get; } = Guid.NewGuid().ToString();
        public string SessionId { get; } = Guid.NewGuid().ToString();
        public DateTimeOffset StartTime { get; } = startTime;
    }

    private sealed class MessageEntry(
        string id,
        MessageDirection direction,
        string? text,
        IReadOnlyList<MessageAttachment> content,
        DateTimeOffset time,
        string? clientMessageId,
        Agent? sender)
    {
        public string Id { get; } = id;
        public MessageDirection Direction { get; } = direction;
        public string? ClientMessageId { get; } = clientMessageId;
        public ConversationEntry Conversation { get; init; } = null!;
        public MessageReceipt? Receipt { get; set; }

        public MessageSnapshot Snapshot() => new(Id, Direction, text, content, time, ClientMessageId, Receipt, sender);
    }

    /// <summary>Integration ids are GUIDs (case-insensitive); user ids are the client's own and compare exactly.</summary>
    private sealed class ActiveKeyComparer : IEqualityComparer<(string IntegrationId, string UserId)>
    {
        public static readonly ActiveKeyComparer Instance = new();

        public bool Equals((string IntegrationId, string UserId) x, (string IntegrationId, string UserId) y) =>
            string.Equals(x.IntegrationId, y.IntegrationId, StringComparison.OrdinalIgnoreCase)
            && string.Equals(x.UserId, y.UserId, StringComparison.Ordinal);

        public int GetHashCode((string IntegrationId, string UserId) key) => HashCode.Combine(
            StringComparer.OrdinalIgnoreCase.GetHashCode(key.IntegrationId),
            StringComparer.Ordinal.GetHashCode(key.UserId));
    }
}
