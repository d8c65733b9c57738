using System.Diagnostics;
using System.Diagnostics.Metrics;
using Handoff.Core.Domain;

namespace Handoff.Core.Application;

/// <summary>Handoff's own telemetry: <c>Handoff.Core</c> ActivitySource and Meter (ServiceDefaults subscribes to <c>Handoff.*</c>).</summary>
public static class HandoffMetrics
{
    public const string Name = "Handoff.Core";

    public static readonly ActivitySource ActivitySource = new(Name);
    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> StartedCounter = Meter.CreateCounter<long>("handoff.started", description: "Handoffs started.");
    private static readonly UpDownCounter<long> ActiveCounter = Meter.CreateUpDownCounter<long>("handoff.active", description: "Handoffs started and not yet ended in this process.");
    private static readonly Counter<long> EndedCounter = Meter.CreateCounter<long>("handoff.ended", description: "Handoffs ended, by who ended them.");
    private static readonly Counter<long> DeliveriesCounter = Meter.CreateCounter<long>("handoff.outbox.deliveries", description: "Outbox delivery attempts to channels, by kind and outcome.");
    private static readonly UpDownCounter<int> DeliveryConcurrency = Meter.CreateUpDownCounter<int>("handoff.dispatch.concurrency", unit: "{delivery}",
        description: "How many handoffs a dispatcher (outbox: to the contact center; callbacks: to bot platforms) may deliver to at once; grows while the other side keeps up and work waits, halves when it asks for retries.");
    private static readonly UpDownCounter<int> DispatchLock = Meter.CreateUpDownCounter<int>("handoff.dispatch.lock", unit: "{process}",
        description: "1 while this process holds the store's dispatch lock (it delivers the outbox and the callbacks), 0 while it stands by for another process that does.");
    private static readonly Counter<long> InboundCounter = Meter.CreateCounter<long>("handoff.inbound", description: "Inbound channel deliveries, by kind and result.");
    private static readonly Counter<long> CallbacksCounter = Meter.CreateCounter<long>("handoff.callbacks", description: "Callback deliveries to bot platforms, by outcome (delivered, retry, failed).");
    private static readonly Histogram<double> RelayLatencyHistogram = Meter.CreateHistogram<double>("handoff.relay.latency", unit: "s", description: "Time from accepting a message to handing it on: to_agent (user message accepted → channel accepted it), to_bot (agent message stored → pushed to the bot by SSE or callback).");
    private static readonly Histogram<double> TimeToAgent = Meter.CreateHistogram<double>("handoff.time_to_agent", unit: "s", description: "Time from handoff start to the first agent message.");
    private static readonly Histogram<int> CommitWrites = Meter.CreateHistogram<int>("handoff.store.commit.writes", unit: "{write}",
        description: "Writes committed together by the store's group commit (each one stored before its caller is answered).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    internal static void DeliveryConcurrencyChanged(string dispatcher, int by) => DeliveryConcurrency.Add(by, new KeyValuePair<string, object?>("dispatcher", dispatcher));

    internal static void DispatchLockHeld(bool held) => DispatchLock.Add(held ? 1 : -1);

    internal static void Committed(int writes) => CommitWrites.Record(writes);

    internal static void Started(Application.StartOutcome outcome, HandoffRecord h)
    {
        if (outcome != Application.StartOutcome.Created)
        {
            return;
        }

        var tags = new TagList { { "handoff.channel", h.Channel }, { "handoff.queue", h.Queue } };
        StartedCounter.Add(1, tags);
        ActiveCounter.Add(1, tags);
    }

    internal static void Ended(HandoffRecord h)
    {
        var tags = new TagList { { "handoff.channel", h.Channel }, { "handoff.queue", h.Queue } };
        ActiveCounter.Add(-1, tags);
        tags.Add("handoff.ended_by", h.EndedBy ?? "unknown");
        tags.Add("handoff.status", h.Status.ToString().ToLowerInvariant());
        EndedCounter.Add(1, tags);
    }

    internal static void Delivery(string channel, OutboxKind kind, string outcome) =>
        DeliveriesCounter.Add(1, new TagList { { "handoff.channel", channel }, { "kind", kind.ToString().ToLowerInvariant() }, { "outcome", outcome } });

    internal static void Inbound(string channel, string kind, string result) =>
        InboundCounter.Add(1, new TagList { { "handoff.channel", channel }, { "kind", kind }, { "result", result } });

    public static void RelayLatency(string direction, string channel, TimeSpan latency) =>
        RelayLatencyHistogram.Record(Math.Max(0, latency.TotalSeconds), new TagList { { "direction", direction }, { "handoff.channel", channel } });

    internal static void Callback(string outcome) => CallbacksCounter.Add(1, new TagList { { "outcome", outcome } });

    internal static void FirstAgentMessage(HandoffRecord h, TimeSpan elapsed) =>
        TimeToAgent.Record(elapsed.TotalSeconds, new TagList { { "handoff.channel", h.Channel }, { "handoff.queue", h.Queue } });
}
