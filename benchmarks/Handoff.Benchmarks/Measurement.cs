using System.Collections.Concurrent;

namespace Handoff.Benchmarks;

/// <summary>
/// One benchmark operation as measured around it: wall time (and when the last POST was answered), process-wide allocated
/// bytes and CPU time (user + kernel, all threads), working set after.
/// </summary>
public sealed record Measurement(string Path, int Messages, TimeSpan Elapsed, TimeSpan Ingested, long AllocatedBytes, long WorkingSetBytes, TimeSpan Cpu)
{
    private static readonly ConcurrentQueue<Measurement> All = new();

    public static IReadOnlyList<Measurement> Of(string path) => [.. All.Where(m => m.Path == path)];

    public static void Record(Measurement measurement) => All.Enqueue(measurement);
}
