using System.Globalization;

namespace Handoff.Benchmarks;

/// <summary>
/// Command line: <c>--quick</c>, <c>--messages N</c>, <c>--senders N</c>, <c>--iterations N</c>, <c>--warmup N</c> (the
/// BenchmarkDotNet run), <c>--pairs N</c>, <c>--warmup-pairs N</c> (the paired run), <c>--paired</c> (only the paired run),
/// <c>--sequential</c> (only the BenchmarkDotNet run), <c>--sustained relay|direct</c> with <c>--seconds N</c> (one path alone, to profile), <c>--profile</c> (<c>--no-store-cost</c>: without the uncontended
/// store measurements), <c>--what-if-synchronous-normal</c>,
/// <c>--ceiling</c> (the paired run against a stateless forwarder instead of Handoff: what one more hop alone costs),
/// <c>--latency MS</c> (Genesys' inbound API answers after MS milliseconds, in every path), <c>--outbox-concurrency N</c>
/// (the API's <c>Handoff:Outbox:Concurrency</c>, otherwise its default), <c>--outbox-max-concurrency N</c> (its
/// <c>Handoff:Outbox:MaxConcurrency</c>; equal to the first for the fixed concurrency of earlier versions),
/// <c>--what-if-free-store</c> (the API's store in memory: <see cref="FreeStore"/>), <c>--database-directory DIR</c> (where
/// the SQLite file goes).
/// </summary>
/// <param name="SynchronousNormal">What-if experiment (<c>--what-if-synchronous-normal</c>): the API's pooled SQLite connections
/// are primed with <c>PRAGMA synchronous = NORMAL</c>, the setting the store's schema intends but applies to one connection only.</param>
public sealed record BenchOptions(int Messages, int Senders, int Warmup, int Iterations, bool Profile, bool Quick, bool SynchronousNormal = false, bool SkipStoreCost = false, bool Paired = false, bool Sequential = false, int Pairs = 10, int WarmupPairs = 10, string? Sustained = null, int Seconds = 25, bool Ceiling = false, int LatencyMs = 0, int? OutboxConcurrency = null, int? OutboxMaxConcurrency = null, string? DatabaseDirectory = null, bool FreeStore = false)
{
    /// <summary>The target: relaying through Handoff reaches at least this share of the direct throughput.</summary>
    public const double Target = 0.45;

    public static BenchOptions Default { get; } = new(Messages: 2000, Senders: 50, Warmup: 2, Iterations: 6, Profile: false, Quick: false);

    public int PerSender => Messages / Senders;

    public static BenchOptions Parse(string[] args)
    {
        var options = args.Contains("--quick") ? Default with { Messages = 500, Warmup = 1, Iterations = 3, Pairs = 3, WarmupPairs = 3, Quick = true } : Default;
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--messages" => options with { Messages = Next() },
                "--senders" => options with { Senders = Next() },
                "--iterations" => options with { Iterations = Next() },
                "--warmup" => options with { Warmup = Next() },
                "--profile" => options with { Profile = true },
                "--what-if-synchronous-normal" => options with { SynchronousNormal = true },
                "--no-store-cost" => options with { SkipStoreCost = true },
                "--paired" => options with { Paired = true },
                "--ceiling" => options with { Paired = true, Ceiling = true },
                "--sequential" => options with { Sequential = true },
                "--pairs" => options with { Pairs = Next() },
                "--warmup-pairs" => options with { WarmupPairs = Next() },
                "--sustained" => options with { Sustained = args[++i] },
                "--seconds" => options with { Seconds = Next() },
                "--latency" => options with { LatencyMs = Next() },
                "--outbox-concurrency" => options with { OutboxConcurrency = Next() },
                "--outbox-max-concurrency" => options with { OutboxMaxConcurrency = Next() },
                "--what-if-free-store" => options with { FreeStore = true },
                "--database-directory" => options with { DatabaseDirectory = args[++i] },
                _ => options,
            };
        }

        if (options.Sustained is not (null or "relay" or "direct"))
        {
            throw new ArgumentException("--sustained takes relay or direct.");
        }

        if (options.Senders < 1 || options.Messages < options.Senders)
        {
            throw new ArgumentException("--messages must be at least --senders, and --senders at least 1.");
        }

        // Every sender sends the same number of messages.
        return options with { Messages = options.PerSender * options.Senders };
    }
}
