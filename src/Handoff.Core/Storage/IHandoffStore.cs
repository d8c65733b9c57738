using Handoff.Core.Domain;

namespace Handoff.Core.Storage;

/// <summary>
/// Durable storage for handoffs, their event feeds, the outbox of work for channels and the inbound dedupe keys.
/// Every write that changes a handoff also stores the events it produced, in one transaction.
/// </summary>
public interface IHandoffStore
{
    /// <summary>Stores a new handoff and its first outbox item, unless the user already has an active handoff on that channel and queue.</summary>
    Task<CreateResult> CreateAsync(HandoffRecord handoff, OutboxItem start, string? idempotencyKey, CancellationToken cancellationToken);

    Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// The handoff as this store instance last read or wrote it, without asking the database: possibly stale (another
    /// replica may have changed it since), null when this instance has not seen it. Enough for what never changes once a
    /// handoff exists (its id, client, channel, queue and trace), not for decisions on its state.
    /// </summary>
    HandoffRecord? PeekRecent(string id) => null;

    /// <summary>
    /// Reads the handoff, lets <paramref name="decide"/> choose what changes, and stores the result atomically
    /// (new state, events, an optional outbox item, an optional inbound dedupe key).
    /// </summary>
    Task<UpdateResult> UpdateAsync(string handoffId, Func<HandoffRecord, HandoffUpdate> decide, InboundKey? inboundKey, CancellationToken cancellationToken);

    /// <summary>Events of one handoff with <c>seq &gt; afterSeq</c>, oldest first.</summary>
    Task<IReadOnlyList<HandoffEvent>> GetEventsAsync(string handoffId, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>The oldest pending outbox item of each handoff whose next attempt is due (order per handoff is kept by only ever handing out the head).</summary>
    Task<IReadOnlyList<OutboxItem>> GetDueOutboxAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>When the next pending head becomes due, if any.</summary>
    Task<DateTimeOffset?> GetNextOutboxDueAsync(CancellationToken cancellationToken);

    /// <summary>
    /// When the next pending head that is not due yet at <paramref name="after"/> becomes due (a retry's time), if any:
    /// what the dispatcher waits for while the heads that are due already are being delivered.
    /// </summary>
    Task<DateTimeOffset?> GetNextOutboxDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken);

    /// <summary>The oldest pending outbox item of one handoff, if it is due: lets the dispatcher stream a handoff's items.</summary>
    Task<OutboxItem?> GetDueHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Finishes an outbox item and applies what its outcome means for the handoff, atomically.</summary>
    /// <remarks>
    /// A user message finished as <see cref="OutboxStatus.Failed"/> has had its failed outcome, as a failed receipt
    /// (<see cref="MessageReceipt"/>) gives it: whichever comes first is told to the bot. A later failed receipt is then a
    /// duplicate, and after an earlier one <paramref name="change"/> is not applied.
    /// </remarks>
    Task<UpdateResult> CompleteOutboxAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="CompleteOutboxAsync"/>, and in the same transaction what a dispatcher streaming this handoff needs next:
    /// the handoff as it is now (<see cref="OutboxStep.Completed"/>'s <see cref="UpdateResult.Handoff"/>) and its next pending
    /// item if that is due by <paramref name="dueBy"/>.
    /// </summary>
    Task<OutboxStep> CompleteOutboxAndPeekAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, DateTimeOffset dueBy, CancellationToken cancellationToken);

    Task RescheduleOutboxAsync(OutboxItem item, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken);

    /// <summary>The oldest undelivered callback of each handoff whose next attempt is due.</summary>
    Task<IReadOnlyList<CallbackItem>> GetDueCallbacksAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>The oldest undelivered callback of <paramref name="handoffId"/> if its next attempt is due (null if it is not, or there is none).</summary>
    Task<CallbackItem?> GetDueCallbackHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The earliest due time of an undelivered callback that comes after <paramref name="after"/>.</summary>
    Task<DateTimeOffset?> GetNextCallbackDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken);

    /// <summary>Records a callback attempt: <see cref="OutboxStatus.Pending"/> with a new due time, or final.</summary>
    Task UpdateCallbackAsync(CallbackItem item, OutboxStatus status, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken);

    /// <summary>Active handoffs not updated since <paramref name="before"/> (for inactivity timeouts).</summary>
    Task<IReadOnlyList<string>> GetIdleActiveAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);

    /// <summary>Every active (queued or connected) handoff of <paramref name="channel"/>, oldest first.</summary>
    Task<IReadOnlyList<HandoffRecord>> GetActiveAsync(string channel, CancellationToken cancellationToken);

    /// <summary>
    /// Adds outbox items to existing handoffs, skipping any whose (handoff, kind, message id) is already queued or done.
    /// Returns how many were added. Takes the write lock only when something is new.
    /// </summary>
    Task<int> EnqueueAsync(IReadOnlyList<OutboxItem> items, CancellationToken cancellationToken);

    /// <summary>
    /// One step of retention: deletes up to <paramref name="limit"/> rows each of what only deduplication still needs once it
    /// is older than <paramref name="before"/>: finished outbox items (a client message id is deduplicated by them) and
    /// finished callbacks, idempotency keys, and the inbound keys in the next window of <paramref name="limit"/> keys (those
    /// have no time order, so they are swept window by window). Pending work is never deleted, nor are handoffs or events.
    /// </summary>
    Task<PruneStep> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) => Task.FromResult(new PruneStep(0, SweptAllInbound: true));

    /// <summary>
    /// Takes the store's dispatch lock unless another process holds it: the one process allowed to deliver the outbox and
    /// the callbacks of everything this store holds (see <see cref="Dispatch.DispatchLock"/>). Null while another process
    /// holds it; disposing the result releases it. The operating system must release it when the process dies, however it
    /// dies, so that a restarted or standby process can take over. A store that no other process can share needs none.
    /// </summary>
    IDisposable? TryTakeDispatchLock() => Dispatch.DispatchLock.NotShared;

    /// <summary>What the dispatch lock is, for operators reading the logs (a file path, say); the store's type name by default.</summary>
    string DispatchLockName => GetType().Name;

    /// <summary>
    /// True when another process has committed to this store since the last call (it may have stored work this process's
    /// dispatchers deliver: nobody signals them across processes). May say true when nothing changed; may miss a commit
    /// the dispatchers' periodic scan then finds. Every process asks ten times a second (<see cref="OtherProcessesWatch"/>).
    /// </summary>
    Task<bool> TakeCommitsByOthersAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>
    /// The handoffs with events of <c>seq &gt; afterSeq</c>, and the highest such seq (<paramref name="afterSeq"/> when none):
    /// which event-feed readers to wake after another process committed. A negative <paramref name="afterSeq"/> asks only for
    /// the highest seq stored.
    /// </summary>
    Task<(long LastSeq, IReadOnlyList<string> HandoffIds)> GetHandoffsWithEventsAfterAsync(long afterSeq, CancellationToken cancellationToken) =>
        Task.FromResult((afterSeq, (IReadOnlyList<string>)[]));
}

