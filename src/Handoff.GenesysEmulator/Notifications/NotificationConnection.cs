using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Handoff.GenesysEmulator.Notifications;

/// <summary>
/// One WebSocket of a notification channel. Frames go through an outbox drained by a single send loop (a WebSocket allows
/// one send at a time); a receive loop answers <c>{"message":"ping"}</c>; a timer sends heartbeats and closes the socket
/// when the channel expires.
/// </summary>
internal sealed partial class NotificationConnection
{
    /// <summary>How long the client gets to answer a close frame before the connection is cut.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions PingJson = new(JsonSerializerDefaults.Web);

    private readonly WebSocket _socket;
    private readonly HttpContext _context;
    private readonly NotificationHub _hub;
    private readonly TimeSpan _heartbeatInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly string _heartbeat;
    private readonly string _pong;
    private int _aborted;

    public NotificationConnection(
        string channelId,
        WebSocket socket,
        HttpContext context,
        NotificationHub hub,
        TimeSpan heartbeatInterval,
        TimeProvider time,
        JsonSerializerOptions serializer,
        ILogger logger)
    {
        ChannelId = channelId;
        _socket = socket;
        _context = context;
        _hub = hub;
        _heartbeatInterval = heartbeatInterval;
        _time = time;
        _logger = logger;
        ConnectedAt = time.GetUtcNow();
        _heartbeat = MetadataFrame(ChannelMetadataBody.Heartbeat, serializer);
        _pong = MetadataFrame(ChannelMetadataBody.Pong, serializer);
    }

    public string ChannelId { get; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Queues a detail-event frame; false once the connection is closing.</summary>
    public bool TryEnqueueEvent(string frame) => _outbox.Writer.TryWrite(new Outgoing(frame, IsEvent: true));

    /// <summary>Queues a system or metadata frame.</summary>
    public bool TryEnqueueControl(string frame) => _outbox.Writer.TryWrite(new Outgoing(frame, IsEvent: false));

    /// <summary>Sends a close frame after everything already queued; nothing is sent after it.</summary>
    public void Close(WebSocketCloseStatus status, string description)
    {
        if (_outbox.Writer.TryWrite(new Outgoing(null, IsEvent: false, status, description)))
        {
            _outbox.Writer.TryComplete();
        }
    }

    /// <summary>Closes the socket after <paramref name="delay"/>, unless it ended earlier.</summary>
    public void CloseAfter(TimeSpan delay, WebSocketCloseStatus status, string description) =>
        _ = CloseLaterAsync(delay, status, description);

    /// <summary>Cuts the connection with no close frame.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 1)
        {
            return;
        }

        _outbox.Writer.TryComplete();

        // The connection may be finishing on its own at this very moment (its request ended, its token source disposed):
        // aborting what is already gone is not an error.
        foreach (var step in new Action[] { _socket.Abort, _context.Abort, _stop.Cancel })
        {
            try
            {
                step();
            }
            catch (ObjectDisposedException)
            {
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>Runs the connection until the socket closes or is aborted.</summary>
    public async Task RunAsync(CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stop.Token);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(linked.Token);
        var sending = SendLoopAsync(linked.Token);
        var ticking = TimerLoopAsync(timer.Token);
        try
        {
            await ReceiveLoopAsync(linked.Token);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            LogReceiveEnded(_logger, ChannelId, exception.Message);
        }
        finally
        {
            // The client closed or vanished: stop the timer, give the send loop a moment to finish its close, then stop it.
            await timer.CancelAsync();
            await ticking.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _outbox.Writer.TryComplete();
            using (var grace = new CancellationTokenSource(CloseHandshakeTimeout, _time))
            {
                await sending.WaitAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await _stop.CancelAsync();
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _hub.EventsLost(ChannelId, CountUnsentEvents());
            _hub.Detach(this);
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            using var message = new MemoryStream();
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    // Answer the client's close (if we did not start it) and stop.
                    Close(WebSocketCloseStatus.NormalClosure, "closed by the client");
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text && IsPing(message.GetBuffer().AsSpan(0, (int)message.Length)))
                {
                    TryEnqueueControl(_pong);
                }

                message.SetLength(0);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendLoopAsync(CancellationToken token)
    {
        try
        {
            await foreach (var item in _outbox.Reader.ReadAllAsync(token))
            {
                if (item.Text is null)
                {
                    if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(item.CloseStatus, item.CloseDescription, token);
                    }

                    CloseOnTimeout();
                    return;
                }

                if (_socket.State != WebSocketState.Open)
                {
                    return;
                }

                await _socket.SendAsync(Encoding.UTF8.GetBytes(item.Text), WebSocketMessageType.Text, endOfMessage: true, token);
                if (item.IsEvent)
                {
                    _hub.EventSent(ChannelId);
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            LogSendEnded(_logger, ChannelId, exception.Message);
        }
    }

    /// <summary>Heartbeats every interval; closes the socket when the channel expires or disappears.</summary>
    private async Task TimerLoopAsync(CancellationToken token)
    {
        try
        {
            var nextHeartbeat = _time.GetUtcNow() + _heartbeatInterval;
            while (!token.IsCancellationRequested)
            {
                var now = _time.GetUtcNow();
                if (_hub.ExpiresOf(ChannelId) is not { } expires || expires <= now)
                {
                    Close(WebSocketCloseStatus.NormalClosure, "channel expired");
                    return;
                }

                if (nextHeartbeat <= now)
                {
                    TryEnqueueControl(_heartbeat);
                    nextHeartbeat = now + _heartbeatInterval;
                }

                var wait = Min(nextHeartbeat - now, expires - now);
                await Task.Delay(wait, _time, token);
            }
        }
        catch (OperationCanceledException)
        {
            // The connection ended.
        }
    }

    private async Task CloseLaterAsync(TimeSpan delay, WebSocketCloseStatus status, string description)
    {
        try
        {
            await Task.Delay(delay, _time, _stop.Token);
            Close(status, description);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // The connection ended before the delay.
        }
    }

    /// <summary>After our close frame, the client should answer; if it does not, cut the connection.</summary>
    private void CloseOnTimeout() => _ = AbortLaterAsync();

    private async Task AbortLaterAsync()
    {
        try
        {
            await Task.Delay(CloseHandshakeTimeout, _time, _stop.Token);
            Abort();
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // The client answered the close.
        }
    }

    private int CountUnsentEvents()
    {
        var count = 0;
        while (_outbox.Reader.TryRead(out var item))
        {
            if (item.IsEvent)
            {
                count++;
            }
        }

        return count;
    }

    private static bool IsPing(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var frame = JsonSerializer.Deserialize<ClientFrame>(utf8, PingJson);
            return string.Equals(frame?.Message, "ping", StringComparison.OrdinalIgnoreCase);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string MetadataFrame(string message, JsonSerializerOptions serializer) => JsonSerializer.Serialize(
        new NotificationFrame(NotificationFrame.MetadataTopic, Version: null, new ChannelMetadataBody(message), Metadata: null),
        serializer);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket of channel {ChannelId} stopped receiving: {Reason}")]
    private static partial void LogReceiveEnded(ILogger logger, string channelId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket of channel {ChannelId} stopped sending: {Reason}")]
    private static partial void LogSendEnded(ILogger logger, string channelId, string reason);

    /// <param name="Text">The frame; null for a close request.</param>
    private sealed record Outgoing(
        string? Text,
        bool IsEvent,
        WebSocketCloseStatus CloseStatus = WebSocketCloseStatus.NormalClosure,
        string? CloseDescription = null);
}
