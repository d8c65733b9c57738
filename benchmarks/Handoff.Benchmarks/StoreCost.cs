using System.Diagnostics;
using System.Globalization;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Handoff.Benchmarks;

/// <summary>
/// <c>--profile</c>, second part: what each store write costs with no one else waiting (the time the single writer is held),
/// the same sequence the relay runs per message, and what plain SQLite does per row in one transaction per row
/// against one transaction per batch — the headroom batching would give.
/// </summary>
public static class StoreCost
{
    public static async Task RunAsync(int messages, int handoffs)
    {
        var path = Path.Combine(Path.GetTempPath(), $"handoff-storecost-{Guid.NewGuid():N}.db");
        try
        {
            using var store = new SqliteHandoffStore($"Data Source={path}", new HandoffSignals());
            var now = DateTimeOffset.UtcNow;
            var ids = new List<string>();
            for (var i = 0; i < handoffs; i++)
            {
                var handoff = new HandoffRecord
                {
                    Id = $"h_cost_{i:000}_{Guid.NewGuid():N}",
                    Client = "bench",
                    Channel = "genesys",
                    Queue = "Support",
                    User = new HandoffUser($"user-{i}", "User"),
                    Transcript = [new TranscriptEntry("user", "I need a person", now)],
                    CreatedAt = now,
                    UpdatedAt = now,
                };
                await store.CreateAsync(handoff, new OutboxItem { HandoffId = handoff.Id, Kind = OutboxKind.Start, CreatedAt = now, NextAttemptAt = now }, null, default);
                ids.Add(handoff.Id);
            }

            // What a connection opened the way the store opens its per-call connections runs with (same connection string).
            void Probe(string when)
            {
                var builder = new SqliteConnectionStringBuilder($"Data Source={path}") { DefaultTimeout = 30 };
                using var probe = new SqliteConnection(builder.ToString());
                probe.Open();
                using var command = probe.CreateCommand();
                command.CommandText = "PRAGMA synchronous;";
                var level = Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
                Console.WriteLine($"PRAGMA synchronous on a per-call store connection {when}: {level} ({level switch { 0 => "OFF", 1 => "NORMAL", 2 => "FULL", 3 => "EXTRA", _ => "?" }}).");
            }

            Probe("as the store leaves it (its schema's 'PRAGMA synchronous = NORMAL' runs on the keep-alive connection only)");

            var asIs = await MeasureAsync(store, ids, messages, "a");
            BenchStack.PrimeConnectionPool(path);
            Probe("after priming the pool");
            var normal = await MeasureAsync(store, ids, messages, "b");

            Console.WriteLine();
            Console.WriteLine($"## Store cost per call, uncontended ({messages} calls each, {handoffs} handoffs)");
            Console.WriteLine();
            Console.WriteLine("| Call | ms per call, as is | ms per call, pooled connections at synchronous=NORMAL |");
            Console.WriteLine("|---|---:|---:|");
            foreach (var (name, ms) in asIs)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {ms:0.000} | {normal[name]:0.000} |"));
            }

            foreach (var (label, timings) in new[] { ("as is", asIs), ("at synchronous=NORMAL", normal) })
            {
                var writes = timings.Where(t => t.Key.Contains("tx:", StringComparison.Ordinal)).Sum(t => t.Value);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Per relayed message, {label}: 3 write transactions = {writes:0.000} ms of exclusive writer time, each committed alone (ceiling {1000 / writes:0} msg/s on one writer without group commit)."));
            }

            Console.WriteLine();
            await RawSqliteAsync(path + ".raw", messages);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm", ".raw", ".raw-wal", ".raw-shm" })
            {
                try
                {
                    File.Delete(path + suffix);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static async Task<Dictionary<string, double>> MeasureAsync(SqliteHandoffStore store, List<string> ids, int messages, string run)
    {
        var handoffs = ids.Count;
        var items = new List<OutboxItem>(messages);
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);
        async Task Time(string name, Func<int, Task> step)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < messages; i++)
            {
                await step(i);
            }

            timings[name] = clock.Elapsed.TotalMilliseconds / messages;
        }

        await Time("GetAsync: read a handoff (its body is cached while its version is unchanged; the relay needs none per message)", i => store.GetAsync(ids[i % handoffs], default));
        await Time("UpdateAsync: enqueue a user message (tx: read handoff, insert outbox, touch the handoff, append a conversation line)", async i =>
        {
            var at = DateTimeOffset.UtcNow;
            var result = await store.UpdateAsync(ids[i % handoffs], h => new HandoffUpdate(
                new Transition(h with { UpdatedAt = at }, []),
                new OutboxItem { HandoffId = h.Id, Kind = OutboxKind.Message, MessageId = $"m-{run}-{i}", Text = $"message {i}", CreatedAt = at, NextAttemptAt = at }), null, default);
            items.Add(result.Outbox!);
        });
        await Time("CompleteOutboxAsync: record one delivery (tx: update outbox, apply the channel state to the handoff)", i =>
            store.CompleteOutboxAsync(items[i], OutboxStatus.Sent, null, h => HandoffTransitions.ChannelStateChanged(h, null, DateTimeOffset.UtcNow), default));
        await Time("UpdateAsync: inbound receipt (tx: dedupe key, read handoff, insert message.delivered event)", i =>
            store.UpdateAsync(ids[i % handoffs], h => new HandoffUpdate(HandoffTransitions.MessageDelivered(h, $"m-{run}-{i}")), new InboundKey("genesys", $"receipt-{run}-{i}"), default));
        await Time("GetDueOutboxAsync: one dispatcher read (heads of every handoff)", _ => store.GetDueOutboxAsync(DateTimeOffset.UtcNow, 256, default));

        return timings;
    }

    /// <summary>The same outbox-shaped INSERT, one transaction per row against one per batch of 50 (same PRAGMAs as the store).</summary>
    private static Task RawSqliteAsync(string path, int rows)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        Execute(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (seq INTEGER PRIMARY KEY AUTOINCREMENT, handoff_id TEXT, kind INTEGER, message_id TEXT, text TEXT, status INTEGER, attempts INTEGER, created_at INTEGER, next_attempt_at INTEGER);");

        double Run(int batch)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < rows; i += batch)
            {
                using var tx = connection.BeginTransaction(deferred: false);
                for (var j = i; j < Math.Min(rows, i + batch); j++)
                {
                    Execute(connection, tx, "INSERT INTO t (handoff_id, kind, message_id, text, status, attempts, created_at, next_attempt_at) VALUES ($h, 1, $m, $t, 0, 0, 0, 0)",
                        ("$h", $"h{j % 50}"), ("$m", $"m{j}-{batch}"), ("$t", "some text"));
                }

                tx.Commit();
            }

            return clock.Elapsed.TotalMilliseconds / rows;
        }

        var single = Run(1);
        var batched = Run(50);

        // synchronous is a per-connection setting: a connection that does not set it runs with the default, FULL (in WAL
        // mode: an fsync of the WAL at every commit). The store sets NORMAL only on its keep-alive connection.
        Execute(connection, null, "PRAGMA synchronous = FULL;");
        var singleFull = Run(1);
        var batchedFull = Run(50);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Plain SQLite, outbox-shaped INSERT, ms per row: synchronous=NORMAL {single:0.000} (one transaction per row) / {batched:0.000} (50 rows per transaction); " +
            $"synchronous=FULL, the default of every connection that does not set it {singleFull:0.000} / {batchedFull:0.000}."));
        return Task.CompletedTask;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
