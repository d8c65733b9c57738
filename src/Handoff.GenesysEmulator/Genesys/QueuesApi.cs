using Handoff.GenesysEmulator.State;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>
/// Queue wait and staffing (fact sheet §11.7): <c>GET /api/v2/routing/queues/{queueId}/estimatedwaittime</c> and
/// <c>POST /api/v2/analytics/queues/observations/query</c>.
/// </summary>
internal static class QueuesApi
{
    /// <summary>Observation metrics Genesys defines; the emulator computes the first group and leaves the rest out.</summary>
    private static readonly HashSet<string> KnownMetrics = new(StringComparer.Ordinal)
    {
        "oOnQueueUsers", "oInteracting", "oWaiting", "oAlerting", "oActiveUsers", "oMemberUsers", "oOffQueueUsers",
        "oLongestInteracting", "oLongestWaiting", "oUserPresences", "oUserRoutingStatuses",
    };

    public static RouteGroupBuilder MapQueues(this RouteGroupBuilder api)
    {
        api.MapGet("/routing/queues/{queueId}/estimatedwaittime", (string queueId, QueueRegistry queues) =>
            EstimatedWaitTime(queueId, "MESSAGE", queues)).WithTags("Genesys routing").WithName("GetRoutingQueueEstimatedwaittime");
        api.MapGet("/routing/queues/{queueId}/mediatypes/{mediaType}/estimatedwaittime", (string queueId, string mediaType, QueueRegistry queues) =>
            EstimatedWaitTime(queueId, mediaType.ToUpperInvariant(), queues)).WithTags("Genesys routing");
        api.MapPost("/analytics/queues/observations/query", QueryObservations).WithTags("Genesys analytics").WithName("PostAnalyticsQueuesObservationsQuery");
        return api;
    }

    internal static Results<Ok<EstimatedWaitTimeResponse>, JsonHttpResult<GenesysError>> EstimatedWaitTime(
        string queueId, string intent, QueueRegistry queues) =>
        queues.Find(queueId) is { } queue
            ? TypedResults.Ok(new EstimatedWaitTimeResponse([new WaitTimePrediction(intent, "BEST", queue.EstimatedWaitSeconds)]))
            : QueueNotFound(queueId);

    /// <summary>
    /// One result per queue named in the filter. <c>oOnQueueUsers</c> reports the configured staffing by routing status
    /// (IDLE, INTERACTING); <c>oWaiting</c> and <c>oInteracting</c> count the queue's live conversations.
    /// </summary>
    internal static Results<Ok<QueueObservationResponse>, JsonHttpResult<GenesysError>> QueryObservations(
        GenesysBody<QueueObservationQueryRequest> body, QueueRegistry queues, ConversationStore conversations)
    {
        if (body.Value is not { } query)
        {
            return body.Error!;
        }

        if (query.Filter is not { } filter)
        {
            return GenesysErrors.From(ValidationFailure.Required("filter"));
        }

        var metrics = (query.Metrics ?? []).Concat(query.DetailMetrics ?? []).Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m!).Distinct().ToList();
        if (metrics.Count == 0)
        {
            return GenesysErrors.From(ValidationFailure.Required("metrics"));
        }

        if (metrics.FirstOrDefault(m => !KnownMetrics.Contains(m)) is { } unknown)
        {
            return GenesysErrors.InvalidValue($"Unknown metric {unknown}.");
        }

        var predicates = Predicates(filter).ToList();
        var queueIds = Values(predicates, "queueId");
        if (queueIds.Count == 0)
        {
            return GenesysErrors.BadRequest("The filter must name at least one queueId.");
        }

        var mediaType = Values(predicates, "mediaType").FirstOrDefault();
        var results = new List<QueueObservationResult>();
        foreach (var queueId in queueIds)
        {
            if (queues.Find(queueId) is not { } queue)
            {
                return QueueNotFound(queueId);
            }

            var group = new Dictionary<string, string> { ["queueId"] = queue.Id };
            if (mediaType is not null)
            {
                group["mediaType"] = mediaType;
            }

            results.Add(new QueueObservationResult(group, [.. Observe(queue, conversations.GetQueueActivity(queue.Id), metrics)]));
        }

        return TypedResults.Ok(new QueueObservationResponse(results));
    }

    private static IEnumerable<ObservationMetric> Observe(Queue queue, QueueActivity activity, List<string> metrics)
    {
        foreach (var metric in metrics)
        {
            switch (metric)
            {
                case "oOnQueueUsers":
                    yield return new ObservationMetric(metric, "IDLE", new ObservationStats(queue.IdleAgents));
                    yield return new ObservationMetric(metric, "INTERACTING", new ObservationStats(queue.OnQueueAgents - queue.IdleAgents));
                    break;
                case "oInteracting":
                    yield return new ObservationMetric(metric, null, new ObservationStats(activity.Interacting));
                    break;
                case "oWaiting":
                    yield return new ObservationMetric(metric, null, new ObservationStats(activity.Waiting));
                    break;
                case "oAlerting":
                case "oOffQueueUsers":
                    yield return new ObservationMetric(metric, null, new ObservationStats(0));
                    break;
                case "oActiveUsers":
                case "oMemberUsers":
                    yield return new ObservationMetric(metric, null, new ObservationStats(queue.OnQueueAgents));
                    break;
                default:
                    // Durations and per-user breakdowns are not modelled.
                    break;
            }
        }
    }

    private static IEnumerable<QueueObservationPredicate> Predicates(QueueObservationFilter filter)
    {
        foreach (var predicate in filter.Predicates ?? [])
        {
            if (predicate is not null)
            {
                yield return predicate;
            }
        }

        foreach (var clause in filter.Clauses ?? [])
        {
            if (clause is null)
            {
                continue;
            }

            foreach (var predicate in Predicates(clause))
            {
                yield return predicate;
            }
        }
    }

    private static List<string> Values(List<QueueObservationPredicate> predicates, string dimension) =>
        [.. predicates
            .Where(p => string.Equals(p.Dimension, dimension, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(p.Value))
            .Select(p => p.Value!)
            .Distinct(StringComparer.OrdinalIgnoreCase)];

    private static JsonHttpResult<GenesysError> QueueNotFound(string queueId) =>
        GenesysErrors.NotFound($"Queue {queueId} was not found.");
}
