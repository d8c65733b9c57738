using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>The Notifications API's REST side (fact sheet §11.1): channels and their subscriptions.</summary>
public sealed class NotificationsApiTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    private const string ChannelsPath = GenesysApi.NotificationChannelsPath;

    [Fact]
    public async Task Creating_a_channel_returns_an_opaque_streaming_id_a_ws_connectUri_on_this_host_and_a_24_hour_expiry()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var before = DateTimeOffset.UtcNow;

        using var response = await api.PostAsync(ChannelsPath, new JsonObject());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var channel = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["connectUri", "expires", "id"], GenesysAssert.PropertyNames(channel));
        var id = channel.GetProperty("id").GetString()!;
        Assert.Matches("^streaming-[0-9]+-[a-z0-9]{20}$", id);
        var connectUri = new Uri(channel.GetProperty("connectUri").GetString()!);
        Assert.Equal("ws", connectUri.Scheme);
        Assert.Equal(emulator.BaseAddress.Authority, connectUri.Authority);
        Assert.Equal($"/channels/{id}", connectUri.AbsolutePath);
        var expires = channel.GetProperty("expires").GetDateTimeOffset();
        Assert.InRange(expires, before.AddHours(24).AddSeconds(-5), DateTimeOffset.UtcNow.AddHours(24).AddSeconds(5));
        Assert.EndsWith("Z", channel.GetProperty("expires").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Channel_routes_need_a_bearer_token()
    {
        using var http = emulator.CreateClient();

        using var create = await http.PostAsync(ChannelsPath, null);
        using var list = await http.GetAsync(ChannelsPath);

        await GenesysAssert.ErrorAsync(create, HttpStatusCode.Unauthorized, "authentication.required");
        await GenesysAssert.ErrorAsync(list, HttpStatusCode.Unauthorized, "authentication.required");
    }

    [Fact]
    public async Task Post_adds_put_replaces_get_lists_and_delete_clears_the_subscriptions()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, _) = await api.CreateChannelAsync();
        var path = GenesysApi.SubscriptionsPath(channelId);

        var added = await api.ReadJsonAsync(api.PostAsync(path, GenesysApi.Topics("topic.a", "topic.b")));
        var addedMore = await api.ReadJsonAsync(api.PostAsync(path, GenesysApi.Topics("topic.b", "topic.c")));
        var listed = await api.ReadJsonAsync(api.GetAsync(path));
        var replaced = await api.ReadJsonAsync(api.PutAsync(path, GenesysApi.Topics("topic.z")));
        using var deleted = await api.DeleteAsync(path);
        var afterDelete = await api.ReadJsonAsync(api.GetAsync(path));

        Assert.Equal(["topic.a", "topic.b"], Ids(added));
        Assert.Equal(["topic.a", "topic.b", "topic.c"], Ids(addedMore));
        Assert.Equal(Ids(addedMore), Ids(listed));
        var entity = listed.GetProperty("entities")[0];
        Assert.Equal(["id", "state"], GenesysAssert.PropertyNames(entity));
        Assert.All(listed.GetProperty("entities").EnumerateArray(), e => Assert.Equal("Permitted", e.GetProperty("state").GetString()));
        Assert.Equal(["topic.z"], Ids(replaced));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(Ids(afterDelete));
        var seen = (await emulator.Control.GetNotificationsAsync()).Channels.Single(c => c.Id == channelId);
        Assert.Empty(seen.Topics);
    }

    [Fact]
    public async Task Unknown_channels_answer_404_with_the_Genesys_error_body_on_every_route()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var path = GenesysApi.SubscriptionsPath("streaming-0-doesnotexist");

        using var get = await api.GetAsync(path);
        using var post = await api.PostAsync(path, GenesysApi.Topics("x"));
        using var put = await api.PutAsync(path, GenesysApi.Topics("x"));
        using var delete = await api.DeleteAsync(path);
        using var head = await api.HeadAsync($"{ChannelsPath}/streaming-0-doesnotexist");

        await GenesysAssert.ErrorAsync(get, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(post, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(put, HttpStatusCode.NotFound, "not.found");
        await GenesysAssert.ErrorAsync(delete, HttpStatusCode.NotFound, "not.found");
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task Head_answers_200_for_a_live_channel_and_the_list_contains_it()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, connectUri) = await api.CreateChannelAsync();

        using var head = await api.HeadAsync($"{ChannelsPath}/{channelId}");
        var list = await api.ReadJsonAsync(api.GetAsync(ChannelsPath));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        var listed = Assert.Single(list.GetProperty("entities").EnumerateArray(), e => e.GetProperty("id").GetString() == channelId);
        Assert.Equal(connectUri.ToString(), listed.GetProperty("connectUri").GetString());
    }

    [Fact]
    public async Task More_than_1000_topics_answer_400_and_leave_the_subscriptions_unchanged()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, _) = await api.CreateChannelAsync();
        var path = GenesysApi.SubscriptionsPath(channelId);
        await api.SubscribeAsync(channelId, "keep.me");

        using var tooMany = await api.PostAsync(path, GenesysApi.Topics([.. Enumerable.Range(0, 1000).Select(i => $"topic.{i}")]));
        using var exactly = await api.PutAsync(path, GenesysApi.Topics([.. Enumerable.Range(0, 1000).Select(i => $"topic.{i}")]));

        await GenesysAssert.ErrorAsync(tooMany, HttpStatusCode.BadRequest, "bad.request");
        Assert.Equal(HttpStatusCode.OK, exactly.StatusCode);
        Assert.Equal(1000, Ids(await api.ReadJsonAsync(api.GetAsync(path))).Length);
    }

    [Fact]
    public async Task A_topic_without_an_id_or_a_body_that_is_not_an_array_answers_400()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var (channelId, _) = await api.CreateChannelAsync();
        var path = GenesysApi.SubscriptionsPath(channelId);

        using var noId = await api.PostAsync(path, new JsonArray(new JsonObject { ["name"] = "x" }));
        using var notArray = await api.PostAsync(path, new JsonObject { ["id"] = "x" });

        await GenesysAssert.ErrorAsync(noId, HttpStatusCode.BadRequest, "bad.request");
        await GenesysAssert.ErrorAsync(notArray, HttpStatusCode.BadRequest, "bad.request");
    }

    private static string[] Ids(JsonElement listing) =>
        [.. listing.GetProperty("entities").EnumerateArray().Select(e => e.GetProperty("id").GetString()!)];
}
