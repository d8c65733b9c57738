using System.Diagnostics;
using System.Net;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.Reliability.Tests;

/// <summary>
/// Issue #4, storm: while Genesys answers 30 % of Open Messaging calls with 500 (then 429 with Retry-After), bots keep
/// sending bursts over several handoffs. Everything accepted still reaches Genesys, once, in order per handoff.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class FaultStormTests(GenesysEmulatorFixture emulator, ITestOutputHelper output, ReportSink sink) : IClassFixture<GenesysEmulatorFixture>
{
    private const string MessagesPath = "/api/v2/conversations/messages";
    private const int Handoffs = 10;
    private const int MessagesPerBurst = 10;
    private const double FaultRate = 0.3;

    private readonly TestReport _report = new(output, sink);

    [Fact]
    public async Task A_storm_of_500s_and_429s_loses_nothing_and_keeps_order()
    {
        var clock = Stopwatch.StartNew();
        await using var api = await InProcessApi.StartAsync(emulator);
        using var http = Bot.CreateClient();

        var handoffs = await Task.WhenAll(Enumerable.Range(1, Handoffs)
            .Select(i => Bot.StartHandoffAsync(http, api.BaseAddress, $"storm-user-{i:00}-{Guid.NewGuid():N}")));
        var handoffSet = handoffs.ToHashSet(StringComparer.Ordinal);
        await Polling.UntilAsync(
            () => emulator.Control.GetConversationsAsync(),
            all => all.Count(c => handoffSet.Contains(c.UserId)) == Handoffs,
            TimeSpan.FromSeconds(60),
            all => $"{all.Count(c => handoffSet.Contains(c.UserId))} of {Handoffs} conversations opened");

        var accepted = handoffs.ToDictionary(h => h, _ => new List<(string Id, string Text)>(), StringComparer.Ordinal);
        var sent = 0;
        async Task BurstAsync(int burst)
        {
            await Task.WhenAll(handoffs.Select(async h =>
            {
                for (var i = 1; i <= MessagesPerBurst; i++)
                {
                    var id = $"{h}-b{burst}-m{i:00}";
                    var text = $"burst {burst} message {i:00} of {h}";
                    Interlocked.Increment(ref sent);
                    var (status, body) = await Bot.PostMessageAsync(http, api.BaseAddress, h, id, text);
                    Assert.True(status == HttpStatusCode.Accepted, $"{id}: {(int)status} {body}");
                    accepted[h].Add((id, text));
                }
            }));
        }

        IReadOnlyDictionary<string, IReadOnlyList<(string Id, string Text)>> Accepted() =>
            accepted.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<(string, string)>)kv.Value.ToList(), StringComparer.Ordinal);

        // The storm: 500s first, then 429s with Retry-After: 1, on every Open Messaging call.
        var storm = Stopwatch.StartNew();
        await EmulatorFaults.AddAsync(emulator, MessagesPath, HttpStatusCode.InternalServerError, FaultRate);
        await BurstAsync(1);
        await EmulatorFaults.ClearAsync(emulator);
        await EmulatorFaults.AddAsync(emulator, MessagesPath, HttpStatusCode.TooManyRequests, FaultRate, retryAfterSeconds: 1);
        await BurstAsync(2);

        // It lasts until half of what was accepted got through it (at most 30 s), then clears; a last burst follows.
        var acceptedSoFar = Accepted();
        var total = acceptedSoFar.Values.Sum(v => v.Count);
        try
        {
            await Polling.UntilAsync(
                () => emulator.Control.GetConversationsAsync(),
                all => DeliveryAudit.Missing(acceptedSoFar, all) <= total / 2,
                TimeSpan.FromSeconds(30),
                all => $"{DeliveryAudit.Missing(acceptedSoFar, all)} of {total} still missing",
                TimeSpan.FromMilliseconds(250));
        }
        catch (TimeoutException)
        {
            // A long storm is fine too: it just ends here.
        }

        var stormSeconds = storm.Elapsed.TotalSeconds;
        var injected = await EmulatorFaults.InjectedAsync(emulator);
        await EmulatorFaults.ClearAsync(emulator);
        await BurstAsync(3);

        var all = Accepted();
        var acceptedCount = all.Values.Sum(v => v.Count);
        var failedEvents = 0;
        try
        {
            await Polling.UntilAsync(
                () => emulator.Control.GetConversationsAsync(),
                conversations => DeliveryAudit.Missing(all, conversations) == 0,
                TimeSpan.FromSeconds(90),
                conversations => $"{DeliveryAudit.Missing(all, conversations)} of {acceptedCount} accepted messages still not at Genesys",
                TimeSpan.FromMilliseconds(250));
        }
        catch (TimeoutException ex)
        {
            _report.Line($"storm: drain timed out: {ex.Message}");
        }

        await Polling.UntilStableAsync(async () => (await emulator.Control.GetStatsAsync()).InboundMessages, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        var audit = DeliveryAudit.Run(all, await emulator.Control.GetConversationsAsync());
        foreach (var h in handoffs)
        {
            failedEvents += (await Bot.GetEventsAsync(http, api.BaseAddress, h)).Count(e => (string?)e?["type"] == "message.failed");
        }

        var logs = api.Logs;
        var genesys500 = logs.Count(r => r.Category.EndsWith("GenesysClient", StringComparison.Ordinal) && r.Message.Contains("status 500", StringComparison.Ordinal));
        var genesys429 = logs.Count(r => r.Category.EndsWith("GenesysClient", StringComparison.Ordinal) && r.Message.Contains("status 429", StringComparison.Ordinal));
        var circuitOpen = logs.Count(r => r.Message.Contains("circuit open", StringComparison.OrdinalIgnoreCase));
        var inlineRetries = logs.Count(r => r.Message.Contains("OnRetry", StringComparison.Ordinal));
        var circuitOpened = logs.Count(r => r.Message.Contains("OnCircuitOpened", StringComparison.Ordinal));
        var outboxRetries = logs.Count(r => r.Category.EndsWith("OutboxDispatcher", StringComparison.Ordinal) && r.Message.Contains("retrying in", StringComparison.Ordinal));
        var outboxGaveUp = logs.Count(r => r.Category.EndsWith("OutboxDispatcher", StringComparison.Ordinal) && r.Message.Contains("failed after", StringComparison.Ordinal));

        _report.Line(
            $"storm: sent={sent} accepted={audit.Accepted} lost={audit.Lost} duplicated={audit.Duplicated} outOfOrder={audit.OutOfOrder} " +
            $"wrongText={audit.WrongText} message.failed={failedEvents}");
        _report.Line(
            $"storm: faults injected={injected?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "n/a (the emulator reports no faultsInjected)"} " +
            $"(500, then 429 with Retry-After: 1) at rate {FaultRate:P0} on {MessagesPath} during {stormSeconds:0.0} s");
        _report.Line(
            $"storm: Handoff saw: inline HTTP retries={inlineRetries}, circuit opened={circuitOpened}, calls refused by the open circuit={circuitOpen}, " +
            $"500s after inline retries={genesys500}, 429s after inline retries={genesys429}, outbox reschedules={outboxRetries}, outbox gave up={outboxGaveUp}; " +
            $"total {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var problem in audit.Problems.Take(20))
        {
            _report.Line($"storm:   {problem}");
        }

        foreach (var record in logs.Records.Where(r => r.Category.EndsWith("OutboxDispatcher", StringComparison.Ordinal) && r.Message.Contains("failed after", StringComparison.Ordinal)).Take(5))
        {
            _report.Line($"storm:   {record.Message}");
        }

        Assert.Equal(sent, audit.Accepted);
        Assert.True(injected is null || injected > 0, "No fault was injected: the storm did not happen.");
        Assert.Equal(0, audit.Lost);
        Assert.Equal(0, failedEvents);
        Assert.Equal(0, audit.Duplicated);
        Assert.Equal(0, audit.OutOfOrder);
        Assert.Equal(0, audit.WrongText);
        Assert.Equal(0, audit.Unexpected);
    }
}
