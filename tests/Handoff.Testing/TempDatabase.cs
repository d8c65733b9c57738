namespace Handoff.Testing;

/// <summary>
/// A SQLite database file of one test's own in the temp directory; disposing deletes it with its WAL and shared-memory
/// files. (Also compiled into test projects that do not reference this one, by link.)
/// </summary>
public sealed class TempDatabase(string name) : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"handoff-{name}-{Guid.NewGuid():N}.db");

    public string ConnectionString => $"Data Source={Path}";

    public void Dispose() => Delete(Path);

    /// <summary>Deletes a database file and its WAL and shared-memory files, whichever exist.</summary>
    public static void Delete(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-dispatch.lock" })
        {
            try
            {
                File.Delete(path + suffix);
            }
            catch (IOException)
            {
                // Still open somewhere (a process being stopped): the temp directory's own clean-up gets it.
            }
        }
    }
}
