using System.Collections.Concurrent;
using Handoff.Channels;

namespace Handoff.Core.Tests;

/// <summary>Records each call as "handoffId:what"; a message can be made to hang until released.</summary>
internal sealed class RecordingAdapter : IChannelAdapter
{
    private readonly ConcurrentQueue<string> _calls = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _hanging = new();

    public string Channel => "fake";

    /// <summary>Where the calls of several adapters are recorded as well, in the order they happened across all of them.</summary>
    public ConcurrentQueue<string>? AlsoRecordTo { get; init; }

    private void Record(string call)
    {
        _calls.Enqueue(call);
        AlsoRecordTo?.Enqueue(call);
    }

    public IReadOnlyCollection<string> Queues => ["Support"];

    private readonly ConcurrentDictionary<string, byte> _failOnce = new();

    public void Hang(string messageId) => _hanging[messageId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The first attempt of this message is a transient failure (retried after the outbox's backoff).</summary>
    public void FailOnce(string messageId) => _failOnce[messageId] = 0;

    /// <summary>Messages are accepted with <see cref="DeliveryResult.Throttled"/> set.</summary>
    public bool Throttled { get; set; }

    /// <summary>How long each message takes to be accepted.</summary>
    public TimeSpan MessageLatency { get; set; }

    private int _messagesInFlight;
    private int _mostMessagesInFlight;

    /// <summary>The most <see cref="SendMessageAsync"/> calls that were running at once.</summary>
    public int MostMessagesInFlight => Volatile.Read(ref _mostMessagesInFlight);

    public bool IsHanging(string messageId) => _hanging.TryGetValue(messageId, out var gate) && !gate.Task.IsCompleted;

    public void ReleaseAll()
    {
        foreach (var gate in _hanging.Values)
        {
            gate.TrySetResult();
        }
    }

    public List<string> CallsOf(string handoffId) =>
        [.. _calls.Where(c => c.StartsWith(handoffId + ":", StringComparison.Ordinal)).Select(c => c[(handoffId.Length + 1)..])];

    /// <param name="describe">What the failure message says instead of the last 20 calls.</param>
    public async Task WaitForAsync(Func<IReadOnlyCollection<string>, bool> condition, TimeSpan timeout, Func<string>? describe = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(_calls.ToArray()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out; {describe?.Invoke() ?? $"calls so far: {string.Join(", ", _calls.TakeLast(20))}"}");
            await Task.Delay(10);
        }
    }

    public Task<DeliveryResult> StartAsync(ChannelHandoff handoff, CancellationToken cancellationToken)
    {
        Record($"{handoff.Id}:start");
        return Task.FromResult(DeliveryResult.Ok() with { Throttled = Throttled });
    }

    public async Task<DeliveryResult> SendMessageAsync(ChannelHandoff handoff, ChannelMessage message, CancellationToken cancellationToken)
    {
        var inFlight = Interlocked.Increment(ref _messagesInFlight);
        try
        {
            for (var most = Volatile.Read(ref _mostMessagesInFlight); inFlight > most; most = Volatile.Read(ref _mostMessagesInFlight))
            {
                Interlocked.CompareExchange(ref _mostMessagesInFlight, inFlight, most);
            }

            if (MessageLatency > TimeSpan.Zero)
            {
                await Task.Delay(MessageLatency, cancellationToken);
            }

            return await SendAsync(handoff, message, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _messagesInFlight);
        }
    }

    private async Task<DeliveryResult> SendAsync(ChannelHandoff handoff, ChannelMessage message, CancellationToken cancellationToken)
    {
        Record($"{handoff.Id}:{message.Id}");
        if (_failOnce.TryRemove(message.Id, out _))
        {
            return DeliveryResult.Transient("busy, try again");
        }

        if (_hanging.TryGetValue(message.Id, out var gate))
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return DeliveryResult.Ok() with { Throttled = Throttled };
    }

    public Task<DeliveryResult> SendTypingAsync(ChannelHandoff handoff, CancellationToken cancellationToken) => Task.FromResult(DeliveryResult.Ok());

    public Task<DeliveryResult> EndAsync(ChannelHandoff handoff, string? reason, CancellationToken cancellationToken) => Task.FromResult(DeliveryResult.Ok());
}
