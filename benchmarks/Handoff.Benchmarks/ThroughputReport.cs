using System.Globalization;
using BenchmarkDotNet.Reports;

namespace Handoff.Benchmarks;

/// <summary>The summary the issue asks for: messages/s of both paths, their ratio against the 45 % target, memory per message.</summary>
public static class ThroughputReport
{
    /// <returns>True when both paths ran.</returns>
    public static bool Print(Summary summary, BenchOptions options)
    {
        double? MeanSeconds(string method) => summary.Reports
            .Where(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && r.ResultStatistics is not null)
            .Select(r => r.ResultStatistics!.Mean / 1e9)
            .Cast<double?>()
            .FirstOrDefault();

        var direct = MeanSeconds(nameof(RelayBenchmarks.PostStraightToGenesys));
        var relay = MeanSeconds(nameof(RelayBenchmarks.RelayThroughHandoff));
        var rows = new[]
        {
            Row("direct (bot -> Genesys)", RelayBenchmarks.Direct, direct, options),
            Row(options.SynchronousNormal ? "relay (bot -> Handoff -> Genesys), WHAT-IF synchronous=NORMAL" : "relay (bot -> Handoff -> Genesys)", RelayBenchmarks.Relay, relay, options),
        };

        Console.WriteLine();
        Console.WriteLine($"## Relay throughput ({options.Messages} messages per operation, {options.Senders} concurrent senders, " +
                          $"{options.PerSender} sequential each; {options.Iterations} measured operations after {options.Warmup} warm-up; {Environment.ProcessorCount} CPUs)");
        Console.WriteLine();
        Console.WriteLine("| Path | Mean per operation | Messages/s | CPU per message (process) | Allocated per message (process) | Working set after |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine($"| {row.Name} | {Format(row.MeanSeconds * 1000, "0.0", " ms")} | {Format(row.PerSecond, "0", "")} | {Format(row.CpuPerMessage * 1e6, "0", " µs")} | " +
                              $"{Format(row.AllocatedPerMessage / 1024, "0.0", " KB")} | {Format(row.WorkingSet / (1024.0 * 1024), "0", " MB")} |");
        }

        Console.WriteLine();
        if (direct is null || relay is null)
        {
            Console.WriteLine("A benchmark case failed; see the BenchmarkDotNet log above.");
            return false;
        }

        var ratio = direct.Value / relay.Value;
        var handoffShare = rows[1].AllocatedPerMessage - rows[0].AllocatedPerMessage;
        // Not the verdict: this run measures every direct operation first, in a process that has barely warmed up, and then
        // every relay operation (see PairedRun for why that flatters the relay).
        Console.WriteLine($"Relay / direct throughput, sequential run: {ratio.ToString("P1", CultureInfo.InvariantCulture)} " +
                          $"(direct measured first, before the process reached steady state; the verdict is the paired run's)");
        if (handoffShare is { } share)
        {
            Console.WriteLine($"Allocated by Handoff per relayed message (relay minus direct, process-wide): {(share / 1024).ToString("0.0", CultureInfo.InvariantCulture)} KB");
        }

        // On a machine where the CPUs are the limit (bot client, emulator and API share them), the throughput ratio follows
        // the CPU each path spends per message, which varies far less between runs than wall time does.
        if (rows[0].CpuPerMessage is { } directCpu && rows[1].CpuPerMessage is { } relayCpu)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"CPU per message: relay {relayCpu * 1e6:0} µs, direct {directCpu * 1e6:0} µs (Handoff's share {(relayCpu - directCpu) * 1e6:0} µs); direct / relay CPU: {directCpu / relayCpu:P1}"));
        }

        return true;
    }

    private static (string Name, double? MeanSeconds, double? PerSecond, double? CpuPerMessage, double? AllocatedPerMessage, double? WorkingSet) Row(
        string name, string path, double? meanSeconds, BenchOptions options)
    {
        // The measured operations are the last ones recorded (jitting and warm-up ran first).
        var measured = Measurement.Of(path).TakeLast(options.Iterations).ToList();
        double? cpu = measured.Count == 0 ? null : Median(measured.Select(m => m.Cpu.TotalSeconds / m.Messages));
        double? allocated = measured.Count == 0 ? null : Median(measured.Select(m => (double)m.AllocatedBytes / m.Messages));
        double? workingSet = measured.Count == 0 ? null : measured.Max(m => m.WorkingSetBytes);
        return (name, meanSeconds, meanSeconds is { } s ? options.Messages / s : null, cpu, allocated, workingSet);
    }

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Format(double? value, string format, string unit) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) + unit : "n/a";
}
