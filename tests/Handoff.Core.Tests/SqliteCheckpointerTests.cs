using System.Diagnostics;
using Handoff.Core.Storage;
using Handoff.Testing;
using Microsoft.Data.Sqlite;

namespace Handoff.Core.Tests;

/// <summary>
/// The store's checkpoints run beside its writer instead of inside its commits: the WAL must still be copied into the
/// database and start over (so it stays bounded under a steady stream of commits), and nothing committed may be lost.
/// </summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempDatabase _database = new("checkpoint");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _database.Dispose();
    }

    [Fact]
    public void Under_steady_commits_the_wal_is_copied_in_the_background_and_starts_over()
    {
        using var writer = Open();
        Exec(writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
        const int restartFrames = 200;
        var rows = 0;
        var salts = new HashSet<long>();
        var largestWal = 0L;
        using (var checkpointer = new SqliteCheckpointer(Open(), TimeSpan.FromMilliseconds(10), restartFrames))
        {
            using var insert = writer.CreateCommand();
            insert.CommandText = "INSERT INTO t (body) VALUES (zeroblob(3000))";
            var clock = Stopwatch.StartNew();
            // A writer that never pauses. SQLite gives the WAL new salts each time it starts over from its beginning.
            while (salts.Count < 4 && clock.Elapsed < TimeSpan.FromSeconds(20) && largestWal < 256L * 1024 * 1024)
            {
                using (var tx = writer.BeginTransaction())
                {
                    insert.Transaction = tx;
                    insert.ExecuteNonQuery();
                    tx.Commit();
                }

                rows++;
                checkpointer.Committed();
                checkpointer.FinishIfWanted(writer);
                if (rows % 20 == 0)
                {
                    salts.Add(WalSalt());
                    largestWal = Math.Max(largestWal, new FileInfo(_database.Path + "-wal").Length);
                }
            }

            Assert.True(checkpointer.PassCount > 0, "No background pass ran.");
        }

        // Started over at least three times while the writer never paused: without the writer's step it never does.
        Assert.True(salts.Count >= 4, $"The WAL started over {salts.Count - 1} times in {rows} commits (largest {largestWal / 1024} KB).");

        // The database file holds what was copied; with the WAL, every committed row.
        Assert.True(new FileInfo(_database.Path).Length > restartFrames * PageSize, "Nothing was copied into the database file.");
        writer.Close();
        using var reader = Open();
        using var count = reader.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM t";
        Assert.Equal(rows, Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The WAL header's two salts (bytes 16–23), which SQLite changes whenever the WAL starts over.</summary>
    private long WalSalt()
    {
        using var wal = new FileStream(_database.Path + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[24];
        wal.ReadExactly(header);
        return System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(header[16..]);
    }

    [Fact]
    public void The_writer_finishes_a_pass_only_when_asked()
    {
        using var writer = Open();
        Exec(writer, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
        using var checkpointer = new SqliteCheckpointer(Open(), TimeSpan.FromHours(1), restartFrames: 1);
        for (var i = 0; i < 20; i++)
        {
            Exec(writer, "INSERT INTO t (body) VALUES (zeroblob(3000))");
            checkpointer.Committed();
            checkpointer.FinishIfWanted(writer);
        }

        // No background pass has run (they are an hour apart), so nobody asked the writer: nothing was copied yet.
        Assert.Equal(0, checkpointer.PassCount);
        Assert.True(new FileInfo(_database.Path).Length <= 2 * PageSize, $"The database file has {new FileInfo(_database.Path).Length} bytes before any checkpoint.");
        var (busy, log, copied) = SqliteCheckpointer.Passive(writer);
        Assert.False(busy);
        Assert.True(log >= 20, $"WAL of {log} pages");
        Assert.Equal(log, copied);
        Assert.True(new FileInfo(_database.Path).Length >= 20 * PageSize, "The explicit pass copied nothing.");
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _database.Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
