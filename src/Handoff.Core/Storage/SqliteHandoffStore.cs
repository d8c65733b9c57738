using System.Collections.Concurrent;
using System.Data;
using System.Threading.Channels;
using System.Text.Json;
using Handoff.Core.Application;
using Handoff.Core.Domain;
using Microsoft.Data.Sqlite;

namespace Handoff.Core.Storage;

/// <summary>
/// SQLite implementation of <see cref="IHandoffStore"/> (WAL mode).
/// </summary>
/// <remarks>
/// Writes use group commit: one writer loop takes every write waiting at that moment (up to <see cref="MaxBatch"/>),
/// runs them inside one <c>BEGIN IMMEDIATE</c> transaction, commits once, and only then completes the callers — so an
/// answer still means "stored", but concurrent requests share a commit instead of queueing for one each. A write that
/// throws fails alone: the batch is then rolled back and run again with a savepoint per write. <c>BEGIN IMMEDIATE</c> keeps
/// several processes sharing the file consistent.
/// </remarks>
public sealed class SqliteHandoffStore : IHandoffStore, IDisposable
{
    private readonly string _connectionString;
    private readonly HandoffSignals _signals;
    private const int MaxBatch = 256;
    private readonly Channel<WriteRequest> _writes = Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _keepAlive;
    private readonly SqliteConnection _writer;
    private readonly Task _writeLoop;
    private readonly SqliteCheckpointer? _checkpointer;

    /// <summary>Open read connections, each with its statements kept prepared; a reader is used by one caller at a time.</summary>
    private readonly ConcurrentBag<SqliteConnection> _readers = [];
    private const int MaxIdleReaders = 16;

    /// <summary>
    /// The last handoff body read or written, per handoff, with the <c>version</c> it was stored under: a read whose row still
    /// has that version skips reading and deserializing the body. Versions are random, never reused, so a write that was
    /// rolled back, or one made by another process sharing the file, can only cause a miss.
    /// </summary>
    private readonly ConcurrentDictionary<string, CachedHandoff> _handoffs = new(StringComparer.Ordinal);
    private const int MaxCachedHandoffs = 10_000;

    private sealed record CachedHandoff(long Version, HandoffRecord Handoff);

    private readonly TimeProvider _time;

    /// <param name="time">The clock for when an inbound key was received and for events that carry no time of their own.</param>
    public SqliteHandoffStore(string connectionString, HandoffSignals signals, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DefaultTimeout < 30)
        {
            builder.DefaultTimeout = 30;
        }

        _connectionString = builder.ToString();
        _signals = signals;

        // Keeps shared in-memory databases alive and runs the schema once.
        _keepAlive = new SqliteConnection(_connectionString);
        _keepAlive.Open();
        Execute(_keepAlive, Schema.Sql);
        Schema.Migrate(_keepAlive);

        // WAL with synchronous=NORMAL: a commit survives a process crash (SIGKILL); only an OS crash or power loss can
        // lose the last commits. The writer is the only connection that writes.
        _writer = Open();
        Execute(_writer, "PRAGMA synchronous = NORMAL;");
        if (string.Equals(Scalar<string>(_writer, null, "PRAGMA journal_mode"), "wal", StringComparison.OrdinalIgnoreCase))
        {
            // Checkpoints (copying the WAL into the file, with fsyncs) run on a thread of their own, not inside the writer's
            // commits: see SqliteCheckpointer.
            Execute(_writer, "PRAGMA wal_autocheckpoint = 0;");
            _checkpointer = new SqliteCheckpointer(Open());
        }

