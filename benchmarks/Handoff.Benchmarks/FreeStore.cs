using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Core.Domain;
using Handoff.Core.Storage;

namespace Handoff.Benchmarks;

/// <summary>
/// What-if experiment (<c>--what-if-free-store</c>), never a product: the store's contract kept in process memory under one
/// lock, with nothing durable, so that the relay runs with a store that costs next to nothing (event data is still
/// serialized, as any store must). It bounds what any rewrite of the durable layer could gain in this benchmark: the
/// relay's ratio with it is the most a store could give, and what stays is the HTTP hops and the API's request path.
/// Keeps what the relay's hot path relies on (order per handoff, the head-only rule, message-id and receipt
/// deduplication, events, callbacks, signals); retention and the dispatch lock are left to the interface's defaults.
/// </summary>
public sealed class FreeStore(HandoffSignals signals) : IHandoffStore
{
    private sealed class Row(OutboxItem item)
    {
        public OutboxItem Item = item;
        public int Receipts;
    }

    private sealed class CallbackRow(HandoffEvent e, string client, string url, DateTimeOffset next)
    {
        public readonly HandoffEvent Event = e;
        public readonly string Client = client, Url = url;
        public OutboxStatus Status;
        public int Attempts;
        public DateTimeOffset Next = next;
    }

    private const int DeliveredBit = 1, FailedBit = 2;

