using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests.Infrastructure;

/// <summary>
/// A client of a notification channel's WebSocket, as an adapter would open it (<see cref="ClientWebSocket"/>, no
/// Authorization header). A background loop reads every frame, so waiting with a timeout never cancels (and so aborts)
/// the socket itself.
/// </summary>
internal sealed class NotificationSocket : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly List<JsonElement> _received = [];
    private readonly Lock _gate = new();
    private readonly Task _receiving;

    private NotificationSocket(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = ReceiveLoopAsync();
    }

    /// <summary>Completes when the server closed or cut the connection.</summary>
    public Task Completion => _receiving;

    /// <summary>The close status the server sent; null while open or when the connection was cut without one.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string? CloseDescription { get; private set; }

    /// <summary>Set when the connection ended without a close handshake.</summary>
    public Exception? Failure { get; private set; }

    public WebSocketState State => _socket.State;

    /// <summary>Every frame received so far, heartbeats included.</summary>
    public IReadOnlyList<JsonElement> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>
    /// Opens the socket. With <paramref name="control"/>, also waits until the emulator shows this connection as the
    /// channel's socket: the handshake can finish a moment before the server registers it, and events raised in between
    /// would be dropped (as Genesys drops them).
    /// </summary>
    public static async Task<NotificationSocket> ConnectAsync(
        Uri connectUri, EmulatorControlClient? control = null, CancellationToken cancellationToken = default)
    {
        var channelId = connectUri.Segments[^1];
        var previous = control is null ? null : await ConnectedAtAsync(control, channelId);
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await socket.ConnectAsync(connectUri, cancellationToken);
        var connection = new NotificationSocket(socket);
        if (control is not null)
        {
            var deadline = DateTimeOffset.UtcNow + DefaultTimeout;
            while (await ConnectedAtAsync(control, channelId) is not { } at || at == previous)
            {
                if (DateTimeOffset.UtcNow > deadline)
                {
                    throw new TimeoutException($"Channel {channelId} never showed the new socket as connected.");
                }

                await Task.Delay(10, cancellationToken);
            }
        }

        return connection;
    }

    private static async Task<DateTimeOffset?> ConnectedAtAsync(EmulatorControlClient control, string channelId) =>
        (await control.GetNotificationsAsync()).Channels.FirstOrDefault(c => c.Id == channelId)?.ConnectedAt;

    /// <summary>The next frame of any kind.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _frames.Reader.ReadAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No frame within {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s. Received so far: {Describe()}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"The socket ended ({CloseStatus?.ToString() ?? Failure?.Message}). Received: {Describe()}");
        }
    }

    /// <summary>The next frame on <paramref name="topic"/>, skipping heartbeats and other topics.</summary>
    public async Task<JsonElement> WaitForTopicAsync(string topic, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No {topic} frame in time. Received: {Describe()}");
            }

            var frame = await ReceiveAsync(left);
            if (frame.GetProperty("topicName").GetString() == topic)
            {
                return frame;
            }
        }
    }

    /// <summary>Asserts that no frame other than heartbeats arrives within <paramref name="window"/>.</summary>
    public async Task AssertNoEventAsync(TimeSpan window)
    {
        var deadline = DateTimeOffset.UtcNow + window;
        while (DateTimeOffset.UtcNow < deadline)
        {
            using var limit = new CancellationTokenSource(deadline - DateTimeOffset.UtcNow);
            try
            {
                var frame = await _frames.Reader.ReadAsync(limit.Token);
                Assert.Equal("channel.metadata", frame.GetProperty("topicName").GetString());
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>Waits for the connection to end (close or cut); fails after the timeout.</summary>
    public Task WaitForEndAsync(TimeSpan? timeout = null) => _receiving.WaitAsync(timeout ?? DefaultTimeout);

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "test done", limit.Token);
                await _receiving.WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or TimeoutException)
            {
                // The server is gone already.
            }
        }

        _socket.Abort();
        _socket.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    CloseDescription = result.CloseStatusDescription;
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }

                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var frame = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                message.SetLength(0);
                lock (_gate)
                {
                    _received.Add(frame);
                }

                _frames.Writer.TryWrite(frame);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            Failure = exception;
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    private string Describe()
    {
        var frames = Received;
        return frames.Count == 0 ? "nothing" : string.Join(" | ", frames.Select(f => f.GetRawText()));
    }
}
