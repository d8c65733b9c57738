using System.Security.Claims;
using System.Text;
using Handoff.Core.Application;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Net.Http.Headers;

namespace Handoff.Api.Apis;

/// <summary>
/// <c>GET /v1/handoffs/{id}/events</c>: a JSON page of events, or a Server-Sent Events stream. Agent messages returned or
/// written here count as delivered to the bot (the contact center gets a Delivered receipt).
/// </summary>
public static class HandoffEventsApi
{
    private const int PageSize = 500;
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    public static async Task<IResult> GetEvents(
        string id,
        long? after,
        HttpContext httpContext,
        ClaimsPrincipal principal,
        [AsParameters] HandoffServices services,
        HandoffSignals signals,
        IHostApplicationLifetime lifetime,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (after < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["after"] = ["Must be zero or more."] });
        }

        var handoff = await HandoffApi.FindAsync(id, principal, services, cancellationToken);
        if (handoff is null)
        {
            return HandoffApi.HandoffNotFound(id);
        }

        var wantsStream = httpContext.Request.GetTypedHeaders().Accept
            .Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase));
        if (!wantsStream)
        {
            var events = await services.Commands.GetEventsAsync(id, after ?? 0, PageSize * 2, cancellationToken);
            // The bot has these now: agent messages among them get a Delivered receipt (once).
            await services.Commands.EventsServedAsync(events, cancellationToken);
            return TypedResults.Ok(events.Select(EventResponse.From).ToArray());
        }

        var lastEventId = httpContext.Request.Headers["Last-Event-ID"].ToString();
        var start = long.TryParse(lastEventId, out var resumed) && resumed >= 0 ? resumed : after ?? 0;
        await StreamAsync(httpContext, handoff, start, services, signals, time, lifetime.ApplicationStopping, cancellationToken);
        return TypedResults.Empty;
    }

    private static async Task StreamAsync(HttpContext httpContext, HandoffRecord handoff, long after, HandoffServices services, HandoffSignals signals, TimeProvider time, CancellationToken stopping, CancellationToken requestAborted)
    {
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers[HeaderNames.Connection] = "keep-alive";
        response.Headers["X-Accel-Buffering"] = "no";

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping, requestAborted);
        var ct = cts.Token;
        var id = handoff.Id;
        var last = after;
        using var reading = signals.ReadEvents(id);
        try
        {
            await response.WriteAsync("retry: 3000\n\n", ct);
            while (!ct.IsCancellationRequested)
            {
                // Take the wake-up before reading, so an event stored in between is never missed.
                var signalled = signals.WaitForEventsAsync(id, ct);
                var events = await services.Commands.GetEventsAsync(id, last, PageSize, ct);
                if (events.Count > 0)
                {
                    using var hop = HandoffTracing.StartHop("handoff events push", handoff, System.Diagnostics.ActivityKind.Producer);
                    hop?.SetTag("handoff.events.count", events.Count);
                    hop?.SetTag("handoff.events.last_seq", events[^1].Seq);
                    var text = new StringBuilder();
                    foreach (var e in events)
                    {
                        text.Append("id: ").Append(e.Seq).Append('\n')
                            .Append("event: ").Append(e.Type).Append('\n')
                            .Append("data: ").Append(e.DataJson).Append("\n\n");
                        last = e.Seq;
                    }

                    await response.WriteAsync(text.ToString(), ct);
                    await response.Body.FlushAsync(ct);
                    await services.Commands.EventsServedAsync(events, ct);
                    foreach (var pushed in events.Where(e => e.Type == EventTypes.AgentMessage))
                    {
                        HandoffMetrics.RelayLatency("to_bot", handoff.Channel, time.GetUtcNow() - pushed.Time);
                    }

                    if (events.Count == PageSize)
                    {
                        continue;
                    }
                }

                // WaitAsync drops its timer once the wake-up comes (a Task.Delay per event would keep one alive for the
                // whole keep-alive interval: thousands on a busy stream).
                try
                {
                    await signalled.WaitAsync(KeepAliveInterval, ct);
                }
                catch (TimeoutException)
                {
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (stopping.IsCancellationRequested && !requestAborted.IsCancellationRequested)
        {
            // Shutting down: say so and close; EventSource clients reconnect (with Last-Event-ID) to another instance.
            try
            {
                await response.WriteAsync(": server shutting down, reconnect\nretry: 1000\n\n", requestAborted);
                await response.Body.FlushAsync(requestAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        }

    }
}
