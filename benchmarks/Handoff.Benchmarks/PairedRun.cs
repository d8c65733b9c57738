using System.Globalization;

namespace Handoff.Benchmarks;

/// <summary>
/// <c>--paired</c>: both stacks are started side by side and their operations alternate (direct, relay, then relay, direct,
/// …), so the two paths of each pair run under the same conditions of a shared machine. BenchmarkDotNet's run measures all
/// of one case and then all of the other; on a machine whose speed drifts (other tenants, CPU frequency), that drift lands
/// in the ratio. Here each pair gives a ratio of its own, and the median of those is the verdict.
/// </summary>
public static class PairedRun
{
    public static async Task<bool> RunAsync(BenchOptions options)
    {
        await using var direct = await BenchStack.StartDirectAsync(options);
        await using var relay = options.Ceiling ? await BenchStack.StartForwarderAsync(options) : await BenchStack.StartRelayAsync(options);
        var second = options.Ceiling ? BenchStack.Forwarder : RelayBenchmarks.Relay;
        Func<Task> measureSecond = options.Ceiling ? relay.ForwardAsync : relay.RelayAsync;

        for (var i = 0; i < options.WarmupPairs; i++)
        {
            await direct.DirectAsync();
            await measureSecond();
        }

        var ratios = new List<double>();
        var cpuRatios = new List<double>();
        for (var i = 0; i < options.Pairs; i++)
        {
            // Alternate which path goes first, so neither always runs right after the other's backlog.
            if (i % 2 == 0)
            {
                await direct.DirectAsync();
                await measureSecond();
            }
            else
            {
                await measureSecond();
                await direct.DirectAsync();
            }

            var d = Measurement.Of(RelayBenchmarks.Direct)[^1];
            var r = Measurement.Of(second)[^1];
            ratios.Add(d.Elapsed / r.Elapsed);
            cpuRatios.Add(d.Cpu / r.Cpu);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"pair {i + 1}: direct {d.Elapsed.TotalMilliseconds:0} ms ({d.Messages / d.Elapsed.TotalSeconds:0} msg/s), {second} {r.Elapsed.TotalMilliseconds:0} ms " +
                $"({r.Messages / r.Elapsed.TotalSeconds:0} msg/s): {ratios[^1]:P1}"));
        }

        var directRuns = Measurement.Of(RelayBenchmarks.Direct).TakeLast(options.Pairs).ToList();
        var relayRuns = Measurement.Of(second).TakeLast(options.Pairs).ToList();
        var median = ThroughputReport.Median(ratios);
        Console.WriteLine();
        Console.WriteLine($"## Paired relay throughput ({options.Messages} messages per operation, {options.Senders} concurrent senders; " +
                          $"{options.Pairs} pairs after {options.WarmupPairs} warm-up pairs; {Environment.ProcessorCount} CPUs" +
                          (options.LatencyMs > 0 ? $"; Genesys answers inbound messages after {options.LatencyMs} ms" : "") + ")");
        Console.WriteLine();
        Console.WriteLine("| Path | Median messages/s | Median CPU per message (process) | Median allocated per message (process) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, runs) in new[] { ("direct (bot -> Genesys)", directRuns), (options.Ceiling ? "forwarder (bot -> stateless forwarder -> Genesys: the ceiling)" : "relay (bot -> Handoff -> Genesys)", relayRuns) })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {ThroughputReport.Median(runs.Select(m => m.Messages / m.Elapsed.TotalSeconds)):0} | {ThroughputReport.Median(runs.Select(m => m.Cpu.TotalSeconds * 1e6 / m.Messages)):0} µs | " +
                $"{ThroughputReport.Median(runs.Select(m => m.AllocatedBytes / 1024.0 / m.Messages)):0.0} KB |"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(options.Ceiling ? "Forwarder" : "Relay")} / direct throughput, per pair: median {median:P1} (lowest {ratios.Min():P1}, highest {ratios.Max():P1}); CPU per message direct / {second}: median {ThroughputReport.Median(cpuRatios):P1}"));
        if (options.Ceiling)
        {
            // Not a verdict on Handoff: what a relay that only adds the hop reaches, and so what is left for everything else.
            var directCpu = ThroughputReport.Median(directRuns.Select(m => m.Cpu.TotalSeconds * 1e6 / m.Messages));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Ceiling: the hop alone leaves the forwarder at {median:P1} of direct. At {BenchOptions.Target:P0}, a relay may use about " +
                $"{directCpu / BenchOptions.Target:0} µs of CPU per message here, the forwarder's {ThroughputReport.Median(relayRuns.Select(m => m.Cpu.TotalSeconds * 1e6 / m.Messages)):0} µs included."));
            return true;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Target >= {BenchOptions.Target:P0}: {(median >= BenchOptions.Target ? "TARGET MET" : "TARGET MISSED")} (on the median of the pairs)"));
        return median >= BenchOptions.Target;
    }
}
