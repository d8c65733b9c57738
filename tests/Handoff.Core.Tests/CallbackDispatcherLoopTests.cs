using System.Collections.Concurrent;
using System.Net;
using Handoff.Core.Dispatch;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Handoff.Core.Tests;

/// <summary>
/// The callback dispatcher as it runs in the host: one stream per handoff, each event posted once and in order, and more
/// handoffs posted for at once while the bot platforms keep up (<see cref="DeliveryConcurrency"/>).
/// </summary>
public sealed class CallbackDispatcherLoopTests : IDisposable
{
    private const int Handoffs = 12;
    private const int AgentMessagesEach = 6;
    private readonly TestData.TempStore _db = new();
    private readonly CountingBot _bot = new();

    public void Dispose() => _db.Dispose();

    [Theory]
    [InlineData(null, false)] // the default ceiling: 8 × Concurrency
    [InlineData(2, false)] // fixed
    [InlineData(null, true)] // every event's first POST is answered 503 (retried after BaseDelay)
    public async Task Each_event_is_posted_once_in_order_with_more_handoffs_at_once_while_the_bot_platform_keeps_up(int? maxConcurrency, bool failFirst)
    {
        _bot.Latency = TimeSpan.FromMilliseconds(20);
        _bot.FailFirstAttempt = failFirst;
        var ids = new List<string>();
        for (var i = 0; i < Handoffs; i++)
        {
            var h = TestData.Handoff(user: $"user-{i}") with { CallbackUrl = $"https://bot.example.org/hooks/{i}" };
            await _db.Store.CreateAsync(h, TestData.Start(h), null, CancellationToken.None);
            for (var m = 0; m < AgentMessagesEach; m++)
            {
                var messageId = $"g-{i}-{m}";
                await _db.Store.UpdateAsync(h.Id, x => new HandoffUpdate(HandoffTransitions.AgentMessage(x, messageId, $"hello {m}", "Ana", null, DateTimeOffset.UtcNow)), null, CancellationToken.None);
            }

            ids.Add(h.Id);
        }

        var expected = new Dictionary<string, List<long>>();
        foreach (var id in ids)
        {
            expected[id] = [.. (await _db.Store.GetEventsAsync(id, 0, 100, CancellationToken.None)).Select(e => e.Seq)];
        }

        using var dispatcher = new CallbackDispatcher(_db.Store, _db.Signals, _bot,
            new FixedOptionsMonitor<CallbackOptions>(new CallbackOptions
            {
                CallbackSecrets = new(StringComparer.OrdinalIgnoreCase) { ["bot"] = "callback-secret-0123456789" },
                Callbacks = new CallbackDeliveryOptions
                {
                    Concurrency = 2, MaxConcurrency = maxConcurrency, BaseDelay = TimeSpan.FromMilliseconds(20), PollInterval = TimeSpan.FromMinutes(10),
                },
            }),
            TimeProvider.System, NullLogger<CallbackDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            var total = expected.Values.Sum(seqs => seqs.Count);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (_bot.Accepted.Count < total)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{_bot.Accepted.Count} of {total} callbacks accepted in time");
                await Task.Delay(20);
            }

            await Task.Delay(200); // anything posted twice would show up now
        }
        finally
        {
            await dispatcher.StopAsync(CancellationToken.None);
        }

        foreach (var (id, seqs) in expected)
        {
            var url = $"https://bot.example.org/hooks/{ids.IndexOf(id)}";
            Assert.Equal(seqs, _bot.Accepted.Where(a => a.Url == url).Select(a => a.Seq));
        }

        if (maxConcurrency is not null)
        {
            Assert.Equal(2, _bot.MostInFlight);
        }
        else if (!failFirst) // with a failure before every success the limit goes up and down; order and once are what count
        {
            Assert.InRange(_bot.MostInFlight, 3, Handoffs);
        }

        if (failFirst)
        {
            Assert.Equal(expected.Values.Sum(seqs => seqs.Count), _bot.Refused); // every event was refused once, then retried
        }
    }

    /// <summary>A bot platform that takes <see cref="Latency"/> per POST and records what it accepted, in order.</summary>
    private sealed class CountingBot : HttpMessageHandler, IHttpClientFactory
    {
        private readonly ConcurrentQueue<(string Url, long Seq)> _accepted = new();
        private readonly ConcurrentDictionary<long, byte> _failedOnce = new();
        private int _inFlight;
        private int _mostInFlight;

        public TimeSpan Latency { get; set; }

        public bool FailFirstAttempt { get; set; }

        public IReadOnlyList<(string Url, long Seq)> Accepted => [.. _accepted];

        public int MostInFlight => Volatile.Read(ref _mostInFlight);

        public int Refused => _failedOnce.Count;

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var inFlight = Interlocked.Increment(ref _inFlight);
            try
            {
                for (var most = Volatile.Read(ref _mostInFlight); inFlight > most; most = Volatile.Read(ref _mostInFlight))
                {
                    Interlocked.CompareExchange(ref _mostInFlight, inFlight, most);
                }

                await Task.Delay(Latency, cancellationToken);
                var seq = long.Parse(request.Headers.GetValues(CallbackSigner.EventIdHeader).Single(), System.Globalization.CultureInfo.InvariantCulture);
                if (FailFirstAttempt && _failedOnce.TryAdd(seq, 0))
                {
                    return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
                }

                _accepted.Enqueue((request.RequestUri!.ToString(), seq));
                return new HttpResponseMessage(HttpStatusCode.OK);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
