using Handoff.GenesysEmulator.Genesys;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Notifications;

/// <summary>
/// The Notifications API (fact sheet §11.1): <c>/api/v2/notifications/channels…</c> (Bearer token) and the channel's
/// WebSocket at <c>/channels/{channelId}</c> (no token, as on the Genesys streaming host).
/// </summary>
internal static class NotificationsApi
{
    public const string StreamingPath = "/channels";

    public static RouteGroupBuilder MapNotifications(this RouteGroupBuilder api)
    {
        const string channels = "/notifications/channels";
        api.MapPost(channels, CreateChannel).WithTags("Genesys notifications").WithName("PostNotificationsChannels");
        api.MapGet(channels, GetChannels).WithTags("Genesys notifications");
        api.MapMethods(channels + "/{channelId}", [HttpMethods.Head], HeadChannel).WithTags("Genesys notifications");

        var subscriptions = channels + "/{channelId}/subscriptions";
        api.MapGet(subscriptions, GetSubscriptions).WithTags("Genesys notifications");
        api.MapPost(subscriptions, (string channelId, GenesysBody<List<ChannelTopicRequest>> body, NotificationHub hub) =>
            Subscribe(channelId, body, hub, SubscriptionMode.Add)).WithTags("Genesys notifications");
        api.MapPut(subscriptions, (string channelId, GenesysBody<List<ChannelTopicRequest>> body, NotificationHub hub) =>
            Subscribe(channelId, body, hub, SubscriptionMode.Replace)).WithTags("Genesys notifications");
        api.MapDelete(subscriptions, DeleteSubscriptions).WithTags("Genesys notifications");
        return api;
    }

    /// <summary>The WebSocket endpoint a channel's <c>connectUri</c> points at.</summary>
    public static IEndpointRouteBuilder MapNotificationStreaming(this IEndpointRouteBuilder routes)
    {
        routes.Map(StreamingPath + "/{channelId}", ConnectAsync).WithTags("Genesys notifications").ExcludeFromDescription();
        return routes;
    }

    /// <summary>Creates a channel (no body needed); its socket URI is on this host.</summary>
    internal static Ok<ChannelResponse> CreateChannel(HttpRequest request, NotificationHub hub)
    {
        var scheme = request.IsHttps ? "wss" : "ws";
        var channel = hub.Create(new Uri($"{scheme}://{request.Host}/"));
        return TypedResults.Ok(ToResponse(channel));
    }

    internal static Ok<EntityListing<ChannelResponse>> GetChannels(NotificationHub hub) =>
        TypedResults.Ok(new EntityListing<ChannelResponse>([.. hub.GetAll().Select(ToResponse)]));

    internal static Results<Ok, JsonHttpResult<GenesysError>> HeadChannel(string channelId, NotificationHub hub) =>
        hub.Find(channelId) is null ? ChannelNotFound(channelId) : TypedResults.Ok();

    internal static Results<Ok<EntityListing<ChannelTopicResponse>>, JsonHttpResult<GenesysError>> GetSubscriptions(
        string channelId, NotificationHub hub) =>
        hub.GetTopics(channelId) is { } topics ? TypedResults.Ok(Listing(topics)) : ChannelNotFound(channelId);

    internal static Results<Ok<EntityListing<ChannelTopicResponse>>, JsonHttpResult<GenesysError>> Subscribe(
        string channelId, GenesysBody<List<ChannelTopicRequest>> body, NotificationHub hub, SubscriptionMode mode)
    {
        if (body.Value is not { } requested)
        {
            return body.Error!;
        }

        var topics = new List<string>(requested.Count);
        foreach (var topic in requested)
        {
            if (string.IsNullOrWhiteSpace(topic?.Id))
            {
                return GenesysErrors.BadRequest("Every topic needs an id.");
            }

            topics.Add(topic.Id.Trim());
        }

        var result = hub.Subscribe(channelId, topics, mode);
        return result.Status switch
        {
            SubscriptionStatus.ChannelNotFound => ChannelNotFound(channelId),
            SubscriptionStatus.TooManyTopics => GenesysErrors.BadRequest(
                $"A channel may be subscribed to at most {result.Limit} topics."),
            _ => TypedResults.Ok(Listing(result.Topics)),
        };
    }

    /// <summary>Clears the channel's topics; the answer has no body.</summary>
    internal static Results<NoContent, JsonHttpResult<GenesysError>> DeleteSubscriptions(string channelId, NotificationHub hub) =>
        hub.Subscribe(channelId, [], SubscriptionMode.Clear).Status == SubscriptionStatus.ChannelNotFound
            ? ChannelNotFound(channelId)
            : TypedResults.NoContent();

    /// <summary>
    /// Upgrades to the channel's WebSocket. An unknown or expired channel answers 404 before any upgrade; a plain HTTP
    /// request to a live channel answers 400.
    /// </summary>
    internal static async Task ConnectAsync(string channelId, HttpContext context, NotificationHub hub)
    {
        if (hub.Find(channelId) is null)
        {
            await ChannelNotFound(channelId).ExecuteAsync(context);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await GenesysErrors.BadRequest("This endpoint only accepts WebSocket connections.").ExecuteAsync(context);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = hub.Attach(channelId, socket, context);
        if (connection is null)
        {
            // The channel expired during the handshake.
            socket.Abort();
            return;
        }

        await connection.RunAsync(context.RequestAborted);
    }

    private static ChannelResponse ToResponse(NotificationChannelSnapshot channel) =>
        new(channel.Id, channel.ConnectUri.ToString(), channel.Expires);

    private static EntityListing<ChannelTopicResponse> Listing(IReadOnlyList<string> topics) =>
        new([.. topics.Select(t => new ChannelTopicResponse(t, "Permitted"))]);

    private static JsonHttpResult<GenesysError> ChannelNotFound(string channelId) =>
        GenesysErrors.NotFound($"Notification channel {channelId} was not found or has expired.");
}

/// <summary>A notification channel (<c>Channel</c>).</summary>
internal sealed record ChannelResponse(string Id, string ConnectUri, DateTimeOffset Expires);

/// <summary>One item of a subscription request body (<c>ChannelTopic</c>; only <c>id</c> is read).</summary>
internal sealed record ChannelTopicRequest(string? Id);

/// <summary>One subscribed topic in a <c>ChannelTopicEntityListing</c>.</summary>
internal sealed record ChannelTopicResponse(string Id, string State);

/// <summary>The Genesys <c>{ entities: [...] }</c> listing.</summary>
internal sealed record EntityListing<T>(IReadOnlyList<T> Entities);
