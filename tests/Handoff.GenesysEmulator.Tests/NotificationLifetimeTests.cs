using System.Net;
using System.Net.WebSockets;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>An emulator whose sockets send a heartbeat every 200 ms.</summary>
public sealed class FastHeartbeatEmulatorFixture : GenesysEmulatorFixture
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    protected override void Configure(IDictionary<string, string?> settings) =>
        settings["Emulator:Notifications:HeartbeatInterval"] = "00:00:00.200";
}

/// <summary>Heartbeats (fact sheet §11.2), on a short configured interval.</summary>
public sealed class NotificationHeartbeatTests(FastHeartbeatEmulatorFixture emulator) : IClassFixture<FastHeartbeatEmulatorFixture>
{
    [Fact]
    public async Task An_idle_socket_receives_the_exact_heartbeat_frame_on_every_interval()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, connectUri) = await api.CreateChannelAsync();
        await using var socket = await NotificationSocket.ConnectAsync(connectUri);
        var started = DateTimeOffset.UtcNow;

        var first = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));
        var second = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));
        var third = await socket.ReceiveAsync(TimeSpan.FromSeconds(5));

        const string heartbeat = """{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}""";
        Assert.Equal(heartbeat, first.GetRawText());
        Assert.Equal(heartbeat, second.GetRawText());
        Assert.Equal(heartbeat, third.GetRawText());
        Assert.True(DateTimeOffset.UtcNow - started >= 2 * FastHeartbeatEmulatorFixture.Interval, "Heartbeats came faster than the interval.");
    }
}

/// <summary>An emulator on a fake clock, with 1-hour channels.</summary>
public sealed class FakeClockNotificationsFixture : GenesysEmulatorFixture
{
    public static readonly TimeSpan ChannelLifetime = TimeSpan.FromHours(1);

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.Zero));

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Emulator:Notifications:ChannelLifetime"] = "01:00:00";
        settings["Emulator:TokenLifetimeSeconds"] = "172800";
    }

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

/// <summary>Channel expiry (fact sheet §11.1): 404 once expired, kept alive by subscribing, sockets closed.</summary>
public sealed class NotificationExpiryTests(FakeClockNotificationsFixture emulator) : IClassFixture<FakeClockNotificationsFixture>
{
    [Fact]
    public async Task A_channel_expires_after_its_lifetime_and_then_answers_404_everywhere()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, connectUri) = await api.CreateChannelAsync();

        emulator.Clock.Advance(FakeClockNotificationsFixture.ChannelLifetime - TimeSpan.FromSeconds(1));
        using var stillAlive = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{channelId}");
        emulator.Clock.Advance(TimeSpan.FromSeconds(2));
        using var expired = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{channelId}");
        using var subscribe = await api.PostAsync(GenesysApi.SubscriptionsPath(channelId), GenesysApi.Topics("x"));
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(connectUri, CancellationToken.None));

        Assert.Equal(HttpStatusCode.OK, stillAlive.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        await GenesysAssert.ErrorAsync(subscribe, HttpStatusCode.NotFound, "not.found");
        Assert.Equal(HttpStatusCode.NotFound, client.HttpStatusCode);
        Assert.DoesNotContain((await emulator.Control.GetNotificationsAsync()).Channels, c => c.Id == channelId);
    }

    [Fact]
    public async Task Subscribing_again_keeps_a_channel_alive()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, _) = await api.CreateChannelAsync();

        emulator.Clock.Advance(TimeSpan.FromMinutes(40));
        await api.SubscribeAsync(channelId, "topic.a");
        emulator.Clock.Advance(TimeSpan.FromMinutes(40));
        using var alive = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{channelId}");
        emulator.Clock.Advance(TimeSpan.FromMinutes(21));
        using var gone = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{channelId}");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task The_socket_of_an_expiring_channel_is_closed()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (_, connectUri) = await api.CreateChannelAsync();
        await using var socket = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);
        await socket.SendTextAsync("""{"message":"ping"}""");
        await socket.ReceiveAsync(); // the pong: the connection's timers are running on the fake clock now

        emulator.Clock.Advance(FakeClockNotificationsFixture.ChannelLifetime + TimeSpan.FromSeconds(1));

        await socket.WaitForEndAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("channel expired", socket.CloseDescription);
    }
}

/// <summary>An emulator allowing two channels per client.</summary>
public sealed class TwoChannelsEmulatorFixture : GenesysEmulatorFixture
{
    protected override void Configure(IDictionary<string, string?> settings) =>
        settings["Emulator:Notifications:MaxChannels"] = "2";
}

/// <summary>The channel limit (fact sheet §11.1): one channel too many evicts the least recently used, unconnected first.</summary>
public sealed class NotificationChannelLimitTests(TwoChannelsEmulatorFixture emulator) : IClassFixture<TwoChannelsEmulatorFixture>
{
    [Fact]
    public async Task A_channel_beyond_the_limit_evicts_an_unconnected_one_first_then_the_least_recently_used()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (connected, connectUri) = await api.CreateChannelAsync();
        await using var socket = await NotificationSocket.ConnectAsync(connectUri, emulator.Control);
        var (idle, _) = await api.CreateChannelAsync();

        var (newest, _) = await api.CreateChannelAsync();

        using var idleHead = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{idle}");
        using var connectedHead = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{connected}");
        using var newestHead = await api.HeadAsync($"{GenesysApi.NotificationChannelsPath}/{newest}");
        Assert.Equal(HttpStatusCode.NotFound, idleHead.StatusCode);
        Assert.Equal(HttpStatusCode.OK, connectedHead.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newestHead.StatusCode);
        Assert.Equal(WebSocketState.Open, socket.State);

        // With every channel connected, the least recently used connected one goes, and its socket is closed.
        await using var newestSocket = await NotificationSocket.ConnectAsync(
            new Uri(emulator.StreamingAddress, $"channels/{newest}"), emulator.Control);
        var (last, _) = await api.CreateChannelAsync();

        await socket.WaitForEndAsync();
        Assert.Equal("channel evicted", socket.CloseDescription);
        Assert.Equal(WebSocketState.Open, newestSocket.State);
        var channels = (await emulator.Control.GetNotificationsAsync()).Channels.Select(c => c.Id).ToList();
        Assert.Equal([newest, last], channels);
    }
}
