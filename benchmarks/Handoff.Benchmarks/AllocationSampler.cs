using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Handoff.Benchmarks;

/// <summary>
/// <c>--profile</c>: samples the runtime's GC AllocationTick events (one per ~100 KB allocated, naming the type that crossed
/// the threshold), so the largest allocators in the process show up by type.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const int AllocationTickEventId = 10;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _enabled;

    public void Start()
    {
        _bytes.Clear();
        _enabled = true;
    }

    public void Stop() => _enabled = false;

    public void Print(int top, long messages)
    {
        var total = _bytes.Values.Sum();
        Console.WriteLine();
        Console.WriteLine($"## Sampled allocations by type (GC AllocationTick, ~100 KB granularity): {total / 1024.0 / messages:0.0} KB per message in all");
        Console.WriteLine();
        Console.WriteLine("| Type | KB per message | Share |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(top))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {type} | {bytes / 1024.0 / messages:0.0} | {(double)bytes / total:P0} |"));
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_enabled || eventData.EventId != AllocationTickEventId || eventData.PayloadNames is null)
        {
            return;
        }

        var type = eventData.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? eventData.Payload![t] as string ?? "?" : "?";
        var amount = eventData.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0
            ? Convert.ToInt64(eventData.Payload![a], CultureInfo.InvariantCulture)
            : 100 * 1024;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }
}