        PreparedByConnection.Add(_writer, new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));

        // Baselines for TakeCommitsByOthersAsync: another process's commit from here on is seen.
        _writerDataVersion = Scalar<long>(_writer, null, "PRAGMA data_version");
        _watcher = Open();
        _watcherDataVersion = Scalar<long>(_watcher, null, "PRAGMA data_version");
        _writeLoop = Task.Run(WriteLoopAsync);

        // SQLite's own idea of the file (relative paths and URIs resolved); empty for an in-memory database.
        var file = Scalar<string>(_keepAlive, null, "SELECT file FROM pragma_database_list WHERE name = 'main'");
        DispatchLockPath = string.IsNullOrEmpty(file) ? null : file + "-dispatch.lock";
    }

    /// <summary>Set by the writer when it finds another connection committed since its previous transaction.</summary>
    private int _othersCommitted;
    private long _ownCommits;
    private long _writerDataVersion;
    private readonly Lock _watchGate = new();
    private readonly SqliteConnection _watcher;
    private long _watcherDataVersion, _watcherOwnCommits;

    /// <summary>
    /// On the writer, in its transaction: <c>PRAGMA data_version</c> of a connection changes only when another connection
    /// has committed, so on the writer's own connection it is exact: another process wrote (this process writes through
    /// the writer only). One pragma per group commit.
    /// </summary>
    private void NoteCommitsByOthers(SqliteTransaction tx)
    {
        var version = Scalar<long>(_writer, tx, "PRAGMA data_version");
        if (version != _writerDataVersion)
        {
            Volatile.Write(ref _othersCommitted, 1);
        }

        _writerDataVersion = version;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A connection of its own sees any commit (<c>PRAGMA data_version</c>); when the writer committed nothing since the last
    /// call, that was another process. When both did, the writer is asked (a write with nothing in it, or the next group
    /// commit): on its own connection <c>data_version</c> changes only with other connections' commits, so it can tell
    /// exactly (<see cref="NoteCommitsByOthers"/>). At most one such empty write per call, and only when both processes wrote.
    /// </remarks>
    public async Task<bool> TakeCommitsByOthersAsync(CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            return false;
        }

        bool changed, ambiguous;
        lock (_watchGate)
        {
            var own = Interlocked.Read(ref _ownCommits);
            var version = Scalar<long>(_watcher, null, "PRAGMA data_version");
            changed = version != _watcherDataVersion;
            ambiguous = changed && own != _watcherOwnCommits;
            (_watcherDataVersion, _watcherOwnCommits) = (version, own);
        }

        if (ambiguous)
        {
            await WriteAsync(static (_, _) => 0, cancellationToken).ConfigureAwait(false);
        }

        return Interlocked.Exchange(ref _othersCommitted, 0) == 1 || (changed && !ambiguous);
    }

    /// <summary>
    /// The file whose lock makes a process the store's dispatcher (<see cref="TryTakeDispatchLock"/>): beside the database,
    /// as SQLite's own <c>-wal</c> and <c>-shm</c> files are; null for an in-memory database, which no other process shares.
    /// </summary>
    public string? DispatchLockPath { get; }

    /// <inheritdoc />
    public string DispatchLockName => DispatchLockPath ?? "(in-memory database: not shared)";

    /// <inheritdoc />
    /// <remarks>
    /// An exclusive lock on <see cref="DispatchLockPath"/>, held open for as long as the lock is held (.NET takes it with
    /// <c>flock</c> on Unix and as a share mode on Windows). The kernel drops it when the process ends, SIGKILL included, so a
    /// standby takes over without waiting for a lease to expire. The file keeps the holder's process id and host for
    /// operators; it is never deleted (deleting a lock file another process has open would let two processes lock it).
    /// Processes on one host share a SQLite file safely, and they all see this lock; SQLite is not meant to be shared over
    /// a network file system, where neither its locks nor this one can be trusted.
    /// </remarks>
    public IDisposable? TryTakeDispatchLock()
    {
        if (DispatchLockPath is not { } path)
        {
            return Dispatch.DispatchLock.NotShared;
        }

        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1);
        }
        catch (IOException)
        {
            return null; // held by another process (a file that cannot be created at all fails the database first)
        }

        try
        {
            var holder = System.Text.Encoding.UTF8.GetBytes(
                $"pid {Environment.ProcessId} on {Environment.MachineName} since {_time.GetUtcNow():O}{Environment.NewLine}");
            file.SetLength(0);
            file.Write(holder);
            file.Flush();
        }
        catch (IOException)
        {
            // Only the note for operators failed: the lock is held all the same.
        }

        return file;
    }

    private volatile bool _disposed;

    public void Dispose()
    {
        _disposed = true;
        _writes.Writer.TryComplete();
        _writeLoop.Wait(TimeSpan.FromSeconds(10));
        _checkpointer?.Dispose();
        lock (_watchGate)
        {
            _watcher.Dispose();
        }

        CloseConnection(_writer);
        while (_readers.TryTake(out var reader))
        {
            CloseConnection(reader);
        }

        _keepAlive.Dispose();
    }

    /// <summary>Queues <paramref name="work"/> for the next group commit and returns its result once committed.</summary>
    private Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        var request = new WriteRequest<T>(work);
        if (!_writes.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(SqliteHandoffStore));
        }

        // Once queued, the write happens even if the caller stops waiting: never half a command.
        return request.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<WriteRequest>(MaxBatch);
        var done = new List<WriteRequest>(MaxBatch);
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            done.Clear();
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var request))
            {
                batch.Add(request);
            }

            try
            {
                // Writes almost never throw (conflicts are settled in SQL), so the batch first runs straight in one
                // transaction. Only when a write throws is it all rolled back and run again with a savepoint per write, so
                // that the failure stays that write's own. A write may therefore run twice: each is a function of what the
                // database holds (the in-memory handoff cache checks versions, so a rolled-back write can only cause a miss).
                if (TryCommitWhole(batch))
                {
                    done.AddRange(batch);
                }
                else
                {
                    CommitEachInItsSavepoint(batch, done);
                }

                Interlocked.Increment(ref _ownCommits);
                HandoffMetrics.Committed(batch.Count);
            }
            catch (Exception ex)
            {
                foreach (var request in batch)
                {
                    request.Fail(ex);
                }

                continue;
            }

            foreach (var request in done)
            {
                request.Complete();
            }

            if (_checkpointer is { } checkpointer)
            {
                checkpointer.Committed();
                try
                {
                    checkpointer.FinishIfWanted(_writer);
                }
                catch (Exception)
                {
                    // Busy or locked for a moment: the next pass asks again. Never let it stop the write loop.
                }
            }
        }
    }

    /// <summary>Runs every write of <paramref name="batch"/> in one transaction and commits; false (rolled back) when one threw.</summary>
    private bool TryCommitWhole(List<WriteRequest> batch)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        NoteCommitsByOthers(tx);
        foreach (var request in batch)
        {
            try
            {
                request.Run(_writer, tx);
            }
            catch (Exception)
            {
                tx.Rollback();
                return false;
            }
        }

        tx.Commit();
        return true;
    }

    /// <summary>The slow path: each write in its own savepoint, so one that throws is rolled back alone (and failed).</summary>
    private void CommitEachInItsSavepoint(List<WriteRequest> batch, List<WriteRequest> done)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        NoteCommitsByOthers(tx);
        foreach (var request in batch)
        {
            // Prepared statements (SqliteTransaction.Save would compile one per call).
            Execute(_writer, tx, "SAVEPOINT w");
            try
            {
                request.Run(_writer, tx);
                Execute(_writer, tx, "RELEASE w");
                done.Add(request);
            }
            catch (Exception ex)
            {
                Execute(_writer, tx, "ROLLBACK TO w");
                Execute(_writer, tx, "RELEASE w");
                request.Fail(ex);
            }
        }

        tx.Commit();
    }

    private abstract class WriteRequest
    {
        public abstract void Run(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class WriteRequest<T>(Func<SqliteConnection, SqliteTransaction, T> work) : WriteRequest
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override void Run(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public override void Complete() => _completion.TrySetResult(_result);

        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }

    public async Task<CreateResult> CreateAsync(HandoffRecord handoff, OutboxItem start, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var result = await WriteAsync((connection, tx) =>
        {
            if (idempotencyKey is not null)
            {
                var existingId = Scalar<string>(connection, tx,
                    "SELECT handoff_id FROM idempotency WHERE client = $client AND key = $key",
                    ("$client", handoff.Client), ("$key", idempotencyKey));
                if (existingId is not null && ReadHandoff(connection, tx, existingId) is { } replayed)
                {
                    return new CreateResult(replayed, Created: false) { Replayed = true };
                }
            }

            var activeKey = ActiveKey(handoff);
            var activeId = Scalar<string>(connection, tx, "SELECT id FROM handoffs WHERE active_key = $key", ("$key", activeKey));
            if (activeId is not null && ReadHandoff(connection, tx, activeId) is { } active)
            {
                return new CreateResult(active, Created: false);
            }

            WriteHandoff(connection, tx, handoff, insert: true);
            InsertOutbox(connection, tx, start);
            if (idempotencyKey is not null)
            {
                Execute(connection, tx,
                    "INSERT INTO idempotency (client, key, handoff_id, created_at) VALUES ($client, $key, $id, $at)",
                    ("$client", handoff.Client), ("$key", idempotencyKey), ("$id", handoff.Id), ("$at", handoff.CreatedAt.ToUnixTimeMilliseconds()));
            }

            return new CreateResult(handoff, Created: true);
        }, cancellationToken).ConfigureAwait(false);

        _signals.OutboxChanged();
        return result;
    }

    public Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        return Task.FromResult(ReadHandoff(connection, null, id));
    }

    public HandoffRecord? PeekRecent(string id) => _handoffs.TryGetValue(id, out var entry) ? entry.Handoff : null;

    public async Task<UpdateResult> UpdateAsync(string handoffId, Func<HandoffRecord, HandoffUpdate> decide, InboundKey? inboundKey, CancellationToken cancellationToken)
    {
        var result = await WriteAsync((connection, tx) =>
        {
            var current = ReadHandoff(connection, tx, handoffId);
            if (current is null)
            {
                return UpdateResult.NotFound;
            }

            if (inboundKey is not null && !StoreInboundKey(connection, tx, handoffId, inboundKey))
            {
                return new UpdateResult(UpdateOutcome.Duplicate, current, []);
            }

            var update = decide(current);
            OutboxItem? outbox = null;
            var outboxDuplicate = false;
            if (update.Enqueue is { } item)
            {
                // The unique (handoff, kind, message id) index decides: no lookup before the insert in the usual case.
                if (InsertOutbox(connection, tx, item) is { } seq)
                {
                    outbox = item with { Seq = seq };
                }
                else
                {
                    outbox = ReadOutboxByMessage(connection, tx, handoffId, item.Kind, item.MessageId!);
                    outboxDuplicate = true;
                }
            }

            // The same client message id twice is one message: the second changes nothing.
            var transition = outboxDuplicate ? Transition.Unchanged(current) : update.Transition;
            var events = ApplyTransition(connection, tx, current, transition);
            return new UpdateResult(UpdateOutcome.Applied, transition.Handoff, events, outbox, outboxDuplicate);
        }, cancellationToken).ConfigureAwait(false);

        _signals.Committed(result);
        return result;
    }

    /// <summary>Stores <paramref name="key"/>; false when it was stored before (a retry, or another replica's delivery).</summary>
    /// <remarks>
    /// A receipt for one of the handoff's user messages is kept as a bit on that message's outbox row: the row was written
    /// moments ago (its page is usually dirty in this very commit already), where a delivery id of its own would land on a
    /// random page of the ever-growing <c>inbound</c> table (measured: ~2 points of relay throughput). One delivered and
    /// one failed receipt per message, whatever ids the channel gives them. Anything else keeps its delivery id.
    /// </remarks>
    private bool StoreInboundKey(SqliteConnection connection, SqliteTransaction tx, string handoffId, InboundKey key)
    {
        if (key.ReceiptFor is { } receipt)
        {
            var bit = receipt.Delivered ? ReceiptDeliveredBit : ReceiptFailedBit;
            (string, object?) id = ("$id", handoffId), kind = ("$kind", (int)OutboxKind.Message), message = ("$message", receipt.MessageId);
            if (Execute(connection, tx,
                    "UPDATE outbox SET receipts = receipts | $bit WHERE handoff_id = $id AND kind = $kind AND message_id = $message AND (receipts & $bit) = 0",
                    id, kind, message, ("$bit", bit)) == 1)
            {
                return true;
            }

            if (Scalar<long?>(connection, tx, "SELECT receipts FROM outbox WHERE handoff_id = $id AND kind = $kind AND message_id = $message", id, kind, message) is not null)
            {
                return false;
            }

            // Not a message of this handoff's outbox (or one retention has removed): deduplicated by its delivery id.
        }

        return Execute(connection, tx,
            "INSERT OR IGNORE INTO inbound (channel, external_id, handoff_id, received_at) VALUES ($channel, $external, $id, $at)",
            ("$channel", key.Channel), ("$external", key.ExternalId), ("$id", handoffId), ("$at", _time.GetUtcNow().ToUnixTimeMilliseconds())) != 0;
    }

    /// <summary>Bits of <c>outbox.receipts</c>: which receipts a user message has had.</summary>
    private const int ReceiptDeliveredBit = 1, ReceiptFailedBit = 2;

    public Task<IReadOnlyList<HandoffEvent>> GetEventsAsync(string handoffId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        var command = Prepared(connection, null,
            "SELECT seq, type, time, data FROM events WHERE handoff_id = $id AND seq > $after ORDER BY seq LIMIT $limit",
            ("$id", handoffId), ("$after", afterSeq), ("$limit", limit));
        using var reader = command.ExecuteReader();
        var events = new List<HandoffEvent>();
        while (reader.Read())
        {
            events.Add(new HandoffEvent(reader.GetInt64(0), handoffId, reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3)));
        }

        return Task.FromResult<IReadOnlyList<HandoffEvent>>(events);
    }

    public Task<(long LastSeq, IReadOnlyList<string> HandoffIds)> GetHandoffsWithEventsAfterAsync(long afterSeq, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        if (afterSeq < 0)
        {
            return Task.FromResult((Scalar<long?>(lease.Connection, null, "SELECT MAX(seq) FROM events") ?? 0, (IReadOnlyList<string>)[]));
        }

        var command = Prepared(lease.Connection, null,
            "SELECT handoff_id, MAX(seq) FROM events WHERE seq > $after GROUP BY handoff_id", ("$after", afterSeq));
        using var reader = command.ExecuteReader();
        var last = afterSeq;
        var handoffs = new List<string>();
        while (reader.Read())
        {
            handoffs.Add(reader.GetString(0));
            last = Math.Max(last, reader.GetInt64(1));
        }

        return Task.FromResult((last, (IReadOnlyList<string>)handoffs));
    }

    public Task<IReadOnlyList<OutboxItem>> GetDueOutboxAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        var command = Prepared(connection, null,
            $"""
            SELECT {OutboxColumns} FROM outbox o
            JOIN (SELECT handoff_id, MIN(seq) AS head FROM outbox WHERE status = 0 GROUP BY handoff_id) h ON o.seq = h.head
            WHERE o.next_attempt_at <= $now
            ORDER BY o.seq
            LIMIT $limit
            """,
            ("$now", now.ToUnixTimeMilliseconds()), ("$limit", limit));
        return Task.FromResult<IReadOnlyList<OutboxItem>>(ReadOutbox(command));
    }

    public Task<OutboxItem?> GetDueHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        return Task.FromResult(ReadDueHead(lease.Connection, null, handoffId, now));
    }

    private static OutboxItem? ReadDueHead(SqliteConnection connection, SqliteTransaction? tx, string handoffId, DateTimeOffset now)
    {
        var command = Prepared(connection, tx,
            $"SELECT {OutboxColumns} FROM outbox o WHERE o.handoff_id = $id AND o.status = 0 ORDER BY o.seq LIMIT 1",
            ("$id", handoffId));
        var head = ReadOutbox(command).FirstOrDefault();
        return head is not null && head.NextAttemptAt <= now ? head : null;
    }

    public Task<DateTimeOffset?> GetNextOutboxDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken) =>
        Task.FromResult(NextOutboxDue(after.ToUnixTimeMilliseconds()));

    public Task<DateTimeOffset?> GetNextOutboxDueAsync(CancellationToken cancellationToken) => Task.FromResult(NextOutboxDue(long.MinValue));

    /// <summary>The earliest due time of a pending head later than <paramref name="afterMs"/> (unix ms).</summary>
    private DateTimeOffset? NextOutboxDue(long afterMs)
    {
        using var lease = LeaseReader();
        var next = Scalar<long?>(lease.Connection, null,
            """
            SELECT MIN(o.next_attempt_at) FROM outbox o
            JOIN (SELECT handoff_id, MIN(seq) AS head FROM outbox WHERE status = 0 GROUP BY handoff_id) h ON o.seq = h.head
            WHERE o.next_attempt_at > $after
            """,
            ("$after", afterMs));
        return next is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public async Task<UpdateResult> CompleteOutboxAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, CancellationToken cancellationToken) =>
        (await CompleteAsync(item, status, error, change, peekDueBy: null, cancellationToken).ConfigureAwait(false)).Completed;

    public Task<OutboxStep> CompleteOutboxAndPeekAsync(OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, DateTimeOffset dueBy, CancellationToken cancellationToken) =>
        CompleteAsync(item, status, error, change, dueBy, cancellationToken);

    private async Task<OutboxStep> CompleteAsync(
        OutboxItem item, OutboxStatus status, string? error, Func<HandoffRecord, Transition>? change, DateTimeOffset? peekDueBy, CancellationToken cancellationToken)
    {
        var step = await WriteAsync((connection, tx) =>
        {
            Execute(connection, tx,
                "UPDATE outbox SET status = $status, attempts = $attempts, last_error = $error WHERE seq = $seq",
                ("$status", (int)status), ("$attempts", item.Attempts + 1), ("$error", error), ("$seq", item.Seq));

            // A user message given up on has had its failed outcome, like a Failed receipt (the same bit, set the same way):
            // the bot hears of it once, from whichever comes first. After a Failed receipt, the change is skipped.
            var apply = change;
            if (status == OutboxStatus.Failed && item.Kind == OutboxKind.Message && Execute(connection, tx,
                    "UPDATE outbox SET receipts = receipts | $bit WHERE seq = $seq AND (receipts & $bit) = 0",
                    ("$seq", item.Seq), ("$bit", ReceiptFailedBit)) == 0)
            {
                apply = null;
            }

            UpdateResult completed;
            if (apply is null && peekDueBy is null)
            {
                // Nothing to apply to the handoff and nobody asking for it: don't read it.
                completed = new UpdateResult(UpdateOutcome.Applied, null, []);
            }
            else
            {
                var current = ReadHandoff(connection, tx, item.HandoffId);
                IReadOnlyList<HandoffEvent> events = [];
                if (current is not null && apply is not null)
                {
                    var transition = apply(current);
                    events = ApplyTransition(connection, tx, current, transition);
                    current = transition.Handoff;
                }

                completed = new UpdateResult(current is null ? UpdateOutcome.NotFound : UpdateOutcome.Applied, current, events);
            }

            // The writer's pages are warm and it already holds the handoff: the next item costs one indexed read here.
            var next = peekDueBy is { } dueBy && completed.Handoff is not null ? ReadDueHead(connection, tx, item.HandoffId, dueBy) : null;
            return new OutboxStep(completed, next);
        }, cancellationToken).ConfigureAwait(false);

        _signals.Committed(step.Completed);
        _signals.OutboxChanged(item.HandoffId);
        return step;
    }

    public async Task RescheduleOutboxAsync(OutboxItem item, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken)
    {
        await WriteAsync((connection, tx) => Execute(connection, tx,
                "UPDATE outbox SET attempts = $attempts, next_attempt_at = $next, last_error = $error WHERE seq = $seq AND status = 0",
                ("$attempts", attempts), ("$next", nextAttemptAt.ToUnixTimeMilliseconds()), ("$error", error), ("$seq", item.Seq)), cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<HandoffRecord>> GetActiveAsync(string channel, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        var command = Prepared(connection, null,
            "SELECT body FROM handoffs WHERE active_key IS NOT NULL AND channel = $channel ORDER BY created_at",
            ("$channel", channel));
        using var reader = command.ExecuteReader();
        var handoffs = new List<HandoffRecord>();
        while (reader.Read())
        {
            if (JsonSerializer.Deserialize<HandoffRecord>(reader.GetString(0), StoreJson.Options) is { IsActive: true } handoff)
            {
                handoffs.Add(handoff);
            }
        }

        return Task.FromResult<IReadOnlyList<HandoffRecord>>(handoffs);
    }

    public async Task<int> EnqueueAsync(IReadOnlyList<OutboxItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        List<OutboxItem> fresh;
        using (var lease = LeaseReader())
        {
            fresh = items.Where(i => i.MessageId is null || ReadOutboxByMessage(lease.Connection, null, i.HandoffId, i.Kind, i.MessageId) is null).ToList();
        }

        if (fresh.Count == 0)
        {
            return 0;
        }

        var added = await WriteAsync((connection, tx) =>
        {
            var count = 0;
            foreach (var item in fresh)
            {
                // The insert itself skips an item whose (handoff, kind, message id) is there already.
                var exists = Scalar<string>(connection, tx, "SELECT id FROM handoffs WHERE id = $id", ("$id", item.HandoffId)) is not null;
                if (exists && InsertOutbox(connection, tx, item) is not null)
                {
                    count++;
                }
            }

            return count;
        }, cancellationToken).ConfigureAwait(false);

        if (added > 0)
        {
            _signals.OutboxChanged();
        }

        return added;
    }

    /// <summary>Where the sweep of inbound keys goes on from (the last key of the previous window); null: from the start.</summary>
    private (string Channel, string ExternalId)? _inboundSweep;

    public async Task<PruneStep> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var beforeMs = before.ToUnixTimeMilliseconds();
        // Read before and moved after the write: a write may run twice (see WriteLoopAsync), the sweep must not skip a window.
        var (channel, external) = _inboundSweep ?? (string.Empty, string.Empty);
        var (step, next) = await WriteAsync((connection, tx) =>
        {
            // Outbox, callbacks and idempotency keys are numbered in the order they were stored, so their old rows come first:
            // each delete looks only below the first row that is young enough to keep (no index on their times needed).
            var deleted = DeleteOldRows(connection, tx, "outbox", "seq", "created_at", "status <> 0", beforeMs, limit)
                + DeleteOldRows(connection, tx, "callbacks", "event_seq", "next_attempt_at", "status <> 0", beforeMs, limit)
                + DeleteOldRows(connection, tx, "idempotency", "rowid", "created_at", "1 = 1", beforeMs, limit);

            // Inbound keys are ordered by key, not by time: sweep the next window of them, the `limit` keys after where the
            // last step ended. No last key means the window runs to the end of the table.
            (string Channel, string ExternalId)? last = null;
            using (var command = Command(connection, tx,
                       "SELECT channel, external_id FROM inbound WHERE (channel, external_id) > ($channel, $external) ORDER BY channel, external_id LIMIT 1 OFFSET $skip",
                       ("$channel", channel), ("$external", external), ("$skip", limit - 1)))
            using (var reader = command.ExecuteReader())
            {
                if (reader.Read())
                {
                    last = (reader.GetString(0), reader.GetString(1));
                }
            }

            deleted += Execute(connection, tx,
                """
                DELETE FROM inbound
                WHERE (channel, external_id) > ($channel, $external)
                  AND ($lastChannel IS NULL OR (channel, external_id) <= ($lastChannel, $lastExternal))
                  AND received_at < $before
                """,
                ("$channel", channel), ("$external", external), ("$lastChannel", last?.Channel), ("$lastExternal", last?.ExternalId), ("$before", beforeMs));
            return (new PruneStep(deleted, SweptAllInbound: last is null), last);
        }, cancellationToken).ConfigureAwait(false);
        _inboundSweep = next;
        return step;
    }

    /// <summary>
    /// Deletes up to <paramref name="limit"/> rows of a table numbered in the order its rows were stored, that match
    /// <paramref name="finished"/> and lie below its first row whose <paramref name="time"/> is at or after the cutoff.
    /// </summary>
    private static int DeleteOldRows(SqliteConnection connection, SqliteTransaction tx, string table, string key, string time, string finished, long beforeMs, int limit) =>
        Execute(connection, tx,
            $"""
            DELETE FROM {table} WHERE {key} IN (
                SELECT {key} FROM {table}
                WHERE {key} < COALESCE((SELECT {key} FROM {table} WHERE {time} >= $before ORDER BY {key} LIMIT 1), 9223372036854775807)
                  AND {finished}
                ORDER BY {key} LIMIT $limit)
            """,
            ("$before", beforeMs), ("$limit", limit));

    public Task<IReadOnlyList<string>> GetIdleActiveAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        var command = Prepared(connection, null,
            "SELECT id FROM handoffs WHERE active_key IS NOT NULL AND updated_at < $before ORDER BY updated_at LIMIT $limit",
            ("$before", before.ToUnixTimeMilliseconds()), ("$limit", limit));
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return Task.FromResult<IReadOnlyList<string>>(ids);
    }

    public Task<IReadOnlyList<CallbackItem>> GetDueCallbacksAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        var command = Prepared(connection, null,
            """
            SELECT c.event_seq, c.handoff_id, c.client, c.url, c.attempts, e.type, e.time, e.data FROM callbacks c
            JOIN (SELECT handoff_id, MIN(event_seq) AS head FROM callbacks WHERE status = 0 GROUP BY handoff_id) h ON c.event_seq = h.head
            JOIN events e ON e.seq = c.event_seq
            WHERE c.next_attempt_at <= $now
            ORDER BY c.event_seq
            LIMIT $limit
            """,
            ("$now", now.ToUnixTimeMilliseconds()), ("$limit", limit));
        using var reader = command.ExecuteReader();
        var items = new List<CallbackItem>();
        while (reader.Read())
        {
            items.Add(ReadCallback(reader));
        }

        return Task.FromResult<IReadOnlyList<CallbackItem>>(items);
    }

    public Task<CallbackItem?> GetDueCallbackHeadAsync(string handoffId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        var command = Prepared(connection, null,
            """
            SELECT c.event_seq, c.handoff_id, c.client, c.url, c.attempts, e.type, e.time, e.data, c.next_attempt_at FROM callbacks c
            JOIN events e ON e.seq = c.event_seq
            WHERE c.handoff_id = $id AND c.status = 0
            ORDER BY c.event_seq
            LIMIT 1
            """,
            ("$id", handoffId));
        using var reader = command.ExecuteReader();
        // Only the head itself: a later callback must not overtake a head that waits for its retry.
        return Task.FromResult(reader.Read() && reader.GetInt64(8) <= now.ToUnixTimeMilliseconds() ? ReadCallback(reader) : null);
    }

    /// <summary>A row of <c>callbacks</c> joined with its event: seq, handoff, client, url, attempts, type, time, data.</summary>
    private static CallbackItem ReadCallback(SqliteDataReader reader) => new(
        new HandoffEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)), reader.GetString(7)),
        reader.GetString(2), reader.GetString(3), reader.GetInt32(4));

    public Task<DateTimeOffset?> GetNextCallbackDueAfterAsync(DateTimeOffset after, CancellationToken cancellationToken)
    {
        using var lease = LeaseReader();
        var connection = lease.Connection;
        var next = Scalar<long?>(connection, null, "SELECT MIN(next_attempt_at) FROM callbacks WHERE status = 0 AND next_attempt_at > $after",
            ("$after", after.ToUnixTimeMilliseconds()));
        return Task.FromResult(next is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null);
    }

    public async Task UpdateCallbackAsync(CallbackItem item, OutboxStatus status, int attempts, DateTimeOffset nextAttemptAt, string? error, CancellationToken cancellationToken)
    {
        await WriteAsync((connection, tx) => Execute(connection, tx,
                "UPDATE callbacks SET status = $status, attempts = $attempts, next_attempt_at = $next, last_error = $error WHERE event_seq = $seq",
                ("$status", (int)status), ("$attempts", attempts), ("$next", nextAttemptAt.ToUnixTimeMilliseconds()), ("$error", error), ("$seq", item.Event.Seq)), cancellationToken).ConfigureAwait(false);
    }

    private IReadOnlyList<HandoffEvent> ApplyTransition(SqliteConnection connection, SqliteTransaction tx, HandoffRecord current, Transition transition)
    {
        if (!ReferenceEquals(current, transition.Handoff) && current != transition.Handoff)
        {
            var next = transition.Handoff;
            var lines = next.Conversation.Skip(current.Conversation.Count).ToList();
            long lastLine;
            if (current with { UpdatedAt = next.UpdatedAt, Conversation = next.Conversation } == next)
            {
                // Most writes (a user message) only touch the handoff: update the columns, don't rewrite the body.
                lastLine = Scalar<long>(connection, tx,
                    "UPDATE handoffs SET updated_at = $updated, last_line = last_line + $lines WHERE id = $id RETURNING last_line",
                    ("$updated", next.UpdatedAt.ToUnixTimeMilliseconds()), ("$lines", lines.Count), ("$id", next.Id));

                // Same body, same version: remember the new time too, so the next read returns this record as it is instead
                // of a copy with the column's time (the column stays authoritative, even if this write is rolled back).
                if (_handoffs.TryGetValue(next.Id, out var cached)
                    && (ReferenceEquals(cached.Handoff, current) || cached.Handoff with { UpdatedAt = current.UpdatedAt } == current))
                {
                    Remember(next.Id, cached.Version, next);
                }
            }
            else
            {
                lastLine = WriteHandoff(connection, tx, next, insert: false, lines.Count);
            }

            AppendConversation(connection, tx, next.Id, lines, lastLine);
        }

        if (transition.Events.Count == 0)
        {
            return [];
        }

        var stored = new List<HandoffEvent>(transition.Events.Count);
        var time = transition.Handoff.UpdatedAt == default ? _time.GetUtcNow() : transition.Handoff.UpdatedAt;
        foreach (var e in transition.Events)
        {
            var data = JsonSerializer.Serialize(e.Data, StoreJson.Options);
            if (e.Type == EventTypes.Ended)
            {
                data = WithStoredTranscript(connection, tx, transition.Handoff.Id, data);
            }

            var at = e.Time ?? time;
            var seq = Scalar<long>(connection, tx,
                "INSERT INTO events (handoff_id, type, time, data) VALUES ($id, $type, $time, $data) RETURNING seq",
                ("$id", transition.Handoff.Id), ("$type", e.Type), ("$time", at.ToUnixTimeMilliseconds()), ("$data", data));
            stored.Add(new HandoffEvent(seq, transition.Handoff.Id, e.Type, at, data));
            if (transition.Handoff.CallbackUrl is { } url)
            {
                Execute(connection, tx,
                    "INSERT INTO callbacks (event_seq, handoff_id, client, url, status, attempts, next_attempt_at) VALUES ($seq, $id, $client, $url, 0, 0, $next)",
                    ("$seq", seq), ("$id", transition.Handoff.Id), ("$client", transition.Handoff.Client), ("$url", url), ("$next", at.ToUnixTimeMilliseconds()));
            }
        }

        return stored;
    }

    /// <summary>
    /// Appends the transition's new conversation lines, numbered per handoff up to <paramref name="lastLine"/> (the handoff's
    /// <c>last_line</c> after this write). The conversation is one B-tree keyed by (handoff, line number): appending touches
    /// one page, and the oldest lines are dropped by key range every <see cref="PruneEvery"/> lines, never with a scan.
    /// </summary>
    private static void AppendConversation(SqliteConnection connection, SqliteTransaction tx, string handoffId, List<ConversationLine> lines, long lastLine)
    {
        var n = lastLine - lines.Count;
        foreach (var line in lines)
        {
            n++;
            Execute(connection, tx, "INSERT INTO conversation (handoff_id, n, body) VALUES ($id, $n, $body)",
                ("$id", handoffId), ("$n", n), ("$body", JsonSerializer.Serialize(line, StoreJson.Options)));
            if (n > HandoffTransitions.MaxConversationLines && n % PruneEvery == 0)
            {
                Execute(connection, tx, "DELETE FROM conversation WHERE handoff_id = $id AND n <= $oldest",
                    ("$id", handoffId), ("$oldest", n - HandoffTransitions.MaxConversationLines));
            }
        }
    }

    /// <summary>Lines appended between two prunes (so at most this many over the limit are kept).</summary>
    private const int PruneEvery = 64;

    /// <summary>The ended event's <c>transcript</c>: the last <see cref="HandoffTransitions.MaxConversationLines"/> stored lines, oldest first.</summary>
    private static string WithStoredTranscript(SqliteConnection connection, SqliteTransaction tx, string handoffId, string data)
    {
        var bodies = new List<string>();
        using (var command = Command(connection, tx, "SELECT body FROM conversation WHERE handoff_id = $id ORDER BY n DESC LIMIT $keep",
                   ("$id", handoffId), ("$keep", HandoffTransitions.MaxConversationLines)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                bodies.Add(reader.GetString(0));
            }
        }

        var transcript = new System.Text.Json.Nodes.JsonArray();
        for (var i = bodies.Count - 1; i >= 0; i--)
        {
            transcript.Add(System.Text.Json.Nodes.JsonNode.Parse(bodies[i]));
        }

        var node = System.Text.Json.Nodes.JsonNode.Parse(data)!.AsObject();
        node["transcript"] = transcript;
        return node.ToJsonString(StoreJson.Options);
    }

    private static string ActiveKey(HandoffRecord h) =>
        string.Join('\u001f', h.Client, h.Channel, h.Queue.ToUpperInvariant(), h.User.Id);

    /// <summary>Stores the whole handoff under a new version (and remembers it); returns its <c>last_line</c> after adding <paramref name="newLines"/>.</summary>
    private long WriteHandoff(SqliteConnection connection, SqliteTransaction tx, HandoffRecord h, bool insert, int newLines = 0)
    {
        var body = JsonSerializer.Serialize(h, StoreJson.Options);
        var version = NewVersion();
        var sql = insert
            ? "INSERT INTO handoffs (id, client, channel, queue, user_id, status, active_key, created_at, updated_at, body, version, last_line) VALUES ($id, $client, $channel, $queue, $user, $status, $active, $created, $updated, $body, $version, $lines) RETURNING last_line"
            : "UPDATE handoffs SET status = $status, active_key = $active, updated_at = $updated, body = $body, version = $version, last_line = last_line + $lines WHERE id = $id RETURNING last_line";
        var lastLine = Scalar<long>(connection, tx, sql,
            ("$id", h.Id), ("$client", h.Client), ("$channel", h.Channel), ("$queue", h.Queue), ("$user", h.User.Id),
            ("$status", (int)h.Status), ("$active", h.IsActive ? ActiveKey(h) : null),
            ("$created", h.CreatedAt.ToUnixTimeMilliseconds()), ("$updated", h.UpdatedAt.ToUnixTimeMilliseconds()), ("$body", body),
            ("$version", version), ("$lines", newLines));
        Remember(h.Id, version, h);
        return lastLine;
    }

    /// <summary>Reads a handoff; <c>updated_at</c> is authoritative in its column (a touch updates only the column).</summary>
    private HandoffRecord? ReadHandoff(SqliteConnection connection, SqliteTransaction? tx, string id)
    {
        var cached = _handoffs.TryGetValue(id, out var entry) ? entry : null;
        var command = Reusable(connection, tx,
            "SELECT version, updated_at, CASE WHEN version = $cached THEN NULL ELSE body END FROM handoffs WHERE id = $id",
            [("$id", id), ("$cached", cached?.Version)], out var owned);
        try
        {
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            var version = reader.GetInt64(0);
            var updatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1));
            HandoffRecord handoff;
            if (cached is not null && reader.IsDBNull(2))
            {
                handoff = cached.Handoff;
            }
            else
            {
                handoff = JsonSerializer.Deserialize<HandoffRecord>(reader.GetString(2), StoreJson.Options)!;
                if (version != 0)
                {
                    Remember(id, version, handoff);
                }
            }

            return handoff.UpdatedAt == updatedAt ? handoff : handoff with { UpdatedAt = updatedAt };
        }
        finally
        {
            if (owned)
            {
                command.Dispose();
            }
        }
    }

    private void Remember(string id, long version, HandoffRecord handoff)
    {
        if (_handoffs.Count >= MaxCachedHandoffs && !_handoffs.ContainsKey(id))
        {
            // Crude but bounded: a burst of misses afterwards costs a deserialization each, nothing more.
            _handoffs.Clear();
        }

        _handoffs[id] = new CachedHandoff(version, handoff.Conversation.Count == 0 ? handoff : handoff with { Conversation = [] });
    }

    /// <summary>A version never used before (0 means "written before versions existed" and is never cached).</summary>
    private static long NewVersion()
    {
        long version;
        do
        {
            version = Random.Shared.NextInt64();
        }
        while (version == 0);

        return version;
    }

    private const string OutboxColumns = "o.seq, o.handoff_id, o.kind, o.message_id, o.text, o.status, o.attempts, o.created_at, o.next_attempt_at, o.last_error, o.data";

    /// <summary>Inserts an outbox item; <c>null</c> when one with the same (handoff, kind, message id) exists already.</summary>
    private static long? InsertOutbox(SqliteConnection connection, SqliteTransaction tx, OutboxItem item) =>
        Scalar<long?>(connection, tx,
            """
            INSERT INTO outbox (handoff_id, kind, message_id, text, status, attempts, created_at, next_attempt_at, last_error, data)
            VALUES ($id, $kind, $message, $text, $status, $attempts, $created, $next, NULL, $data)
            ON CONFLICT (handoff_id, kind, message_id) WHERE message_id IS NOT NULL DO NOTHING
            RETURNING seq
            """,
            ("$id", item.HandoffId), ("$kind", (int)item.Kind), ("$message", item.MessageId), ("$text", item.Text),
            ("$status", (int)item.Status), ("$attempts", item.Attempts), ("$created", item.CreatedAt.ToUnixTimeMilliseconds()),
            ("$next", item.NextAttemptAt.ToUnixTimeMilliseconds()), ("$data", OutboxData.Write(item)));

    private static OutboxItem? ReadOutboxByMessage(SqliteConnection connection, SqliteTransaction? tx, string handoffId, OutboxKind kind, string messageId)
    {
        var command = Reusable(connection, tx,
            $"SELECT {OutboxColumns} FROM outbox o WHERE o.handoff_id = $id AND o.kind = $kind AND o.message_id = $message",
            [("$id", handoffId), ("$kind", (int)kind), ("$message", messageId)], out var owned);
        try
        {
            return ReadOutbox(command).FirstOrDefault();
        }
        finally
        {
            if (owned)
            {
                command.Dispose();
            }
        }
    }

    private static List<OutboxItem> ReadOutbox(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var items = new List<OutboxItem>();
        while (reader.Read())
        {
            items.Add(new OutboxItem
            {
                Seq = reader.GetInt64(0),
                HandoffId = reader.GetString(1),
                Kind = (OutboxKind)reader.GetInt32(2),
                MessageId = reader.IsDBNull(3) ? null : reader.GetString(3),
                Text = reader.IsDBNull(4) ? null : reader.GetString(4),
                Status = (OutboxStatus)reader.GetInt32(5),
                Attempts = reader.GetInt32(6),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                NextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                LastError = reader.IsDBNull(9) ? null : reader.GetString(9),
            }.WithData(reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return items;
    }

    /// <summary>A read connection for one caller; give it back by disposing the lease.</summary>
    private ReaderLease LeaseReader()
    {
        if (!_readers.TryTake(out var connection))
        {
            connection = Open();
            PreparedByConnection.Add(connection, new Dictionary<string, SqliteCommand>(StringComparer.Ordinal));
        }

        return new ReaderLease(this, connection);
    }

    private void Return(SqliteConnection connection)
    {
        if (!_disposed && connection.State == ConnectionState.Open && _readers.Count < MaxIdleReaders)
        {
            _readers.Add(connection);
        }
        else
        {
            CloseConnection(connection);
        }
    }

    private static void CloseConnection(SqliteConnection connection)
    {
        if (PreparedByConnection.TryGetValue(connection, out var prepared))
        {
            foreach (var command in prepared.Values)
            {
                command.Dispose();
            }

            PreparedByConnection.Remove(connection);
        }

        connection.Dispose();
    }

    private readonly struct ReaderLease(SqliteHandoffStore store, SqliteConnection connection) : IDisposable
    {
        public SqliteConnection Connection => connection;

        public void Dispose() => store.Return(connection);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static int Execute(SqliteConnection connection, string sql) => Execute(connection, null, sql);

    /// <summary>A command kept prepared on <paramref name="connection"/> (the writer or a leased reader): never dispose it.</summary>
    private static SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters) =>
        Reusable(connection, tx, sql, parameters, out _);

    /// <summary>
    /// Commands kept prepared on the writer connection (used by its loop thread only), so the statements of every write
    /// are compiled once rather than on each execution.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> PreparedByConnection = new();

    private static SqliteCommand Reusable(SqliteConnection connection, SqliteTransaction? tx, string sql, (string Name, object? Value)[] parameters, out bool owned)
    {
        if (!PreparedByConnection.TryGetValue(connection, out var prepared))
        {
            owned = true;
            return Command(connection, tx, sql, parameters);
        }

        owned = false;
        if (!prepared.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            prepared[sql] = command;
        }

        command.Transaction = tx;
        var bound = command.Parameters;
        if (bound.Count == parameters.Length)
        {
            // Same statement, same parameters in the same order (every call site passes them so): only the values change.
            for (var i = 0; i < parameters.Length; i++)
            {
                var parameter = bound[i];
                if (!string.Equals(parameter.ParameterName, parameters[i].Name, StringComparison.Ordinal))
                {
                    return Rebind(command, parameters);
                }

                parameter.Value = parameters[i].Value ?? DBNull.Value;
            }

            return command;
        }

        return Rebind(command, parameters);
    }

    private static SqliteCommand Rebind(SqliteCommand command, (string Name, object? Value)[] parameters)
    {
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Reusable(connection, tx, sql, parameters, out var owned);
        try
        {
            return command.ExecuteNonQuery();
        }
        finally
        {
            if (owned)
            {
                command.Dispose();
            }
        }
    }

    private static T? Scalar<T>(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = Reusable(connection, tx, sql, parameters, out var owned);
        object? value;
        try
        {
            value = command.ExecuteScalar();
        }
        finally
        {
            if (owned)
            {
                command.Dispose();
            }
        }

        if (value is null || value is DBNull)
        {
            return default;
        }

        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static class Schema
    {
        public const string Sql =
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS handoffs (
                id TEXT PRIMARY KEY,
                client TEXT NOT NULL,
                channel TEXT NOT NULL,
                queue TEXT NOT NULL,
                user_id TEXT NOT NULL,
                status INTEGER NOT NULL,
                active_key TEXT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                body TEXT NOT NULL,
                version INTEGER NOT NULL DEFAULT 0,
                last_line INTEGER NOT NULL DEFAULT 0
            );
            -- No index on updated_at: every message moves it, and the inactivity check (every 30 s at most) reads the active
            -- handoffs through ix_handoffs_active_channel instead.
            DROP INDEX IF EXISTS ix_handoffs_idle;
            CREATE INDEX IF NOT EXISTS ix_handoffs_active_channel ON handoffs (channel, created_at) WHERE active_key IS NOT NULL;
            CREATE TABLE IF NOT EXISTS events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                handoff_id TEXT NOT NULL,
                type TEXT NOT NULL,
                time INTEGER NOT NULL,
                data TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_events_handoff ON events (handoff_id, seq);
            CREATE TABLE IF NOT EXISTS outbox (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                handoff_id TEXT NOT NULL,
                kind INTEGER NOT NULL,
                message_id TEXT NULL,
                text TEXT NULL,
                status INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                last_error TEXT NULL,
                data TEXT NULL,
                receipts INTEGER NOT NULL DEFAULT 0
            );
            DROP INDEX IF EXISTS ux_outbox_message;
            CREATE UNIQUE INDEX IF NOT EXISTS ux_outbox_kind_message ON outbox (handoff_id, kind, message_id) WHERE message_id IS NOT NULL;
            -- Only pending items are indexed for the dispatcher: the index stays as small as the backlog, and finishing an item
            -- removes its entry instead of rewriting it (the earlier index held every item ever sent).
            DROP INDEX IF EXISTS ix_outbox_pending;
            CREATE INDEX IF NOT EXISTS ix_outbox_due ON outbox (handoff_id, seq) WHERE status = 0;
            CREATE TABLE IF NOT EXISTS callbacks (
                event_seq INTEGER PRIMARY KEY,
                handoff_id TEXT NOT NULL,
                client TEXT NOT NULL,
                url TEXT NOT NULL,
                status INTEGER NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at INTEGER NOT NULL,
                last_error TEXT NULL
            );
            DROP INDEX IF EXISTS ix_callbacks_pending;
            CREATE INDEX IF NOT EXISTS ix_callbacks_due ON callbacks (handoff_id, event_seq) WHERE status = 0;
            CREATE TABLE IF NOT EXISTS conversation (
                handoff_id TEXT NOT NULL,
                n INTEGER NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (handoff_id, n)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS inbound (
                channel TEXT NOT NULL,
                external_id TEXT NOT NULL,
                handoff_id TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                PRIMARY KEY (channel, external_id)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS idempotency (
                client TEXT NOT NULL,
                key TEXT NOT NULL,
                handoff_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (client, key)
            );
            """;

        /// <summary>Upgrades a database created by an earlier version (columns that <c>CREATE TABLE IF NOT EXISTS</c> cannot add).</summary>
        public static void Migrate(SqliteConnection connection)
        {
            AddColumn(connection, "outbox", "data", "TEXT NULL");
            AddColumn(connection, "outbox", "receipts", "INTEGER NOT NULL DEFAULT 0");
            AddColumn(connection, "handoffs", "version", "INTEGER NOT NULL DEFAULT 0");
            AddColumn(connection, "handoffs", "last_line", "INTEGER NOT NULL DEFAULT 0");

            // Conversations used to be a rowid table with an index; they move, numbered per handoff, in one transaction.
            using var old = Command(connection, null, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'conversation_lines'");
            if (Convert.ToInt64(old.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0)
            {
                Execute(connection, null,
                    """
                    BEGIN IMMEDIATE;
                    INSERT INTO conversation (handoff_id, n, body)
                        SELECT handoff_id, ROW_NUMBER() OVER (PARTITION BY handoff_id ORDER BY seq), body FROM conversation_lines;
                    UPDATE handoffs SET last_line = (SELECT COUNT(*) FROM conversation c WHERE c.handoff_id = handoffs.id);
                    DROP TABLE conversation_lines;
                    COMMIT;
                    """);
            }
        }

        private static bool AddColumn(SqliteConnection connection, string table, string column, string definition)
        {
            using var columns = Command(connection, null, $"SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'");
            if (Convert.ToInt64(columns.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0)
            {
                return false;
            }

            Execute(connection, null, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
            return true;
        }
    }
}
