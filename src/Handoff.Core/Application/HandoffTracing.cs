using System.Diagnostics;
using Handoff.Core.Domain;

namespace Handoff.Core.Application;

/// <summary>
/// One trace per handoff: the request that starts a handoff opens it, and every later hop (outbox deliveries,
/// channel webhooks, events to the bot) is recorded as a child of that trace and linked to whatever request caused it.
/// Spans carry ids only (handoff, channel, queue, contact-center ids), never message text or personal data.
/// </summary>
public static class HandoffTracing
{
    public static void Tag(Activity? activity, HandoffRecord handoff)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("handoff.id", handoff.Id);
        activity.SetTag("handoff.channel", handoff.Channel);
        activity.SetTag("handoff.queue", handoff.Queue);
        foreach (var (key, value) in handoff.ChannelState)
        {
            // Adapter state keys are ids by contract (e.g. genesys.conversationId).
            activity.SetTag(key, value);
        }
    }

    /// <summary>Starts a span for a later hop of <paramref name="handoff"/>, parented on the handoff's trace and linked to the current one.</summary>
    public static Activity? StartHop(string name, HandoffRecord handoff, ActivityKind kind = ActivityKind.Internal)
    {
        var current = Activity.Current;
        ActivityContext parent = default;
        var hasParent = handoff.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, out parent);
        ActivityLink[]? links = current is not null && (!hasParent || current.TraceId != parent.TraceId) ? [new ActivityLink(current.Context)] : null;

        var activity = hasParent
            ? HandoffMetrics.ActivitySource.StartActivity(name, kind, parent, links: links)
            : HandoffMetrics.ActivitySource.StartActivity(name, kind, parentContext: current?.Context ?? default, links: links);
        Tag(activity, handoff);
        return activity;
    }

    /// <summary>Tags the current request span with the handoff and links it to the handoff's trace when it is another one.</summary>
    public static void Annotate(HandoffRecord handoff)
    {
        var current = Activity.Current;
        if (current is null)
        {
            return;
        }

        Tag(current, handoff);
        if (handoff.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, null, out var context) && context.TraceId != current.TraceId)
        {
            current.AddLink(new ActivityLink(context));
        }
    }

    /// <summary>Adds the message text to a span only when an operator turned text capture on (<c>Handoff:Telemetry:CaptureMessageText</c>).</summary>
    public static void TagText(Activity? activity, string? text, HandoffTelemetryOptions? options)
    {
        if (activity is not null && options?.CaptureMessageText == true && text is not null)
        {
            activity.SetTag("handoff.message.text", text);
        }
    }
}

/// <summary>Section <c>Handoff:Telemetry</c>.</summary>
public sealed class HandoffTelemetryOptions
{
    public const string SectionName = "Handoff:Telemetry";

    /// <summary>
    /// Puts message text on relay and inbound spans (<c>handoff.message.text</c>). Off by default: traces then carry ids
    /// only. Turn on only where traces may hold what users and agents write.
    /// </summary>
    public bool CaptureMessageText { get; set; }
}
