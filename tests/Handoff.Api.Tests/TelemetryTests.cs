using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace Handoff.Api.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "telemetry (runs alone: listeners are process-wide)";
}

/// <summary>An API stack whose spans go to an in-memory exporter.</summary>
public sealed class TelemetryStack : ApiStack
{
    public SpanLog Spans { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddOpenTelemetry().WithTracing(tracing => tracing.AddInMemoryExporter(Spans));
}

/// <summary>
/// The in-memory exporter adds each span from whichever thread ends it; <see cref="Snapshot"/> copies under the same lock
/// (a plain list copied while the exporter adds to it throws now and then).
/// </summary>
public sealed class SpanLog : System.Collections.ObjectModel.Collection<Activity>
{
    private readonly Lock _gate = new();

    public List<Activity> Snapshot()
    {
        lock (_gate)
        {
            return [.. this];
        }
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (_gate)
        {
            base.InsertItem(index, item);
        }
    }
}

/// <summary>
/// One handoff, end to end, seen through its telemetry: every hop is in the handoff's trace, spans carry ids and no
/// message text, and the handoff metrics count what happened.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests(TelemetryStack stack, ITestOutputHelper output) : IClassFixture<TelemetryStack>
{
    private const string UserText = "my card number is 4111 1111 1111 1111";
    private const string AgentText = "Thanks Maria, looking at order A-1001 now";

    [Fact]
    public async Task One_handoff_is_one_trace_with_ids_and_no_text_and_its_metrics_count()
    {
        using var metrics = new MetricRecorder("Handoff.Core");
        var client = stack.CreateClient();

        var created = await (await client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync();
        var id = (string)created["id"]!;
        var conversation = await stack.Emulator.Control.WaitForConversationAsync(c => c.UserId == id, TimeSpan.FromSeconds(20));
        await client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = "telemetry-m1", text = UserText });
        await stack.Emulator.Control.WaitForConversationAsync(c => c.Id == conversation.Id && c.Messages.Any(m => m.MessageId == "telemetry-m1"), TimeSpan.FromSeconds(20));
        await stack.Emulator.Control.SendAgentMessageAsync(conversation.Id, AgentText);
        await Events.WaitForTypeAsync(client, id, "agent.message");
        await client.PostJsonAsync($"/v1/handoffs/{id}/end", new { reason = "resolved" });
        await Events.WaitForTypeAsync(client, id, "handoff.ended");

        // The end is relayed by the outbox after the answer: wait for its span.
        var spans = await WaitForSpansAsync(s => s.Any(a => a.DisplayName == "handoff relay end" && Tag(a, "handoff.id") == id));
        var handoffSpans = spans.Where(a => Tag(a, "handoff.id") == id).ToList();
        var root = handoffSpans.Single(a => a.Kind == ActivityKind.Server && a.DisplayName.StartsWith("POST /v1/handoffs", StringComparison.Ordinal) && !a.DisplayName.Contains("{id}", StringComparison.Ordinal));
        var traceId = root.TraceId;
        foreach (var line in handoffSpans.OrderBy(a => a.StartTimeUtc))
        {
            output.WriteLine($"{line.TraceId} {line.Source.Name,-22} {line.Kind,-8} {line.DisplayName}");
        }

        // Every later hop sits in the handoff's trace: relay of start, message and end; the inbound webhook; events pushed.
        foreach (var hop in new[] { "handoff relay start", "handoff relay message", "handoff inbound agent_message", "handoff relay end" })
        {
            var span = Assert.Single(handoffSpans, a => a.DisplayName == hop);
            Assert.Equal(traceId, span.TraceId);
            Assert.Equal("genesys", Tag(span, "handoff.channel"));
            Assert.Equal("Support", Tag(span, "handoff.queue"));
        }

        // The relay's HTTP call to Genesys and the emulator's own server span continue the same trace.
        var relayStart = handoffSpans.Single(a => a.DisplayName == "handoff relay start");
        Assert.Contains(spans, a => a.TraceId == traceId && a.Kind == ActivityKind.Client && a.ParentSpanId == relayStart.SpanId);
        Assert.Contains(spans, a => a.TraceId == traceId && a.Kind == ActivityKind.Server && (a.DisplayName.Contains("inbound/open/message", StringComparison.Ordinal) || (Tag(a, "url.path") ?? "").Contains("inbound/open/message", StringComparison.Ordinal)));

        // Requests made later about the handoff (message, end) are tagged and linked to the handoff's trace.
        var endRequest = spans.Single(a => a.Kind == ActivityKind.Server && (Tag(a, "url.path") ?? "") == $"/v1/handoffs/{id}/end");
        Assert.Equal(id, Tag(endRequest, "handoff.id"));
        Assert.Contains(endRequest.Links, l => l.Context.TraceId == traceId);

        // The Genesys conversation id is on the spans once known.
        Assert.Contains(handoffSpans, a => Tag(a, "genesys.conversationId") == conversation.Id);

        // No message text or personal data in any span attribute.
        foreach (var span in spans)
        {
            foreach (var tag in span.TagObjects)
            {
                var value = tag.Value?.ToString() ?? string.Empty;
                // The card number as the text has it: four digits alone also turn up in random ids (a GUID once held "4111").
                Assert.DoesNotContain("4111 1111", value);
                Assert.DoesNotContain("card number", value);
                Assert.DoesNotContain("looking at order", value);
                Assert.DoesNotContain("Maria", value);
            }
        }

        // Metrics of this handoff.
        Assert.Equal(1, metrics.Sum("handoff.started"));
        Assert.Equal(1, metrics.Sum("handoff.ended", ("handoff.ended_by", "user")));
        Assert.Equal(0, metrics.Sum("handoff.active"));
        Assert.Equal(1, metrics.Count("handoff.time_to_agent"));
        Assert.True(metrics.Sum("handoff.outbox.deliveries", ("outcome", "delivered")) >= 3, "start, message and end were delivered");
        Assert.True(metrics.Sum("handoff.inbound", ("kind", "agent_message")) >= 1);
    }

    private async Task<List<Activity>> WaitForSpansAsync(Func<List<Activity>, bool> predicate)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var snapshot = stack.Spans.Snapshot();

            if (predicate(snapshot))
            {
                return snapshot;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Spans never matched; {snapshot.Count} recorded: {string.Join(", ", snapshot.Select(s => s.DisplayName).Distinct())}");
            }

            await Task.Delay(100);
        }
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();

    /// <summary>Records measurements of one meter for the duration of a test.</summary>
    private sealed class MetricRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

        public MetricRecorder(string meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, t, _) => _measurements.Enqueue((i.Name, v, t.ToArray())));
            _listener.SetMeasurementEventCallback<double>((i, v, t, _) => _measurements.Enqueue((i.Name, v, t.ToArray())));
            _listener.Start();
        }

        public double Sum(string instrument, params (string Key, string Value)[] tags) =>
            Matching(instrument, tags).Sum(m => m.Value);

        public int Count(string instrument, params (string Key, string Value)[] tags) => Matching(instrument, tags).Count();

        private IEnumerable<(string Instrument, double Value, KeyValuePair<string, object?>[] Tags)> Matching(string instrument, (string Key, string Value)[] tags) =>
            _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(x => x.Key == t.Key && x.Value?.ToString() == t.Value)));

        public void Dispose() => _listener.Dispose();
    }
}
