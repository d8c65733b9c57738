using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>An <see cref="IChannelInbox"/> that records what it receives and answers a configurable result.</summary>
internal sealed class RecordingInbox(InboxResult result = InboxResult.Accepted) : IChannelInbox
{
    private readonly ConcurrentQueue<ChannelInbound> _received = new();
    private readonly SemaphoreSlim _signal = new(0);

    public IReadOnlyList<ChannelInbound> Received => _received.ToArray();

    public InboxResult Result { get; set; } = result;

    public Task<InboxResult> AcceptAsync(ChannelInbound inbound, CancellationToken cancellationToken)
    {
        _received.Enqueue(inbound);
        _signal.Release();
        return Task.FromResult(Result);
    }

    public async Task<ChannelInbound> WaitForAsync(Func<ChannelInbound, bool> predicate, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_received.FirstOrDefault(predicate) is { } match)
            {
                return match;
            }

            try
            {
                await _signal.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The inbox did not receive the expected item within {timeout}; received {_received.Count}.");
            }
        }
    }
}

internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

/// <summary>A recorded outgoing request (body read before the request is disposed).</summary>
internal sealed record StubRequest(HttpMethod Method, Uri Uri, string? Authorization, string Body);

/// <summary>Answers outgoing HTTP with a function of the request; records every request.</summary>
internal sealed class StubHttpHandler(Func<StubRequest, HttpResponseMessage> respond) : HttpMessageHandler
{
    private readonly ConcurrentQueue<StubRequest> _requests = new();

    public IReadOnlyList<StubRequest> Requests => _requests.ToArray();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        var recorded = new StubRequest(request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(), body);
        _requests.Enqueue(recorded);
        var response = respond(recorded);
        response.RequestMessage = request;
        return response;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}

/// <summary>An <see cref="IChannelHandoffDirectory"/> over a list the test fills (core's is backed by the store).</summary>
internal sealed class FakeDirectory : IChannelHandoffDirectory
{
    private readonly ConcurrentDictionary<string, ActiveChannelHandoff> _active = new();

    public void Add(ChannelHandoff handoff, ChannelHandoffStatus status = ChannelHandoffStatus.Queued) =>
        _active[handoff.Id] = new ActiveChannelHandoff(handoff, status);

    public void Remove(string handoffId) => _active.TryRemove(handoffId, out _);

    public Task<IReadOnlyList<ActiveChannelHandoff>> GetActiveAsync(string channel, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ActiveChannelHandoff>>(channel == GenesysChannel.Name ? [.. _active.Values] : []);
}
