using BenchmarkDotNet.Attributes;

namespace Handoff.Benchmarks;

/// <summary>
/// One operation = <see cref="BenchOptions.Messages"/> user messages from <see cref="BenchOptions.Senders"/> concurrent
/// senders, measured until the Genesys emulator holds all of them. Each case gets its own fresh stack.
/// </summary>
public class RelayBenchmarks
{
    public const string Direct = "direct";
    public const string Relay = "relay";

    /// <summary>Set by Program before the run (the in-process toolchain shares statics).</summary>
    public static BenchOptions Options { get; set; } = BenchOptions.Default;

    private BenchStack? _stack;

    [GlobalSetup(Target = nameof(PostStraightToGenesys))]
    public async Task SetupDirectAsync() => _stack = await BenchStack.StartDirectAsync(Options);

    [GlobalSetup(Target = nameof(RelayThroughHandoff))]
    public async Task SetupRelayAsync() => _stack = await BenchStack.StartRelayAsync(Options);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
            _stack = null;
        }
    }

    [Benchmark(Baseline = true, Description = "direct: bot -> Genesys")]
    public Task PostStraightToGenesys() => _stack!.DirectAsync();

    [Benchmark(Description = "relay: bot -> Handoff -> Genesys")]
    public Task RelayThroughHandoff() => _stack!.RelayAsync();
}
