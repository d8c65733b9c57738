using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Handoff.Channels.Genesys.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// <c>POST /channels/genesys/events</c>: for operators who prefer Process Automation triggers to the notification socket. A
/// trigger on <c>v2.detail.events.conversation.{id}.user.end</c> (and <c>customer.end</c>) runs a workflow whose Web Services
/// data action posts the suggested body of section 11.8 here, with the shared secret in <c>X-Handoff-Trigger-Secret</c>
/// (<c>Channels:Genesys:TriggerSecret</c>, compared in constant time). The event only wakes the same decision the socket
/// feeds (participants, after the settle window). Answers 202 at once; 401 wrong or missing secret; 404 when no secret is
/// configured (the endpoint is off); 400 a body without a conversation id; 413 a body over 64 KB.
/// </summary>
public sealed partial class GenesysTriggerEndpoints : IChannelEndpoints
{
    public const string EventsPath = "/events";

    public const string SecretHeader = "X-Handoff-Trigger-Secret";

    private const int MaxBodyBytes = 64 * 1024;

    public string Channel => GenesysChannel.Name;

    public void Map(IEndpointRouteBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapPost(EventsPath, HandleAsync)
            .WithName("GenesysTriggerEvent")
            .WithSummary("Conversation events from a Genesys Process Automation trigger (shared-secret header).")
            .AllowAnonymous();
    }

    internal static async Task<Results<Accepted<TriggerAck>, ProblemHttpResult>> HandleAsync(
        HttpContext context,
        [FromServices] GenesysConversationMonitor monitor,
        [FromServices] IOptionsMonitor<GenesysOptions> options,
        [FromServices] ILogger<GenesysTriggerEndpoints> logger)
    {
        using var activity = GenesysTelemetry.ActivitySource.StartActivity("genesys.trigger");
        var secret = options.CurrentValue.TriggerSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return Problem(activity, StatusCodes.Status404NotFound, "Trigger endpoint is off",
                $"Set {GenesysOptions.SectionName}:TriggerSecret to accept Process Automation trigger events here.");
        }

        if (!SecretMatches(context.Request.Headers[SecretHeader].ToString(), secret))
        {
            LogRejected(logger);
            return Problem(activity, StatusCodes.Status401Unauthorized, "Invalid trigger secret", $"The {SecretHeader} header is missing or wrong.");
        }

        var body = await GenesysWebhookEndpoints.ReadBodyAsync(context.Request, MaxBodyBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            return Problem(activity, StatusCodes.Status413PayloadTooLarge, "Trigger body too large", $"The body exceeds {MaxBodyBytes} bytes.");
        }

        TriggerEvent? trigger;
        try
        {
            trigger = JsonSerializer.Deserialize<TriggerEvent>(body, GenesysApi.Json);
        }
        catch (JsonException)
        {
            trigger = null;
        }

        if (trigger?.ConversationId is not { Length: > 0 } conversationId)
        {
            return Problem(activity, StatusCodes.Status400BadRequest, "Invalid trigger body",
                "Expected a JSON object with conversationId (e.g. {\"topic\":\"user.end\",\"conversationId\":\"…\",\"disconnectType\":\"CLIENT\"}).");
        }

        activity?.SetTag(GenesysTelemetry.ConversationIdTag, conversationId);
        var known = await monitor.NotifyAsync(conversationId, context.RequestAborted).ConfigureAwait(false);
        LogTriggered(logger, trigger.Topic, conversationId, known);
        return TypedResults.Accepted((string?)null, new TriggerAck(known ? "scheduled" : "unknownConversation"));
    }

    /// <summary>Constant time whatever the lengths: both sides are hashed first.</summary>
    internal static bool SecretMatches(string? presented, string secret) =>
        !string.IsNullOrEmpty(presented)
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static ProblemHttpResult Problem(Activity? activity, int status, string title, string detail)
    {
        activity?.SetStatus(ActivityStatusCode.Error, title);
        return TypedResults.Problem(title: title, detail: detail, statusCode: status);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys trigger event refused: wrong or missing secret")]
    private static partial void LogRejected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys trigger {Topic} for conversation {ConversationId} (watched: {Known})")]
    private static partial void LogTriggered(ILogger logger, string? topic, string conversationId, bool known);
}

/// <summary>The trigger endpoint's 202 body: <c>{ "result": "scheduled|unknownConversation" }</c>.</summary>
internal sealed record TriggerAck(string Result);
