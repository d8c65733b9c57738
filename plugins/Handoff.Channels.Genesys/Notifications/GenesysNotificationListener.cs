using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys.Notifications;

/// <summary>
/// One Genesys notification channel and its WebSocket for the whole process (section 11.1–11.2). While any conversation is
/// watched it: creates the channel (or reuses it while <c>HEAD</c> finds it), subscribes every watched conversation to
/// <c>user.end</c>, <c>user.start</c> and <c>customer.end</c> (<c>PUT</c>, the whole list, again on every change), opens the
/// socket and hands each detail event to <see cref="GenesysConversationMonitor"/>. Heartbeats keep it alive; after
/// <see cref="GenesysNotificationOptions.PingInterval"/> of silence it pings, after
/// <see cref="GenesysNotificationOptions.SilenceTimeout"/> it gives the socket up. <c>v2.system.socket_closing</c> means
/// reconnect now; a dropped socket reconnects with backoff; a channel that is gone is created again and re-subscribed.
/// Events raised while no socket was connected are lost, so every (re)connect re-decides every watched conversation.
/// </summary>
internal sealed partial class GenesysNotificationListener(
    GenesysConversationRegistry registry,
    GenesysConversationMonitor monitor,
    GenesysClientFactory clients,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider time,
    ILogger<GenesysNotificationListener> logger,
    IDispatchLock? dispatchLock = null) : BackgroundService
{
    private const int MaxFrameBytes = 1024 * 1024;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private HashSet<string> _covered = new(StringComparer.Ordinal);
    private string? _channelId;
    private Uri? _connectUri;
    private volatile bool _connected;
    private long _lastFrameTicks;
    private long _subscribedVersion = -1;
    private int _sessions;

    /// <summary>True while a socket is open and subscribed.</summary>
    public bool IsConnected => _connected;

    /// <summary>Sockets opened so far (for diagnostics and tests).</summary>
    public int Sessions => Volatile.Read(ref _sessions);

    /// <summary>Whether events of <paramref name="conversationId"/> arrive live right now (subscribed on a connected socket).</summary>
    public bool IsCovered(string conversationId)
    {
        if (!_connected)
        {
            return false;
        }

        lock (_gate)
        {
            return _covered.Contains(conversationId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Notifications.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        // One notification channel per deployment (Genesys limits channels per OAuth client), in the process holding the
        // dispatch lock, which also makes the calls that start the conversations it watches.
        if (!await dispatchLock.HoldAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (registry.Count == 0)
                {
                    var changed = registry.WaitForChangeAsync(stoppingToken);
                    if (registry.Count == 0)
                    {
                        await changed.ConfigureAwait(false);
                    }

                    continue;
                }

                var startedAt = time.GetTimestamp();
                var end = await RunSessionAsync(stoppingToken).ConfigureAwait(false);
                LogSessionEnded(logger, end);
                GenesysTelemetry.RecordSession(end switch
                {
                    SessionEnd.ChannelGone => "channel_gone",
                    _ => end.ToString().ToLowerInvariant(),
                });
                failures = end switch
                {
                    SessionEnd.Dropped or SessionEnd.Failed => failures + 1,
                    // A channel that expired after a working session is replaced at once; one that is gone again straight
                    // away (its subscriptions refused with 404 each time) backs off like a failure, or the listener would
                    // create channels against Genesys' API in a tight loop.
                    SessionEnd.ChannelGone when time.GetElapsedTime(startedAt) < options.CurrentValue.Notifications.ReconnectMaxDelay => failures + 1,
                    _ => 0,
                };
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogSessionFailed(logger, ex.Message, ex);
                failures++;
            }
            finally
            {
                _connected = false;
            }

            if (failures > 0)
            {
                try
                {
                    await Task.Delay(Backoff(failures), time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var settings = options.CurrentValue.Notifications;
        var exponential = settings.ReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = Math.Min(exponential, settings.ReconnectMaxDelay.TotalMilliseconds);
        // Up to 20 % jitter so replicas do not reconnect in step.
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.2)));
    }

    private async Task<SessionEnd> RunSessionAsync(CancellationToken stoppingToken)
    {
        var client = clients.Create();
        if (!await EnsureChannelAsync(client, stoppingToken).ConfigureAwait(false))
        {
            return SessionEnd.Failed;
        }

        var subscribed = await SubscribeAsync(client, stoppingToken).ConfigureAwait(false);
        if (subscribed != SessionEnd.None)
        {
            return subscribed;
        }

        using var socket = new ClientWebSocket();
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            connectTimeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(_connectUri!, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogConnectFailed(logger, _channelId, ex.Message);
                return SessionEnd.Failed;
            }
        }

        Interlocked.Increment(ref _sessions);
        Interlocked.Exchange(ref _lastFrameTicks, time.GetUtcNow().UtcTicks);
        _connected = true;
        LogConnected(logger, _channelId, registry.Count);

        // Anything that happened while no socket listened is lost: decide every watched conversation again.
        monitor.NotifyAll();

        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var sideEnd = SessionEnd.None;
        var side = Task.Run(async () =>
        {
            try
            {
                sideEnd = await MaintainAsync(client, socket, session.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (session.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
            {
                LogDropped(logger, _channelId, ex.Message);
                sideEnd = SessionEnd.Dropped;
            }
            catch (Exception ex)
            {
                LogSessionFailed(logger, ex.Message, ex);
                sideEnd = SessionEnd.Failed;
            }

            if (sideEnd != SessionEnd.None)
            {
                await session.CancelAsync().ConfigureAwait(false);
            }
        }, CancellationToken.None);

        SessionEnd end;
        try
        {
            end = await ReceiveAsync(socket, session.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested && sideEnd != SessionEnd.None)
        {
            end = sideEnd;
        }
        finally
        {
            _connected = false;
            await session.CancelAsync().ConfigureAwait(false);
            await side.ConfigureAwait(false);
        }

        if (end == SessionEnd.None)
        {
            end = sideEnd == SessionEnd.None ? SessionEnd.Dropped : sideEnd;
        }

        await CloseQuietlyAsync(socket).ConfigureAwait(false);
        if (end == SessionEnd.ChannelGone)
        {
            _channelId = null;
            _connectUri = null;
        }

        return end;
    }

    /// <summary>Reuses the channel while it exists, else creates one. False when Genesys could not be asked or refused.</summary>
    private async Task<bool> EnsureChannelAsync(GenesysClient client, CancellationToken cancellationToken)
    {
        if (_channelId is { } existing)
        {
            var check = await client.CheckNotificationChannelAsync(existing, cancellationToken).ConfigureAwait(false);
            if (check.IsSuccess)
            {
                return true;
            }

            if (!check.IsNotFound)
            {
                LogChannelFailed(logger, check.Reason);
                return false;
            }

            LogChannelGone(logger, existing);
            _channelId = null;
            _connectUri = null;
        }

        var created = await client.CreateNotificationChannelAsync(cancellationToken).ConfigureAwait(false);
        if (!created.IsSuccess || created.Value?.Id is not { Length: > 0 } id
            || !Uri.TryCreate(created.Value.ConnectUri, UriKind.Absolute, out var connectUri))
        {
            LogChannelFailed(logger, created.Reason ?? "the answer had no id or connectUri");
            return false;
        }

        _channelId = id;
        _connectUri = connectUri;
        LogChannelCreated(logger, id);
        return true;
    }

    /// <summary>Replaces the channel's topics with those of every watched conversation (up to the topic limit).</summary>
    private async Task<SessionEnd> SubscribeAsync(GenesysClient client, CancellationToken cancellationToken)
    {
        var version = registry.Version;
        var watched = registry.All;
        var perConversation = GenesysApi.ConversationTopicKinds.Count;
        var capacity = GenesysApi.MaxTopicsPerChannel / perConversation;
        var included = watched.Take(capacity).Select(w => w.ConversationId).ToList();
        if (watched.Count > capacity)
        {
            LogOverCapacity(logger, watched.Count, capacity);
        }

        var topics = included.SelectMany(c => GenesysApi.ConversationTopicKinds.Select(k => GenesysApi.DetailTopic(c, k))).ToList();
        var result = await client.SetSubscriptionsAsync(_channelId!, topics, cancellationToken).ConfigureAwait(false);
        if (result.IsNotFound)
        {
            LogChannelGone(logger, _channelId);
            return SessionEnd.ChannelGone;
        }

        if (!result.IsSuccess)
        {
            LogSubscribeFailed(logger, result.Reason);
            return SessionEnd.Failed;
        }

        var covered = new HashSet<string>(included, StringComparer.Ordinal);
        foreach (var rejected in result.Value?.Entities?.Where(e => string.Equals(e.State, GenesysApi.TopicRejected, StringComparison.OrdinalIgnoreCase)) ?? [])
        {
            LogTopicRejected(logger, rejected.Id, rejected.RejectionReason);
            if (ConversationOf(rejected.Id) is { } conversationId)
            {
                covered.Remove(conversationId);
            }
        }

        lock (_gate)
        {
            _covered = covered;
        }

        Interlocked.Exchange(ref _subscribedVersion, version);
        return SessionEnd.None;
    }

    /// <summary>
    /// While the socket is open: re-subscribes when the watched set changes (and now and then to keep the channel alive),
    /// pings after a quiet spell, and ends the session when nothing is watched any more.
    /// </summary>
    private async Task<SessionEnd> MaintainAsync(GenesysClient client, ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue.Notifications;
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(20).Ticks, settings.PingInterval.Ticks / 2));
        var resubscribeAt = time.GetUtcNow() + GenesysApi.ChannelResubscribeInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            var changed = registry.WaitForChangeAsync(cancellationToken);
            if (registry.Version == Interlocked.Read(ref _subscribedVersion))
            {
                await Task.WhenAny(changed, Task.Delay(tick, time, cancellationToken)).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (registry.Count == 0)
            {
                return SessionEnd.Idle;
            }

            if (registry.Version != Interlocked.Read(ref _subscribedVersion) || time.GetUtcNow() >= resubscribeAt)
            {
                resubscribeAt = time.GetUtcNow() + GenesysApi.ChannelResubscribeInterval;
                var end = await SubscribeAsync(client, cancellationToken).ConfigureAwait(false);
                if (end != SessionEnd.None)
                {
                    return end;
                }
            }

            var quiet = time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastFrameTicks), TimeSpan.Zero);
            if (quiet >= settings.PingInterval)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(GenesysApi.PingFrame), WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
            }
        }

        return SessionEnd.None;
    }

    private async Task<SessionEnd> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var silence = options.CurrentValue.Notifications.SilenceTimeout;
            using var deadline = new CancellationTokenSource(silence, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            WebSocketReceiveResult received;
            try
            {
                received = await socket.ReceiveAsync(buffer, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                LogSilent(logger, _channelId, silence);
                return SessionEnd.Dropped;
            }
            catch (WebSocketException ex)
            {
                LogDropped(logger, _channelId, ex.Message);
                return SessionEnd.Dropped;
            }

            Interlocked.Exchange(ref _lastFrameTicks, time.GetUtcNow().UtcTicks);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                LogDropped(logger, _channelId, $"closed by Genesys ({received.CloseStatus} {received.CloseStatusDescription})");
                return SessionEnd.Dropped;
            }

            message.Write(buffer, 0, received.Count);
            if (message.Length > MaxFrameBytes)
            {
                LogDropped(logger, _channelId, $"a frame larger than {MaxFrameBytes} bytes");
                return SessionEnd.Dropped;
            }

            if (!received.EndOfMessage)
            {
                continue;
            }

            var end = HandleFrame(message.GetBuffer().AsSpan(0, (int)message.Length));
            message.SetLength(0);
            if (end != SessionEnd.None)
            {
                return end;
            }
        }
    }

    /// <summary>What one frame means for the session (None: carry on).</summary>
    internal SessionEnd HandleFrame(ReadOnlySpan<byte> utf8)
    {
        NotificationFrame? frame;
        try
        {
            frame = JsonSerializer.Deserialize<NotificationFrame>(utf8, GenesysApi.Json);
        }
        catch (JsonException)
        {
            LogUnreadableFrame(logger);
            return SessionEnd.None;
        }

        if (frame is null)
        {
            return SessionEnd.None;
        }

        if (frame.Result is { Length: > 0 } result && result != "200")
        {
            // A third-party client reports {"result":"404"} for expired, evicted or token-expired channels [S].
            LogDropped(logger, _channelId, $"Genesys reported result {result}");
            return result == "404" ? SessionEnd.ChannelGone : SessionEnd.Dropped;
        }

        var topic = frame.TopicName ?? string.Empty;
        if (topic == GenesysApi.MetadataTopic)
        {
            return SessionEnd.None; // heartbeat or pong
        }

        if (topic == GenesysApi.SocketClosingTopic)
        {
            LogSocketClosing(logger, _channelId);
            return SessionEnd.Closing;
        }

        if (topic.StartsWith(GenesysApi.DetailTopicPrefix, StringComparison.Ordinal))
        {
            var conversationId = ConversationOf(topic) ?? ReadConversationId(frame.EventBody);
            if (conversationId is not null)
            {
                LogEvent(logger, topic);
                GenesysTelemetry.RecordEvent(GenesysApi.ConversationTopicKinds.FirstOrDefault(k => topic.EndsWith("." + k, StringComparison.Ordinal)) ?? "other");
                monitor.Notify(conversationId);
            }

            return SessionEnd.None;
        }

        LogOtherTopic(logger, topic);
        return SessionEnd.None;
    }

    /// <summary><c>v2.detail.events.conversation.{id}.user.end</c> → <c>{id}</c>.</summary>
    internal static string? ConversationOf(string? topic)
    {
        if (topic is null || !topic.StartsWith(GenesysApi.DetailTopicPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = topic[GenesysApi.DetailTopicPrefix.Length..];
        foreach (var kind in GenesysApi.ConversationTopicKinds)
        {
            if (rest.EndsWith("." + kind, StringComparison.Ordinal))
            {
                return rest[..^(kind.Length + 1)];
            }
        }

        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? rest[..dot] : null;
    }

    private static string? ReadConversationId(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("conversationId", out var id) && id.ValueKind == JsonValueKind.String
            ? id.GetString()
            : null;

    private static async Task CloseQuietlyAsync(ClientWebSocket socket)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    internal enum SessionEnd
    {
        /// <summary>Still running.</summary>
        None,

        /// <summary>Nothing is watched any more.</summary>
        Idle,

        /// <summary>Genesys announced maintenance: reconnect at once.</summary>
        Closing,

        /// <summary>The socket closed, failed or went silent: reconnect with backoff.</summary>
        Dropped,

        /// <summary>The channel expired or was evicted: create a new one.</summary>
        ChannelGone,

        /// <summary>Genesys could not be asked (channel, subscriptions, connect): retry with backoff.</summary>
        Failed,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys notifications are off (Channels:Genesys:Notifications:Enabled=false): endings come from triggers and periodic checks")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Genesys notification channel {ChannelId}")]
    private static partial void LogChannelCreated(ILogger logger, string channelId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys notification channel {ChannelId} is gone; creating a new one and subscribing again")]
    private static partial void LogChannelGone(ILogger logger, string? channelId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not get a Genesys notification channel: {Reason} Agent endings are detected late (periodic checks) until this works.")]
    private static partial void LogChannelFailed(ILogger logger, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not subscribe to Genesys conversation events: {Reason}")]
    private static partial void LogSubscribeFailed(ILogger logger, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys rejected the subscription to {Topic}: {RejectionReason}")]
    private static partial void LogTopicRejected(ILogger logger, string? topic, string? rejectionReason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Watched} conversations are watched but one notification channel holds {Capacity}; the rest are checked periodically")]
    private static partial void LogOverCapacity(ILogger logger, int watched, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not open the Genesys notification socket of channel {ChannelId}: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, string? channelId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys notification socket of channel {ChannelId} open; watching {Count} conversation(s)")]
    private static partial void LogConnected(ILogger logger, string? channelId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys notification socket of channel {ChannelId} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string? channelId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys notification socket of channel {ChannelId} silent for {Silence}; reconnecting")]
    private static partial void LogSilent(ILogger logger, string? channelId, TimeSpan silence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys announced socket_closing on channel {ChannelId}; reconnecting")]
    private static partial void LogSocketClosing(ILogger logger, string? channelId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Genesys notification session ended: {End}")]
    private static partial void LogSessionEnded(ILogger logger, SessionEnd end);

    [LoggerMessage(Level = LogLevel.Error, Message = "Genesys notification session failed: {Reason}")]
    private static partial void LogSessionFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Genesys event {Topic}")]
    private static partial void LogEvent(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored Genesys notification topic {Topic}")]
    private static partial void LogOtherTopic(ILogger logger, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ignored a Genesys notification frame that is not JSON")]
    private static partial void LogUnreadableFrame(ILogger logger);
}
