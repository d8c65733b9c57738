using Handoff.Channels;
using Handoff.Core.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Handoff.Api.Apis;

/// <summary><c>GET /v1/queues/{name}/availability</c>: agents on a queue and the expected wait, asked of the contact center live.</summary>
public static class QueuesApi
{
    public static RouteGroupBuilder MapQueuesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/queues").WithTags("Queues");
        group.MapGet("/{name}/availability", GetAvailability)
            .WithName("GetQueueAvailability")
            .WithSummary("Agents on the queue, idle agents and the estimated wait, from the contact center (optional ?channel= when several channels have the queue).");
        return group;
    }

    /// <returns>
    /// 200 the figures; 404 no channel has the queue; 409 several channels have it and none was named; 501 the channel cannot
    /// report it for this queue (the detail names the setting); 502 the contact center could not be asked or refused.
    /// </returns>
    public static async Task<Results<Ok<QueueAvailabilityResponse>, NotFound<ProblemDetails>, Conflict<ProblemDetails>, ProblemHttpResult>> GetAvailability(
        string name, string? channel, ChannelRegistry channels, CancellationToken cancellationToken)
    {
        var candidates = channels.All
            .Where(a => channel is null || string.Equals(a.Channel, channel, StringComparison.OrdinalIgnoreCase))
            .Select(a => (Adapter: a, Queue: ChannelRegistry.ResolveQueue(a, name)))
            .Where(c => c.Queue is not null)
            .ToList();

        if (candidates.Count == 0)
        {
            return TypedResults.NotFound(Problem(StatusCodes.Status404NotFound, "Unknown queue",
                channel is null
                    ? $"No channel has a queue named '{name}'. GET /v1/channels lists them."
                    : $"Channel '{channel}' has no queue named '{name}'. GET /v1/channels lists them."));
        }

        if (candidates.Count > 1)
        {
            return TypedResults.Conflict(Problem(StatusCodes.Status409Conflict, "Ambiguous queue",
                $"Queue '{name}' exists on channels {string.Join(", ", candidates.Select(c => c.Adapter.Channel))}; add ?channel=<name>."));
        }

        var (adapter, queue) = candidates[0];
        var result = await adapter.GetQueueAvailabilityAsync(queue!, cancellationToken);
        return result.Status switch
        {
            QueueAvailabilityStatus.Available when result.Availability is { } a =>
                TypedResults.Ok(new QueueAvailabilityResponse(queue!, adapter.Channel, a.AgentsOnQueue, a.AgentsIdle, a.EstimatedWaitSeconds)),
            QueueAvailabilityStatus.NotConfigured => TypedResults.Problem(
                title: "Availability not configured", detail: result.Reason, statusCode: StatusCodes.Status501NotImplemented,
                type: "https://tools.ietf.org/html/rfc9110#section-15.6.2"),
            _ => TypedResults.Problem(
                title: "Contact center unavailable", detail: result.Reason, statusCode: StatusCodes.Status502BadGateway,
                type: "https://tools.ietf.org/html/rfc9110#section-15.6.3"),
        };
    }

    private static ProblemDetails Problem(int status, string title, string detail) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Type = status == StatusCodes.Status404NotFound ? "https://tools.ietf.org/html/rfc9110#section-15.5.5" : "https://tools.ietf.org/html/rfc9110#section-15.5.10",
    };
}
