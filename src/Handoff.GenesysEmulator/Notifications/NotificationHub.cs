using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Handoff.GenesysEmulator.State;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Handoff.GenesysEmulator.Notifications;

internal enum SubscriptionMode
{
    Add,
    Replace,
    Clear,
}

internal enum SubscriptionStatus
{
    Ok,
    ChannelNotFound,
    TooManyTopics,
}

/// <summary>A read-only copy of one notification channel.</summary>
internal sealed record NotificationChannelSnapshot(
    string Id,
    Uri ConnectUri,
    DateTimeOffset CreatedAt,
    DateTimeOffset Expires,
    IReadOnlyList<string> Topics,
    bool Connected,
    DateTimeOffset? ConnectedAt,
    long EventsSent,
    long EventsDropped);

/// <summary>Every channel plus the totals, for the control API.</summary>
internal sealed record NotificationsSnapshot(
    IReadOnlyList<NotificationChannelSnapshot> Channels, int ConnectedSockets, long EventsSent, long EventsDropped);

/// <param name="Limit">The topic limit per channel, for the error message.</param>
internal sealed record SubscriptionResult(SubscriptionStatus Status, IReadOnlyList<string> Topics, int Limit);

/// <summary>
/// The Notifications API's state (fact sheet §11.1-11.2): channels with their topics and at most one WebSocket each.
/// Detail events are fanned out to the channels subscribed to their topic; a channel without a socket loses them, as on
/// Genesys (nothing is queued or replayed). Channels expire (a subscription extends them); the oldest unused one is
/// evicted when a client exceeds the channel limit.
/// </summary>
internal sealed partial class NotificationHub(
    IOptionsMonitor<EmulatorOptions> options,
    IOptions<JsonOptions> json,
    TimeProvider time,
    ILoggerFactory loggers) : IConversationEventSink
{
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ChannelEntry> _channels = new(StringComparer.Ordinal);
    private readonly JsonSerializerOptions _serializer = json.Value.SerializerOptions;
    private readonly ILogger _logger = loggers.CreateLogger<NotificationHub>();
    private long _sequence = -1;
    private long _sent;
    private long _dropped;

    private NotificationOptions Settings => options.CurrentValue.Notifications;

    /// <summary>Creates a channel whose socket lives under <paramref name="streamingBase"/> (<c>ws://host:port/</c>).</summary>
    public NotificationChannelSnapshot Create(Uri streamingBase)
    {
        var now = time.GetUtcNow();
        var id = $"streaming-{Interlocked.Increment(ref _sequence)}-{RandomNumberGenerator.GetString(IdAlphabet, 20)}";
        var channel = new ChannelEntry(id, new Uri(streamingBase, $"channels/{id}"), now, now + Settings.ChannelLifetime);
        List<NotificationConnection> evicted = [];
        lock (_gate)
        {
            Sweep(now, evicted);
            while (_channels.Count >= Settings.MaxChannels)
            {
                // Genesys evicts the least recently used channel, unconnected ones first.
                var victim = _channels.Values.OrderBy(c => c.Connection is not null).ThenBy(c => c.LastUsed).First();
                _channels.Remove(victim.Id);
                if (victim.Connection is { } connection)
                {
                    evicted.Add(connection);
                }

                LogChannelEvicted(_logger, victim.Id);
            }

            _channels[id] = channel;
        }

        CloseAll(evicted, "channel evicted");
        LogChannelCreated(_logger, id);
        return channel.Snapshot();
    }

    /// <summary>The channel, or null when it never existed, expired or was evicted.</summary>
    public NotificationChannelSnapshot? Find(string channelId)
    {
        List<NotificationConnection> expired = [];
        NotificationChannelSnapshot? found;
        lock (_gate)
        {
            Sweep(time.GetUtcNow(), expired);
            found = _channels.GetValueOrDefault(channelId)?.Snapshot();
        }

        CloseAll(expired, "channel expired");
        return found;
    }

    public IReadOnlyList<NotificationChannelSnapshot> GetAll() => Snapshot().Channels;

    /// <summary>When the channel expires; null once it is gone.</summary>
    public DateTimeOffset? ExpiresOf(string channelId)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(channelId, out var channel) ? channel.Expires : null;
        }
    }

    /// <summary>Changes the channel's topics: add to them, replace them, or clear them. Subscribing keeps the channel alive.</summary>
    public SubscriptionResult Subscribe(string channelId, IReadOnlyList<string> topics, SubscriptionMode mode)
    {
        var now = time.GetUtcNow();
        List<NotificationConnection> expired = [];
        SubscriptionResult result;
        lock (_gate)
        {
            Sweep(now, expired);
            if (!_channels.TryGetValue(channelId, out var channel))
            {
                result = new SubscriptionResult(SubscriptionStatus.ChannelNotFound, [], Settings.MaxTopicsPerChannel);
            }
            else
            {
                var next = mode switch
                {
                    SubscriptionMode.Add => channel.Topics.Concat(topics),
                    SubscriptionMode.Replace => topics,
                    _ => [],
                };
                var distinct = next.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                if (distinct.Count > Settings.MaxTopicsPerChannel)
                {
                    result = new SubscriptionResult(SubscriptionStatus.TooManyTopics, channel.Topics, Settings.MaxTopicsPerChannel);
                }
                else
                {
                    channel.SetTopics(distinct);
                    channel.LastUsed = now;
                    if (mode != SubscriptionMode.Clear)
                    {
                        channel.Expires = now + Settings.ChannelLifetime;
                    }

                    result = new SubscriptionResult(SubscriptionStatus.Ok, channel.Topics, Settings.MaxTopicsPerChannel);
                }
            }
        }

        CloseAll(expired, "channel expired");
        return result;
    }

    /// <summary>The channel's topics; null when the channel is gone.</summary>
    public IReadOnlyList<string>? GetTopics(string channelId) => Find(channelId)?.Topics;

    /// <summary>Sends each event to every channel subscribed to its topic; channels with no socket lose it.</summary>
    public void Publish(IReadOnlyList<DetailEvent> events)
    {
        foreach (var detail in events)
        {
            var frame = JsonSerializer.Serialize(
                new NotificationFrame(
                    detail.Topic,
                    NotificationFrame.CurrentVersion,
                    detail.Body,
                    new NotificationMetadata(Guid.NewGuid().ToString())),
                _serializer);
            lock (_gate)
            {
                var now = time.GetUtcNow();
                foreach (var channel in _channels.Values)
                {
                    if (channel.Expires <= now || !channel.Matches(detail.Topic))
                    {
                        continue;
                    }

                    if (channel.Connection is not { } connection || !connection.TryEnqueueEvent(frame))
                    {
                        channel.EventsDropped++;
                        _dropped++;
                        LogEventDropped(_logger, detail.Topic, channel.Id);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="socket"/> the channel's connection, closing the previous one (one socket per channel).
    /// Null when the channel is gone.
    /// </summary>
    public NotificationConnection? Attach(string channelId, WebSocket socket, HttpContext context)
    {
        NotificationConnection? replaced;
        NotificationConnection connection;
        lock (_gate)
        {
            if (!_channels.TryGetValue(channelId, out var channel) || channel.Expires <= time.GetUtcNow())
            {
                return null;
            }

            replaced = channel.Connection;
            connection = new NotificationConnection(
                channelId, socket, context, this, Settings.HeartbeatInterval, time, _serializer, loggers.CreateLogger<NotificationConnection>());
            channel.Connection = connection;
            channel.LastUsed = time.GetUtcNow();
        }

        replaced?.Close(WebSocketCloseStatus.NormalClosure, "another connection replaced this one");
        LogSocketConnected(_logger, channelId, replaced is not null);
        return connection;
    }

    /// <summary>Forgets a connection that ended, unless another already replaced it.</summary>
    public void Detach(NotificationConnection connection)
    {
        lock (_gate)
        {
            if (_channels.TryGetValue(connection.ChannelId, out var channel) && ReferenceEquals(channel.Connection, connection))
            {
                channel.Connection = null;
            }
        }

        LogSocketDisconnected(_logger, connection.ChannelId);
    }

    /// <summary>Sends the maintenance notice to every socket, then closes each one after <paramref name="after"/>.</summary>
    public int SocketClosing(TimeSpan after)
    {
        var connections = Connections();
        foreach (var connection in connections)
        {
            var notice = JsonSerializer.Serialize(
                new NotificationFrame(
                    NotificationFrame.SocketClosingTopic,
                    NotificationFrame.CurrentVersion,
                    new SocketClosingBody("maintenance", connection.ChannelId),
                    Metadata: null),
                _serializer);
            connection.TryEnqueueControl(notice);
            connection.CloseAfter(after, WebSocketCloseStatus.EndpointUnavailable, "maintenance");
        }

        LogSocketClosing(_logger, connections.Count, after.TotalMilliseconds);
        return connections.Count;
    }

    /// <summary>Aborts every socket at once, with no close frame (a network failure).</summary>
    public int DropAll()
    {
        var connections = Connections();
        foreach (var connection in connections)
        {
            connection.Abort();
        }

        LogDropped(_logger, connections.Count);
        return connections.Count;
    }

    public NotificationsSnapshot Snapshot()
    {
        List<NotificationConnection> expired = [];
        NotificationsSnapshot snapshot;
        lock (_gate)
        {
            Sweep(time.GetUtcNow(), expired);
            var channels = _channels.Values.OrderBy(c => c.CreatedAt).Select(c => c.Snapshot()).ToList();
            snapshot = new NotificationsSnapshot(channels, channels.Count(c => c.Connected), _sent, _dropped);
        }

        CloseAll(expired, "channel expired");
        return snapshot;
    }

    /// <summary>Called by a connection once an event frame went out.</summary>
    internal void EventSent(string channelId)
    {
        lock (_gate)
        {
            _sent++;
            if (_channels.TryGetValue(channelId, out var channel))
            {
                channel.EventsSent++;
            }
        }
    }

    /// <summary>Called by a connection for event frames it could not send before it ended.</summary>
    internal void EventsLost(string channelId, int count)
    {
        if (count == 0)
        {
            return;
        }

        lock (_gate)
        {
            _dropped += count;
            if (_channels.TryGetValue(channelId, out var channel))
            {
                channel.EventsDropped += count;
            }
        }
    }

    private List<NotificationConnection> Connections()
    {
        lock (_gate)
        {
            return [.. _channels.Values.Select(c => c.Connection).OfType<NotificationConnection>()];
        }
    }

    /// <summary>Removes expired channels (under the lock); their sockets are closed by the caller, outside it.</summary>
    private void Sweep(DateTimeOffset now, List<NotificationConnection> toClose)
    {
        foreach (var channel in _channels.Values.Where(c => c.Expires <= now).ToList())
        {
            _channels.Remove(channel.Id);
            if (channel.Connection is { } connection)
            {
                toClose.Add(connection);
            }

            LogChannelExpired(_logger, channel.Id);
        }
    }

    private static void CloseAll(List<NotificationConnection> connections, string reason)
    {
        foreach (var connection in connections)
        {
            connection.Close(WebSocketCloseStatus.NormalClosure, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification channel {ChannelId} created")]
    private static partial void LogChannelCreated(ILogger logger, string channelId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification channel {ChannelId} evicted (channel limit reached)")]
    private static partial void LogChannelEvicted(ILogger logger, string channelId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification channel {ChannelId} expired")]
    private static partial void LogChannelExpired(ILogger logger, string channelId);

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket connected to channel {ChannelId} (replaced another: {Replaced})")]
    private static partial void LogSocketConnected(ILogger logger, string channelId, bool replaced);

    [LoggerMessage(Level = LogLevel.Information, Message = "WebSocket of channel {ChannelId} ended")]
    private static partial void LogSocketDisconnected(ILogger logger, string channelId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event {Topic} dropped: channel {ChannelId} has no socket")]
    private static partial void LogEventDropped(ILogger logger, string topic, string channelId);

    [LoggerMessage(Level = LogLevel.Information, Message = "socket_closing sent to {Count} socket(s); closing them in {AfterMs} ms")]
    private static partial void LogSocketClosing(ILogger logger, int count, double afterMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped {Count} socket(s) without a close frame")]
    private static partial void LogDropped(ILogger logger, int count);

    private sealed class ChannelEntry(string id, Uri connectUri, DateTimeOffset createdAt, DateTimeOffset expires)
    {
        private HashSet<string> _matches = new(StringComparer.OrdinalIgnoreCase);

        public string Id { get; } = id;
        public Uri ConnectUri { get; } = connectUri;
        public DateTimeOffset CreatedAt { get; } = createdAt;
        public DateTimeOffset Expires { get; set; } = expires;
        public DateTimeOffset LastUsed { get; set; } = createdAt;
        public IReadOnlyList<string> Topics { get; private set; } = [];
        public NotificationConnection? Connection { get; set; }
        public long EventsSent { get; set; }
        public long EventsDropped { get; set; }

        /// <summary>
        /// Sets the topics. A combined topic <c>prefix?a&amp;b</c> counts as one and matches <c>prefix.a</c> and
        /// <c>prefix.b</c> (fact sheet §11.1).
        /// </summary>
        public void SetTopics(IReadOnlyList<string> topics)
        {
            Topics = topics;
            var matches = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var topic in topics)
            {
                var query = topic.IndexOf('?', StringComparison.Ordinal);
                if (query < 0)
                {
                    matches.Add(topic);
                    continue;
                }

                var prefix = topic[..query];
                foreach (var suffix in topic[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    matches.Add($"{prefix}.{suffix}");
                }
            }

            _matches = matches;
        }

        public bool Matches(string topic) => _matches.Contains(topic);

        public NotificationChannelSnapshot Snapshot() => new(
            Id, ConnectUri, CreatedAt, Expires, Topics, Connection is not null, Connection?.ConnectedAt, EventsSent, EventsDropped);
    }
}