/// <param name="Deleted">Rows deleted by this step.</param>
/// <param name="SweptAllInbound">True when this step's window of inbound keys reached the end (the next one starts over).</param>
public readonly record struct PruneStep(int Deleted, bool SweptAllInbound);

public sealed record CreateResult(HandoffRecord Handoff, bool Created)
{
    /// <summary>True when the user already had an active handoff on that queue (<see cref="Handoff"/> is that one).</summary>
    public bool Conflict => !Created && !Replayed;

    /// <summary>True when the idempotency key was seen before (<see cref="Handoff"/> is the one it created).</summary>
    public bool Replayed { get; init; }
}

/// <summary>What <see cref="IHandoffStore.UpdateAsync"/> should store.</summary>
public sealed record HandoffUpdate(Transition Transition, OutboxItem? Enqueue = null)
{
    public static HandoffUpdate None(HandoffRecord handoff) => new(Transition.Unchanged(handoff));
}

/// <summary>A channel's id for something it delivered: stored once, so retries and replicas never relay twice.</summary>
/// <param name="ReceiptFor">
/// For a receipt about one of the handoff's user messages: that message and what the receipt says. The store may then keep
/// the receipt on the message itself (one delivered and one failed receipt per message) instead of keeping
/// <paramref name="ExternalId"/>; a receipt for a message it does not hold is deduplicated by <paramref name="ExternalId"/>.
/// </param>
public sealed record InboundKey(string Channel, string ExternalId, MessageReceipt? ReceiptFor = null);

/// <summary>A receipt's subject: the client message id of a user message, and whether it was delivered or failed.</summary>
public readonly record struct MessageReceipt(string MessageId, bool Delivered);

public enum UpdateOutcome
{
    Applied,
    NotFound,
    /// <summary>The inbound key was stored before: nothing changed.</summary>
    Duplicate,
}

/// <param name="Outbox">The outbox item enqueued, or the existing one when a client message id was seen before.</param>
/// <param name="OutboxDuplicate">True when <paramref name="Outbox"/> existed already (same client message id).</param>
public sealed record UpdateResult(UpdateOutcome Outcome, HandoffRecord? Handoff, IReadOnlyList<HandoffEvent> Events, OutboxItem? Outbox = null, bool OutboxDuplicate = false)
{
    public static readonly UpdateResult NotFound = new(UpdateOutcome.NotFound, null, []);
}

/// <summary>A finished outbox item and the handoff's next due item, if any.</summary>
public sealed record OutboxStep(UpdateResult Completed, OutboxItem? Next);

/// <summary>An event to POST to a bot platform's callback URL.</summary>
public sealed record CallbackItem(HandoffEvent Event, string Client, string Url, int Attempts);
