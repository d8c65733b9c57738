using Handoff.Core.Channels;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.Api.Apis;

/// <summary><c>GET /v1/channels</c>: the channel plugins discovered at start-up and their queues.</summary>
public static class ChannelsApi
{
    public static RouteGroupBuilder MapChannelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/channels").WithTags("Channels");
        group.MapGet("/", ListChannels)
            .WithName("ListChannels")
            .WithSummary("The installed channels and their configured queues.");
        return group;
    }

    public static Ok<ChannelResponse[]> ListChannels(ChannelRegistry channels) =>
        TypedResults.Ok(channels.All
            .Select(a => new ChannelResponse(a.Channel, a.Queues.OrderBy(q => q, StringComparer.OrdinalIgnoreCase).ToArray()))
            .ToArray());
}
