namespace Handoff.GenesysEmulator.State;

/// <summary>
/// In-memory conversations and their messages. Every read and write happens under one lock; callers only ever see
/// immutable snapshots.
/// </summary>
/// <remarks>
/// Grouping rule: a message joins the non-disconnected conversation of the same (integration, <c>from.id</c>) or
/// starts a new one. A disconnected conversation is never rejoined: this is Genesys with a threading timeline of 0,
/// which is what bot vendors recommend for Open Messaging (fact sheet §6, §10.8), and it keeps tests deterministic.
/// </remarks>
internal sealed class ConversationStore(TimeProvider time)
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

    public InboundMessageResult AcceptInboundMessage(
        string integrationId,
        EndUser user,
        IReadOnlyDictionary<string, string>? customAttributes,
        string? text,
        IReadOnlyList<MessageAttachment> content,
        DateTimeOffset sentAt,
        string? clientMessageId)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var (conversation, created) = GetOrCreate(integrationId, user, now);
            if (customAttributes is not null)
            {
                foreach (var (key, value) in customAttributes)
                {
                    conversation.CustomAttributes[key] = value;
                }
            }

            var message = new MessageEntry(NewMessageId(), MessageDirection.Inbound, text, content, sentAt, clientMessageId)
            {
                Conversation = conversation,
            };
            conversation.Messages.Add(message);
            _messagesById[message.Id] = message;
            conversation.CustomerTypingAt = null;
            conversation.LastActivityAt = now;
            return new InboundMessageResult(conversation.Snapshot(), message.Snapshot(), created);
        }
    }

    /// <summary>Records "customer is typing"; like every inbound call it may start a conversation.</summary>
    public (ConversationSnapshot Conversation, bool Created) RecordCustomerTyping(string integrationId, EndUser user)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var (conversation, created) = GetOrCreate(integrationId, user, now);
            conversation.CustomerTypingAt = now;
            conversation.LastActivityAt = now;
            return (conversation.Snapshot(), created);
        }
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

    public AgentActionResult AddAgentMessage(string conversationId, string text)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_byId.TryGetValue(conversationId, out var conversation))
            {
                return new AgentActionResult(AgentActionStatus.NotFound, null);
            }

            if (conversation.State == ConversationState.Disconnected)
            {
                return new AgentActionResult(AgentActionStatus.Disconnected, conversation.Snapshot());
            }

            var message = new MessageEntry(NewMessageId(), MessageDirection.Outbound, text, [], now, clientMessageId: null)
            {
                Conversation = conversation,
            };
            conversation.Messages.Add(message);
            _messagesById[message.Id] = message;
            conversation.LastActivityAt = now;
            return new AgentActionResult(AgentActionStatus.Ok, conversation.Snapshot(), message.Snapshot());
        }
    }

    /// <summary>Checks that an agent may act (e.g. type) on the conversation.</summary>
    public AgentActionResult GetForAgent(string conversationId)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(conversationId, out var conversation))
            {
                return new AgentActionResult(AgentActionStatus.NotFound, null);
            }

            var status = conversation.State == ConversationState.Disconnected
                ? AgentActionStatus.Disconnected
                : AgentActionStatus.Ok;
            return new AgentActionResult(status, conversation.Snapshot());
        }
    }

    /// <summary>Disconnects the conversation (idempotent); null when unknown.</summary>
    public ConversationSnapshot? Disconnect(string conversationId)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (!_byId.TryGetValue(conversationId, out var conversation))
            {
                return null;
            }

            if (conversation.State != ConversationState.Disconnected)
            {
                conversation.State = ConversationState.Disconnected;
                conversation.DisconnectedAt = now;
                conversation.CustomerTypingAt = null;
                _active.Remove((conversation.IntegrationId, conversation.User.Id));
            }

            return conversation.Snapshot();
        }
    }

    private (ConversationEntry Conversation, bool Created) GetOrCreate(string integrationId, EndUser user, DateTimeOffset now)
    {
        if (_active.TryGetValue((integrationId, user.Id), out var existing))
        {
            existing.User = Merge(existing.User, user);
            return (existing, false);
        }

        var conversation = new ConversationEntry(Guid.NewGuid().ToString(), integrationId, user, now);
        _conversations.Add(conversation);
        _byId[conversation.Id] = conversation;
        _active[(integrationId, user.Id)] = conversation;
        return (conversation, true);
    }

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

    private sealed class ConversationEntry(string id, string integrationId, EndUser user, DateTimeOffset createdAt)
    {
        public string Id { get; } = id;
        public string IntegrationId { get; } = integrationId;
        public EndUser User { get; set; } = user;
        public ConversationState State { get; set; } = ConversationState.Connected;
        public DateTimeOffset CreatedAt { get; } = createdAt;
        public DateTimeOffset LastActivityAt { get; set; } = createdAt;
        public DateTimeOffset? DisconnectedAt { get; set; }
        public DateTimeOffset? CustomerTypingAt { get; set; }
        public Dictionary<string, string> CustomAttributes { get; } = new(StringComparer.Ordinal);
        public List<MessageEntry> Messages { get; } = [];

        public ConversationSnapshot Snapshot() => new(
            Id,
            IntegrationId,
            User,
            State,
            CreatedAt,
            LastActivityAt,
            DisconnectedAt,
            CustomerTypingAt,
            new Dictionary<string, string>(CustomAttributes, StringComparer.Ordinal),
            [.. Messages.Select(m => m.Snapshot())]);
    }

    private sealed class MessageEntry(
        string id,
        MessageDirection direction,
        string? text,
        IReadOnlyList<MessageAttachment> content,
        DateTimeOffset time,
        string? clientMessageId)
    {
        public string Id { get; } = id;
        public MessageDirection Direction { get; } = direction;
        public ConversationEntry Conversation { get; init; } = null!;
        public MessageReceipt? Receipt { get; set; }

        public MessageSnapshot Snapshot() => new(Id, Direction, text, content, time, clientMessageId, Receipt);
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
