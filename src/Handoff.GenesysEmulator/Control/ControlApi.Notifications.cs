using Handoff.GenesysEmulator.Notifications;
using Handoff.GenesysEmulator.State;
using Handoff.GenesysEmulator.Triggers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Control;

// Notification sockets (maintenance notice, drop, inspection) and the Process Automation trigger.
internal static partial class ControlApi
{
    /// <summary>Genesys gives clients up to a minute to move to a new socket after socket_closing.</summary>
    private const int DefaultSocketClosingMs = 60_000;

    internal static Ok<NotificationsView> GetNotifications(NotificationHub hub)
    {
        var snapshot = hub.Snapshot();
        return TypedResults.Ok(new NotificationsView(
            [.. snapshot.Channels.Select(ControlViews.Channel)], snapshot.ConnectedSockets, snapshot.EventsSent, snapshot.EventsDropped));
    }

    /// <summary>Sends <c>v2.system.socket_closing</c> to every socket and closes each one <c>afterMs</c> later.</summary>
    internal static Results<Accepted<SocketClosingView>, ValidationProblem> SocketClosing(SocketClosingRequest? request, NotificationHub hub)
    {
        var afterMs = request?.AfterMs ?? DefaultSocketClosingMs;
        if (afterMs < 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["afterMs"] = ["AfterMs must not be negative."] });
        }

        var sockets = hub.SocketClosing(TimeSpan.FromMilliseconds(afterMs));
        return TypedResults.Accepted("/emulator/notifications", new SocketClosingView(sockets, afterMs));
    }

    /// <summary>Aborts every socket with no close frame.</summary>
    internal static Ok<SocketsDroppedView> DropSockets(NotificationHub hub) => TypedResults.Ok(new SocketsDroppedView(hub.DropAll()));

    /// <summary>
    /// Posts what a Process Automation trigger's Web Services data action would send for the conversation's latest agent
    /// (fact sheet §11.8) and returns the target's status.
    /// </summary>
    internal static async Task<Results<Ok<TriggerView>, ValidationProblem, ProblemHttpResult>> TriggerAsync(
        string conversationId,
        TriggerRequest request,
        ConversationStore conversations,
        TriggerSender sender,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Url is not { } text || !Uri.TryCreate(text, UriKind.Absolute, out var url) || !EmulatorOptionsValidator.IsHttpUrl(url))
        {
            errors["url"] = ["Url must be an absolute http or https URL."];
            url = null;
        }

        // Accept the short form (user.end) or the full topic name.
        var topic = request.Topic?.Trim() is { Length: > 0 } given ? ShortTopic(given) : TriggerSender.UserEnd;
        if (topic is not (TriggerSender.UserEnd or TriggerSender.CustomerEnd))
        {
            errors["topic"] = ["Topic must be user.end or customer.end."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (conversations.Find(conversationId) is not { } conversation)
        {
            return ConversationNotFound(conversationId);
        }

        if (sender.Build(conversation, topic) is not { } payload)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "No agent on the conversation",
                detail: $"No agent has joined conversation {conversationId}, so there is no {topic} to report.");
        }

        var result = await sender.SendAsync(url!, payload, request.Headers, cancellationToken);
        LogTriggerSent(loggers.CreateLogger(typeof(ControlApi)), topic, conversationId, result.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? result.Error ?? "?");
        return TypedResults.Ok(new TriggerView(url!.ToString(), result.StatusCode, result.Error, payload));
    }

    /// <summary><c>v2.detail.events.conversation.{id}.user.end</c> → <c>user.end</c>; anything else is returned as is.</summary>
    private static string ShortTopic(string topic) =>
        new[] { TriggerSender.UserEnd, TriggerSender.CustomerEnd }
            .FirstOrDefault(known => topic == known || topic.EndsWith("." + known, StringComparison.Ordinal))
        ?? topic;

    [LoggerMessage(Level = LogLevel.Information, Message = "Trigger {Topic} for conversation {ConversationId} posted: {Result}")]
    private static partial void LogTriggerSent(ILogger logger, string topic, string conversationId, string result);
}