    /// <summary>The store's own settings for event data (web defaults, nothing ignored).</summary>
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, HandoffRecord> _handoffs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Client, string Key), string> _idempotency = [];
    private readonly Dictionary<long, Row> _outbox = [];
    private readonly Dictionary<string, List<Row>> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Handoff, OutboxKind Kind, string Message), Row> _byMessage = [];
    private readonly HashSet<(string Channel, string External)> _inbound = [];
    private readonly Dictionary<string, List<HandoffEvent>> _events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ConversationLine>> _lines = new(StringComparer.Ordinal);
    private readonly Dictionary<long, CallbackRow> _callbacks = [];
    private readonly Dictionary<string, List<CallbackRow>> _pendingCallbacks = new(StringComparer.Ordinal);
    private long _outboxSeq, _eventSeq;

    private static string ActiveKey(HandoffRecord h) => string.Join('\u001f', h.Client, h.Channel, h.Queue.ToUpperInvariant(), h.User.Id);

    public Task<CreateResult> CreateAsync(HandoffRecord handoff, OutboxItem start, string? idempotencyKey, CancellationToken cancellationToken)
    {
        CreateResult result;
        lock (_gate)
        {
            if (idempotencyKey is not null && _idempotency.TryGetValue((handoff.Client, idempotencyKey), out var replayed))
            {
                result = new CreateResult(_handoffs[replayed], Created: false) { Replayed = true };
            }
            else if (_active.TryGetValue(ActiveKey(handoff), out var active))
            {
                result = new CreateResult(_handoffs[active], Created: false);
            }
            else
            {
                _handoffs[handoff.Id] = handoff;
                _active[ActiveKey(handoff)] = handoff.Id;
                Insert(start);
                if (idempotencyKey is not null)
                {
                    _idempotency[(handoff.Client, idempotencyKey)] = handoff.Id;
                }

                result = new CreateResult(handoff, Created: true);
            }
        }

        signals.OutboxChanged();
        return Task.FromResult(result);
    }

    public Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_handoffs.GetValueOrDefault(id));
        }
    }

    public HandoffRecord? PeekRecent(string id)
    {
        lock (_gate)
        {
            return _handoffs.GetValueOrDefault(id);
        }
    }

    public Task<UpdateResult> UpdateAsync(string handoffId, Func<HandoffRecord, HandoffUpdate> decide, InboundKey? inboundKey, CancellationToken cancellationToken)
    {
        UpdateResult result;
        lock (_gate)
        {
            result = Update(handoffId, decide, inboundKey);
        }

        signals.Committed(result);
        return Task.FromResult(result);
    }

    private UpdateResult Update(string handoffId, Func<HandoffRecord, HandoffUpdate> decide, InboundKey? inboundKey)
    {
        if (!_handoffs.TryGetValue(handoffId, out var current))
        {
            return UpdateResult.NotFound;
        }

        if (inboundKey is not null && !StoreInboundKey(handoffId, inboundKey))
        {
            return new UpdateResult(UpdateOutcome.Duplicate, current, []);
        }

        var update = decide(current);
        OutboxItem? outbox = null;
        var duplicate = false;
        if (update.Enqueue is { } item)
        {
            if (item.MessageId is { } id && _byMessage.TryGetValue((handoffId, item.Kind, id), out var existing))
            {
                outbox = existing.Item;
                duplicate = true;
            }
            else
            {
                outbox = Insert(item);
            }
        }

        var transition = duplicate ? Transition.Unchanged(current) : update.Transition;
        return new UpdateResult(UpdateOutcome.Applied, transition.Handoff, Apply(current, transition), outbox, duplicate);
    }

    private bool StoreInboundKey(string handoffId, InboundKey key)
    {
        if (key.ReceiptFor is { } receipt && _byMessage.TryGetValue((handoffId, OutboxKind.Message, receipt.MessageId), out var row))
        {
            var bit = receipt.Delivered ? DeliveredBit : FailedBit;
            if ((row.Receipts & bit) != 0)
            {
                return false;
            }

            row.Receipts |= bit;
            return true;
        }

        return _inbound.Add((key.Channel, key.ExternalId));
    }

    private OutboxItem Insert(OutboxItem item)
    {
        var row = new Row(item with { Seq = ++_outboxSeq });
        _outbox[row.Item.Seq] = row;
        if (item.MessageId is { } id)
        {
            _byMessage[(item.HandoffId, item.Kind, id)] = row;
        }

        if (!_pending.TryGetValue(item.HandoffId, out var pending))
        {
            _pending[item.HandoffId] = pending = [];
        }

        pending.Add(row);
        return row.Item;
    }

    private IReadOnlyList<HandoffEvent> Apply(HandoffRecord current, Transition transition)
    {
        var next = transition.Handoff;
        if (!ReferenceEquals(current, next))
        {
            _handoffs[next.Id] = next;
            var key = ActiveKey(next);
            if (next.IsActive)
            {
                _active[key] = next.Id;
            }
            else if (_active.TryGetValue(key, out var id) && id == next.Id)
            {
                _active.Remove(key);
            }

            if (!_lines.TryGetValue(next.Id, out var lines))
            {
                _lines[next.Id] = lines = [];
            }

            lines.AddRange(next.Conversation.Skip(current.Conversation.Count));
            if (lines.Count > HandoffTransitions.MaxConversationLines)
            {
                lines.RemoveRange(0, lines.Count - HandoffTransitions.MaxConversationLines);
            }
        }

        if (transition.Events.Count == 0)
        {
            return [];
        }

        var stored = new List<HandoffEvent>(transition.Events.Count);
        if (!_events.TryGetValue(next.Id, out var feed))
        {
            _events[next.Id] = feed = [];
        }

        foreach (var e in transition.Events)
        {
            var data = JsonSerializer.Serialize(e.Data, Json);
            if (e.Type == EventTypes.Ended)
            {
                var node = JsonNode.Parse(data)!.AsObject();
                node["transcript"] = JsonSerializer.SerializeToNode(_lines.GetValueOrDefault(next.Id) ?? [], Json);
                data = node.ToJsonString(Json);
            }

            var at = e.Time ?? next.UpdatedAt;
            var stored1 = new HandoffEvent(++_eventSeq, next.Id, e.Type, at, data);
            feed.Add(stored1);
            stored.Add(stored1);
            if (next.CallbackUrl is { } url)
            {
                var row = new CallbackRow(stored1, next.Client, url, at);
                _callbacks[stored1.Seq] = row;
                if (!_pendingCallbacks.TryGetValue(next.Id, out var pending))
                {
                    _pendingCallbacks[next.Id] = pending = [];
                }

                pending.Add(row);
            }
        }

        return stored;
    }

    public Task<IReadOnlyList<HandoffEvent>> GetEventsAsync(string handoffId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<HandoffEvent> events = _events.TryGetValue(handoffId, out var feed) ? [.. feed.Where(e => e.Seq > afterSeq).Take(limit)] : [];
            return Task.FromResult(events);
        }
    }

    private static OutboxItem? Head(List<Row> pending) => pending.Count > 0 ? pending[0].Item : null;

    public Task<IReadOnlyList<OutboxItem>> GetDueOutboxAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<OutboxItem> due = [.. _pending.Values.Select(Head).OfType<OutboxItem>().Where(h => h.NextAttemptAt <= now).OrderBy(h => h.Seq).Take(limit)];
            return Task.FromResult(due);
        }
    }

    public Task<DateTimeOffset?> GetNextOutboxDueAsync(CancellationToken cancellationToken) => GetNextOutboxDueAfterAsync(DateTimeOffset.MinValue, cancellationToken);

    public Task<DateTimeOffset?> GetNextOutboxDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            DateTimeOffset? next = null;
            foreach (var pending in _pending.Values)
            {
                if (Head(pending) is { } head && head.NextAttemptAt > after && (next is null || head.NextAttemptAt < next))
                {
                    next = head.NextAttemptAt;
                }
            }

            return Task.FromResult(next);
        }
    }

    public Task<OutboxItem?> GetDueHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(DueHead(handoffId, now));
        }
    }

    private OutboxItem? DueHead(string handoffId, DateTimeOffset now) =>
        _pending.TryGetValue(handoffId, out var pending) && Head(pending) is { } head && head.NextAttemptAt <= now ? head : null;

    public async Task<UpdateResult> CompleteOutboxAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, CancellationToken cancellationToken) =>
        (await CompleteOutboxAndPeekAsync(item, status, error, change, DateTimeOffset.MinValue, cancellationToken).ConfigureAwait(false)).Completed;

    public Task<OutboxStep> CompleteOutboxAndPeekAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, DateTimeOffset dueBy, CancellationToken cancellationToken)
    {
        OutboxStep step;
        lock (_gate)
        {
            var row = _outbox[item.Seq];
            row.Item = row.Item with { Status = status, Attempts = item.Attempts + 1, LastError = error };
            _pending[item.HandoffId].Remove(row);
            var apply = change;
            if (status == OutboxStatus.Failed && item.Kind == OutboxKind.Message)
            {
                if ((row.Receipts & FailedBit) != 0)
                {
                    apply = null;
                }

                row.Receipts |= FailedBit;
            }

            var current = _handoffs.GetValueOrDefault(item.HandoffId);
            IReadOnlyList<HandoffEvent> events = [];
            if (current is not null && apply is not null)
            {
                var transition = apply(current);
                events = Apply(current, transition);
                current = transition.Handoff;
            }

            var completed = new UpdateResult(current is null ? UpdateOutcome.NotFound : UpdateOutcome.Applied, current, events);
            step = new OutboxStep(completed, current is null ? null : DueHead(item.HandoffId, dueBy));
        }

        signals.Committed(step.Completed);
        signals.OutboxChanged(item.HandoffId);
        return Task.FromResult(step);
    }

    public Task RescheduleOutboxAsync(OutboxItem item, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var row = _outbox[item.Seq];
            if (row.Item.Status == OutboxStatus.Pending)
            {
                row.Item = row.Item with { Attempts = attempts, NextAttemptAt = nextAttemptAt, LastError = error };
            }
        }

        return Task.CompletedTask;
    }

    private static CallbackItem Callback(CallbackRow row) => new(row.Event, row.Client, row.Url, row.Attempts);

    public Task<IReadOnlyList<CallbackItem>> GetDueCallbacksAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<CallbackItem> due = [.. _pendingCallbacks.Values.Where(p => p.Count > 0 && p[0].Next <= now).Select(p => p[0]).OrderBy(r => r.Event.Seq).Take(limit).Select(Callback)];
            return Task.FromResult(due);
        }
    }

    public Task<CallbackItem?> GetDueCallbackHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_pendingCallbacks.TryGetValue(handoffId, out var p) && p.Count > 0 && p[0].Next <= now ? Callback(p[0]) : null);
        }
    }

    public Task<DateTimeOffset?> GetNextCallbackDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var times = _pendingCallbacks.Values.SelectMany(p => p).Select(r => r.Next).Where(t => t > after).ToList();
            return Task.FromResult(times.Count == 0 ? null : (DateTimeOffset?)times.Min());
        }
    }

    public Task UpdateCallbackAsync(CallbackItem item, OutboxStatus status, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var row = _callbacks[item.Event.Seq];
            (row.Status, row.Attempts, row.Next) = (status, attempts, nextAttemptAt);
            if (status != OutboxStatus.Pending)
            {
                _pendingCallbacks[item.Event.HandoffId].Remove(row);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> GetIdleActiveAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<string> idle = [.. _handoffs.Values.Where(h => h.IsActive && h.UpdatedAt < before).OrderBy(h => h.UpdatedAt).Take(limit).Select(h => h.Id)];
            return Task.FromResult(idle);
        }
    }

    public Task<IReadOnlyList<HandoffRecord>> GetActiveAsync(string channel, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<HandoffRecord> active = [.. _handoffs.Values.Where(h => h.IsActive && h.Channel == channel).OrderBy(h => h.CreatedAt)];
            return Task.FromResult(active);
        }
    }

    public Task<int> EnqueueAsync(IReadOnlyList<OutboxItem> items, CancellationToken cancellationToken)
    {
        var added = 0;
        lock (_gate)
        {
            foreach (var item in items)
            {
                if (_handoffs.ContainsKey(item.HandoffId) && (item.MessageId is null || !_byMessage.ContainsKey((item.HandoffId, item.Kind, item.MessageId))))
                {
                    Insert(item);
                    added++;
                }
            }
        }

        if (added > 0)
        {
            signals.OutboxChanged();
        }

        return Task.FromResult(added);
    }
}
