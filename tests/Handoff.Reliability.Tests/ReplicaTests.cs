using System.Diagnostics;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.Reliability.Tests;

/// <summary>
/// Two real API processes on one SQLite file (two replicas on a host, or the old and new process of a deployment that
/// overlap), a bot posting to both, the Genesys emulator over real HTTP: every message reaches Genesys once and in order,
/// because only the process holding the store's dispatch lock delivers; when that process is killed with SIGKILL the other
/// takes over and delivers the rest.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ReplicaTests(GenesysEmulatorFixture emulator, ITestOutputHelper output, ReportSink sink)
    : IClassFixture<GenesysEmulatorFixture>, IDisposable
{
    private const int Handoffs = 10;
    private const int MessagesBefore = 15;
    private const int MessagesAfter = 15;
    private const string StandingBy = "Handoff.Core.Dispatch.DispatchLock[1702]";
    private const string TookOver = "Handoff.Core.Dispatch.DispatchLock[1703]";

    private readonly TestReport _report = new(output, sink);
    private readonly TempDatabase _database = new("replicas");

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Two_api_processes_on_one_database_relay_each_message_once_and_the_survivor_of_a_kill_takes_over()
    {
        var clock = Stopwatch.StartNew();
        var environment = ApiProcess.EnvironmentFor(emulator, _database.Path);
        await using var first = await ApiProcess.StartAsync(environment, ApiProcess.FreePort(), TimeSpan.FromSeconds(60));
        await using var second = await ApiProcess.StartAsync(environment, ApiProcess.FreePort(), TimeSpan.FromSeconds(60));
        try
        {
            // Exactly one of them stands by (and says so); the other delivers.
            var (leader, standby) = await Polling.UntilAsync(
                () => Task.FromResult((First: first.RecentOutput.Contains(StandingBy), Second: second.RecentOutput.Contains(StandingBy))),
                s => s.First != s.Second,
                TimeSpan.FromSeconds(30),
                s => $"standing by: first {s.First}, second {s.Second}") is { First: true } ? (second, first) : (first, second);

            // Genesys' receipts go to the process that does not deliver: what it stores, the other one's dispatcher reads.
            await Bot.SetWebhooksAsync(emulator, standby.BaseAddress);
            var duplicatesBefore = Bot.Counter(await Bot.GetRawStatsAsync(emulator), "inboundDuplicatesIgnored") ?? 0;
            using var http = Bot.CreateClient();
            var apis = new[] { leader.BaseAddress, standby.BaseAddress };
            var handoffs = await Task.WhenAll(Enumerable.Range(0, Handoffs)
                .Select(i => Bot.StartHandoffAsync(http, apis[i % 2], $"replica-user-{i:00}-{Guid.NewGuid():N}")));
            var accepted = handoffs.ToDictionary(h => h, _ => new List<(string Id, string Text)>(), StringComparer.Ordinal);

            // Each handoff's messages in order, one at a time, alternately through either process.
            await SendAsync(http, accepted, 0, MessagesBefore, i => apis[i % 2]);
            await DrainedAsync(accepted);
            var deliveredByLeader = (await emulator.Control.GetStatsAsync()).InboundMessages;

            // A bot's SSE stream on the delivering process; a message sent through the other one, whose Delivered receipt
            // that other one stores: the stream shows it without waiting for its 15 s keep-alive.
            var probe = await SseAcrossProcessesAsync(http, leader, standby, handoffs[0], accepted[handoffs[0]]);
            _report.Line($"replicas: message.delivered stored by one process reached an SSE stream on the other {probe.TotalMilliseconds:0} ms after the POST");
            Assert.True(probe < TimeSpan.FromSeconds(5), $"{probe.TotalSeconds:0.0} s: the stream was not woken by the other process's commit");

            await leader.KillAsync();
            _report.Line($"replicas: killed the delivering process (pid {leader.Id}) after {Handoffs * MessagesBefore} messages had reached Genesys");
            await SendAsync(http, accepted, MessagesBefore, MessagesAfter, _ => standby.BaseAddress);
            await DrainedAsync(accepted);

            await Polling.UntilStableAsync(async () => (await emulator.Control.GetStatsAsync()).InboundMessages, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
            var audit = DeliveryAudit.Run(accepted.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<(string, string)>)kv.Value), await emulator.Control.GetConversationsAsync());
            var ignored = (Bot.Counter(await Bot.GetRawStatsAsync(emulator), "inboundDuplicatesIgnored") ?? 0) - duplicatesBefore;
            _report.Line(
                $"replicas: accepted={audit.Accepted} (through both processes before the kill, the survivor after) lost={audit.Lost} duplicated={audit.Duplicated} " +
                $"repeatedMessageIdsAtGenesys={ignored} outOfOrder={audit.OutOfOrder} startDuplicates={audit.StartDuplicates}; " +
                $"the survivor took over: {standby.RecentOutput.Contains(TookOver)}; {clock.Elapsed.TotalSeconds:0.0} s");
            foreach (var problem in audit.Problems.Take(20))
            {
                _report.Line($"replicas:   {problem}");
            }

            Assert.Equal(Handoffs * (MessagesBefore + MessagesAfter) + 1, audit.Accepted); // and the one sent for the SSE stream
            Assert.True(deliveredByLeader >= Handoffs * MessagesBefore);
            Assert.Equal(0, audit.Lost);
            Assert.Equal(0, audit.Duplicated);
            Assert.Equal(0, audit.StartDuplicates);
            Assert.Equal(0, ignored); // the emulator drops a repeated messageId: two dispatchers would show here
            Assert.Equal(0, audit.OutOfOrder);
            Assert.Equal(0, audit.WrongText);
            Assert.Equal(0, audit.Unexpected);
            Assert.Contains(TookOver, standby.RecentOutput);
            Assert.DoesNotContain(StandingBy, leader.RecentOutput);
        }
        catch (Exception) when (Report(first, second))
        {
            throw;
        }
    }

    private async Task SendAsync(HttpClient http, Dictionary<string, List<(string Id, string Text)>> accepted, int from, int count, Func<int, Uri> api) =>
        await Task.WhenAll(accepted.Select(kv => Task.Run(async () =>
        {
            for (var i = from; i < from + count; i++)
            {
                var (id, text) = ($"{kv.Key}-m{i:00}", $"message {i} of {kv.Key}");
                var (status, body) = await Bot.PostMessageAsync(http, api(i), kv.Key, id, text);
                Assert.True(status == System.Net.HttpStatusCode.Accepted, $"{id}: {(int)status} {body}");
                lock (kv.Value)
                {
                    kv.Value.Add((id, text));
                }
            }
        })));

    private static async Task<TimeSpan> SseAcrossProcessesAsync(HttpClient http, ApiProcess reader, ApiProcess writer, string handoffId, List<(string Id, string Text)> accepted)
    {
        var seen = await Bot.GetEventsAsync(http, reader.BaseAddress, handoffId);
        var after = seen.Count == 0 ? 0 : (long)seen[^1]!["seq"]!;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(reader.BaseAddress, $"v1/handoffs/{Uri.EscapeDataString(handoffId)}/events?after={after}"));
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.StartsWith("retry:", await lines.ReadLineAsync(timeout.Token));

        var (id, text) = ($"{handoffId}-across", "sent through one process, its receipt stored by the other");
        var clock = Stopwatch.StartNew();
        var (status, body) = await Bot.PostMessageAsync(http, writer.BaseAddress, handoffId, id, text);
        Assert.True(status == System.Net.HttpStatusCode.Accepted, $"{(int)status} {body}");
        accepted.Add((id, text));
        var type = "";
        while (await lines.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && type == "message.delivered" && line.Contains($"\"{id}\"", StringComparison.Ordinal))
            {
                return clock.Elapsed;
            }
        }

        throw new InvalidOperationException("The event stream ended before the message was delivered.");
    }

    private Task DrainedAsync(Dictionary<string, List<(string Id, string Text)>> accepted)
    {
        var snapshot = accepted.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<(string, string)>)kv.Value.ToList());
        return Polling.UntilAsync(
            () => emulator.Control.GetConversationsAsync(),
            all => DeliveryAudit.Missing(snapshot, all) == 0,
            TimeSpan.FromSeconds(60),
            all => $"{DeliveryAudit.Missing(snapshot, all)} accepted messages not at Genesys yet",
            TimeSpan.FromMilliseconds(250));
    }

    private bool Report(ApiProcess first, ApiProcess second)
    {
        _report.Line($"replicas: last output of the first API process:{Environment.NewLine}{first.RecentOutput}");
        _report.Line($"replicas: last output of the second API process:{Environment.NewLine}{second.RecentOutput}");
        return false;
    }
}
