using System.Diagnostics;

namespace Handoff.Benchmarks;

/// <summary>
/// <c>--sustained relay|direct</c>: one path alone, warmed up (at least <c>--warmup-pairs</c> operations and 40 s), then operated back to back for
/// <c>--seconds N</c> (default 25), printing messages/s and process CPU per message. Made to be profiled: attach
/// <c>perf record -p &lt;pid&gt;</c> after the "measuring" line and the samples belong to one path only, so the two paths'
/// profiles can be compared per library in CPU time per message (the README's table was made this way).
/// </summary>
public static class SustainedRun
{
    private static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(40);

    public static async Task<bool> RunAsync(BenchOptions options)
    {
        var relay = options.Sustained == "relay";
        await using var stack = relay ? await BenchStack.StartRelayAsync(options) : await BenchStack.StartDirectAsync(options);
        Func<Task> operation = relay ? stack.RelayAsync : stack.DirectAsync;
        // Tiered compilation keeps the JIT busy for the first ~25 s of a busy process on 2 cores: warm up for longer than that.
        var warming = Stopwatch.StartNew();
        for (var i = 0; i < options.WarmupPairs || warming.Elapsed < WarmupTime; i++)
        {
            await operation();
        }

        Console.WriteLine($"measuring {options.Sustained} for {options.Seconds} s (process {Environment.ProcessId})");
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        var operations = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(options.Seconds))
        {
            await operation();
            operations++;
        }

        var elapsed = clock.Elapsed;
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        var messages = (long)operations * options.Messages;
        Console.WriteLine(FormattableString.Invariant(
            $"{options.Sustained}: {operations} operations, {messages} messages in {elapsed.TotalSeconds:0.0} s: {messages / elapsed.TotalSeconds:0} msg/s, {cpu.TotalMicroseconds / messages:0} µs CPU per message ({Environment.ProcessorCount} CPUs)"));
        return true;
    }
}
