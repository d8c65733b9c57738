using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Handoff.Benchmarks;

/// <summary>
/// <c>--profile</c>: where the relay's time goes. Runs the relay path with the store wrapped in a <see cref="TimedStore"/> and an
/// <see cref="ActivityListener"/> on the API's, the plugin's and ASP.NET Core's activities; prints per-operation counts and
/// mean durations, and how long SQLite writes (serialised by the store's write lock) kept the single writer busy.
/// </summary>
public static class RelayProfile
{
    public static async Task RunAsync(BenchOptions options)
    {
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        var activities = new ConcurrentDictionary<string, (long Count, double TotalMs)>(StringComparer.Ordinal);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Handoff", StringComparison.Ordinal) || source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                var name = $"{activity.Source.Name}: {activity.DisplayName}";
                activities.AddOrUpdate(name, (1, activity.Duration.TotalMilliseconds), (_, v) => (v.Count + 1, v.TotalMs + activity.Duration.TotalMilliseconds));
            },
        };
        ActivitySource.AddActivityListener(listener);

        // Group commit: how many writes share each commit (the store's own histogram).
        long commits = 0, committedWrites = 0;
        using var meters = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "handoff.store.commit.writes")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<int>((_, writes, _, _) =>
        {
            Interlocked.Increment(ref commits);
            Interlocked.Add(ref committedWrites, writes);
        });
        meters.Start();

        await using var stack = await BenchStack.StartRelayAsync(options, timedStore: true);
        for (var i = 0; i < options.Warmup; i++)
        {
            await stack.RelayAsync();
        }

        stack.Store!.Reset();
        activities.Clear();
        Interlocked.Exchange(ref commits, 0);
        Interlocked.Exchange(ref committedWrites, 0);
        using var allocations = new AllocationSampler();
        allocations.Start();
        await stack.RelayAsync();
        allocations.Stop();
        var run = Measurement.Of(RelayBenchmarks.Relay)[^1];
        var wallMs = run.Elapsed.TotalMilliseconds;
        var n = options.Messages;

        Console.WriteLine();
        Console.WriteLine($"## Relay profile: {n} messages, {options.Senders} senders; {wallMs:0} ms until Genesys had all ({n / run.Elapsed.TotalSeconds:0} msg/s); " +
                          $"the last POST was answered after {run.Ingested.TotalMilliseconds:0} ms ({n / run.Ingested.TotalSeconds:0} msg/s accepted)");
        Console.WriteLine();
        Console.WriteLine("| Store operation (lock wait included) | Calls | Per message | Mean ms | Total ms | Share of wall time |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, counter) in stack.Store.Counters.OrderByDescending(kv => kv.Value.Ticks))
        {
            var totalMs = counter.Ticks * 1000.0 / Stopwatch.Frequency;

            var items = counter.Items > 0 ? $" ({(double)counter.Items / counter.Calls:0.0} items each)" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name}{items} | {counter.Calls} | {(double)counter.Calls / n:0.00} | {totalMs / counter.Calls:0.00} | {totalMs:0} | {totalMs / wallMs:P0} |"));
        }

        Console.WriteLine();
        var writeCalls = stack.Store.Counters.Where(kv => !kv.Key.StartsWith("Get", StringComparison.Ordinal)).Sum(kv => kv.Value.Calls);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{writeCalls} write transactions ({(double)writeCalls / n:0.0} per message) share one writer: the summed means above are mostly time spent queueing for it. " +
            $"Wall time per write: {wallMs / writeCalls:0.00} ms. Commits: {Interlocked.Read(ref commits)} ({(double)Interlocked.Read(ref committedWrites) / Math.Max(1, Interlocked.Read(ref commits)):0.0} writes each, " +
            $"{(double)Interlocked.Read(ref commits) / n:0.00} per message)."));
        Console.WriteLine();
        Console.WriteLine("| Activity | Count | Mean ms |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, (count, total)) in activities.Where(kv => kv.Value.Count >= n / 10).OrderByDescending(kv => kv.Value.TotalMs))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {count} | {total / count:0.00} |"));
        }

        allocations.Print(15, n);
        if (!options.SkipStoreCost)
        {
            await StoreCost.RunAsync(Math.Max(options.Messages, 1000), options.Senders);
        }
    }
}
