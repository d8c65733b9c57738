using Handoff.GenesysEmulator.State;
using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.Faults;

/// <summary>A fault rule as created through <c>POST /emulator/faults</c>.</summary>
/// <param name="Path">Path prefix (case-insensitive), e.g. <c>/api/v2/conversations/messages</c>.</param>
/// <param name="Method">Only this HTTP method; null for any.</param>
/// <param name="Status">Status to answer; null for a delay-only fault (the request is then served normally).</param>
/// <param name="Rate">Fraction of matching requests hit (random draw); null for every one.</param>
/// <param name="Count">How many matching requests to hit before the rule is spent; null for no limit.</param>
internal sealed record FaultRule(
    string Path, string? Method, int? Status, double? Rate, int? Count, int? DelayMs, int? RetryAfterSeconds);

/// <summary>A rule with its id and how it has been used.</summary>
internal sealed record FaultSnapshot(string Id, FaultRule Rule, int Injected, int? Remaining, DateTimeOffset CreatedAt);

/// <summary>What to do with one request.</summary>
internal sealed record FaultDecision(string FaultId, int? Status, TimeSpan Delay, int? RetryAfterSeconds);

/// <summary>
/// The active fault rules, checked in creation order: the first rule that matches a request (path prefix, method) and
/// fires (its <c>rate</c> draw, its remaining <c>count</c>) decides. The draw uses a seeded <see cref="Random"/>
/// (<c>Emulator:Faults:Seed</c>), so a run can be repeated.
/// </summary>
internal sealed class FaultRegistry(IOptions<EmulatorOptions> options, EmulatorStats stats, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<Entry> _entries = [];
    private readonly Random _random = new(options.Value.Faults.Seed);
    private long _sequence;

    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count == 0;
            }
        }
    }

    public FaultSnapshot Add(FaultRule rule)
    {
        var entry = new Entry($"fault-{Interlocked.Increment(ref _sequence)}", rule, time.GetUtcNow());
        lock (_gate)
        {
            _entries.Add(entry);
            return entry.Snapshot();
        }
    }

    public IReadOnlyList<FaultSnapshot> GetAll()
    {
        lock (_gate)
        {
            return [.. _entries.Select(e => e.Snapshot())];
        }
    }

    public bool Remove(string id)
    {
        lock (_gate)
        {
            return _entries.RemoveAll(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase)) > 0;
        }
    }

    public int Clear()
    {
        lock (_gate)
        {
            var count = _entries.Count;
            _entries.Clear();
            return count;
        }
    }

    /// <summary>The fault to apply to this request, or null to serve it normally.</summary>
    public FaultDecision? Match(string path, string method)
    {
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                var rule = entry.Rule;
                if (entry.Remaining is <= 0
                    || !path.StartsWith(rule.Path, StringComparison.OrdinalIgnoreCase)
                    || (rule.Method is not null && !string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                if (rule.Rate is { } rate && _random.NextDouble() >= rate)
                {
                    continue;
                }

                entry.Remaining--;
                entry.Injected++;
                stats.FaultInjected();
                return new FaultDecision(entry.Id, rule.Status, TimeSpan.FromMilliseconds(rule.DelayMs ?? 0), rule.RetryAfterSeconds);
            }

            return null;
        }
    }

    private sealed class Entry(string id, FaultRule rule, DateTimeOffset createdAt)
    {
        public string Id { get; } = id;
        public FaultRule Rule { get; } = rule;
        public int? Remaining { get; set; } = rule.Count;
        public int Injected { get; set; }

        public FaultSnapshot Snapshot() => new(Id, Rule, Injected, Remaining, createdAt);
    }
}
