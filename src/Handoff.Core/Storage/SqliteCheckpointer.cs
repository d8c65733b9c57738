using Microsoft.Data.Sqlite;

namespace Handoff.Core.Storage;

/// <summary>
/// Keeps a WAL database's checkpoints off its writer. SQLite's automatic checkpoint runs inside the commit that crosses its
/// threshold: the writer copies the WAL into the database file and fsyncs both while every caller waits for that commit
/// (measured under load: a stall of ~60 ms every ~300 ms, the CPUs idle meanwhile). Here a thread of its own copies the WAL
/// in <c>PASSIVE</c> mode, which takes no lock the writer needs, and the writer only takes the last, small step that lets
/// the WAL start over from its beginning.
/// </summary>
/// <remarks>
/// A passive checkpoint copies the frames committed when it started; under a steady stream of commits the WAL is never
/// copied to its very end by that thread alone, and SQLite only starts a WAL over when it was. So once a pass leaves more
/// than <see cref="DefaultRestartFrames"/> pages in the WAL, the writer (between two group commits) runs one more passive checkpoint
/// itself: it copies what was committed since that pass, and its next transaction starts the WAL over. Crash safety is
/// SQLite's own: a checkpoint interrupted at any point is finished or redone from the WAL on the next open.
/// </remarks>
internal sealed class SqliteCheckpointer : IDisposable
{
    /// <summary>How often a pass runs while there are commits (at most one pass per interval).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// WAL length (in pages: 32 MB with 4 KB pages) from which the writer is asked to finish a pass so that the WAL starts
    /// over. Measured with the relay benchmark: 100 ms / 4,000 pages, 200 ms / 8,000, 400 ms / 16,000 and 1 s / 24,000 were
    /// within noise of each other.
    /// </summary>
    public const int DefaultRestartFrames = 8000;

    /// <summary>Passes made back to back before asking the writer, each copying what was committed during the one before.</summary>
    private const int MaxExtraPasses = 3;

    /// <summary>Pages committed during a pass below which the writer is asked to finish at once.</summary>
    private const int SmallRemainder = 256;

    private readonly SqliteConnection _connection;
    private readonly TimeSpan _interval;
    private readonly int _restartFrames;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stopping = new();
    private int _committed;
    private int _restartWanted;

    /// <param name="connection">An open connection of its own: used by the checkpoint thread only, and closed by it when it stops.</param>
    public SqliteCheckpointer(SqliteConnection connection, TimeSpan? interval = null, int restartFrames = DefaultRestartFrames)
    {
        _connection = connection;
        _interval = interval ?? DefaultInterval;
        _restartFrames = restartFrames;
        _thread = new Thread(Run) { IsBackground = true, Name = "Handoff SQLite checkpoint" };
        _thread.Start();
    }

    /// <summary>Passes made by the background thread (for tests and diagnostics).</summary>
    public int PassCount => Volatile.Read(ref _passes);

    private int _passes;

    /// <summary>The writer committed: a pass is worth making at the next interval.</summary>
    public void Committed() => Volatile.Write(ref _committed, 1);

    /// <summary>
    /// Called by the writer between group commits, on its own connection: when asked for, the small last step (copy what
    /// the background pass left, so that the next write transaction starts the WAL over).
    /// </summary>
    public void FinishIfWanted(SqliteConnection writer)
    {
        if (Volatile.Read(ref _restartWanted) == 0)
        {
            return;
        }

        // Busy (the background pass is running): ask again at the next group commit.
        if (Passive(writer) is { Busy: false })
        {
            Volatile.Write(ref _restartWanted, 0);
        }
    }

    /// <summary>One <c>PRAGMA wal_checkpoint(PASSIVE)</c>: whether another checkpoint was running, the WAL's length and how much of it is copied.</summary>
    public static (bool Busy, int Log, int Copied) Passive(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0) != 0, reader.GetInt32(1), reader.GetInt32(2)) : (false, 0, 0);
    }

    private void Run()
    {
        try
        {
            RunPasses();
        }
        finally
        {
            _connection.Dispose();
        }
    }

    private void RunPasses()
    {
        while (!_stopping.Wait(_interval))
        {
            if (Interlocked.Exchange(ref _committed, 0) == 0)
            {
                continue;
            }

            try
            {
                var (busy, log, _) = Pass();
                if (!busy && log >= _restartFrames)
                {
                    // The writer's step copies (and fsyncs) what was committed since this pass started: pass again while
                    // that is more than a little, so the writer's step stays short.
                    for (var extra = 0; extra < MaxExtraPasses; extra++)
                    {
                        var (again, longer, _) = Pass();
                        var appended = longer - log;
                        log = longer;
                        if (again || appended < SmallRemainder)
                        {
                            break;
                        }
                    }

                    Volatile.Write(ref _restartWanted, 1);
                }
            }
            catch (Exception) when (!_stopping.IsSet)
            {
                // Locked or busy for a moment (another process sharing the file), or an I/O error: the next pass tries again,
                // and until one succeeds the WAL only grows (nothing committed is at risk).
                Volatile.Write(ref _committed, 1);
            }
            catch (Exception)
            {
                return;
            }
        }
    }

    /// <summary>One pass of the background thread, counted.</summary>
    private (bool Busy, int Log, int Copied) Pass()
    {
        var result = Passive(_connection);
        Interlocked.Increment(ref _passes);
        return result;
    }

    /// <summary>Stops the thread (a pass under way is finished first: SQLite's checkpoint cannot be interrupted halfway).</summary>
    public void Dispose()
    {
        _stopping.Set();
        if (_thread.Join(TimeSpan.FromSeconds(30)))
        {
            _stopping.Dispose();
        }
    }
}
