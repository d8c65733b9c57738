using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Turns Handoff operations into Genesys Cloud Open Messaging inbound calls. Every call addresses Genesys with
/// <c>channel.from.id = handoff.Id</c>: unique per handoff, so Genesys' threading timeline never joins two handoffs into one
/// conversation, and the webhook's <c>channel.to.id</c> names the handoff directly.
/// </summary>
public sealed partial class GenesysAdapter(
    GenesysClient client,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider timeProvider,
    ILogger<GenesysAdapter> logger) : IChannelAdapter
{
    /// <summary>State key: the Genesys conversation id (from the prefetched inbound response or a webhook).</summary>
    public const string ConversationIdStateKey = "genesys.conversationId";

    /// <summary>State key: the integration the conversation was opened on; later calls use it even if configuration changes.</summary>
    public const string IntegrationIdStateKey = "genesys.integrationId";

    /// <summary>Custom attribute (participant data) carrying the handoff id; read in Architect with Get Participant Data.</summary>
    public const string HandoffIdAttribute = "handoffId";

    /// <summary>Custom attribute carrying the Handoff queue name (lets one integration's flow route several queues).</summary>
    public const string HandoffQueueAttribute = "handoffQueue";

    public string Channel => GenesysChannel.Name;

    public IReadOnlyCollection<string> Queues => options.CurrentValue.Queues.Keys.ToArray();

    public async Task<DeliveryResult> StartAsync(ChannelHandoff handoff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        if (!TryResolveIntegration(handoff, out var integrationId, out var unresolved))
        {
            return Finish("start", handoff.Id, unresolved, null);
        }

        using var activity = StartActivity("genesys.start", handoff, integrationId);
        var attributes = new Dictionary<string, string>(handoff.Attributes)
        {
            // Ours win over a bot attribute of the same name.
            [HandoffIdAttribute] = handoff.Id,
            [HandoffQueueAttribute] = handoff.Queue,
        };
        // CreatedAt, not now: a start retried later must still sort before the user messages that follow it.
        var channel = new OpenInboundChannel(From(handoff), GenesysApi.FormatTime(handoff.CreatedAt), StartMessageId(handoff.Id), new OpenChannelMetadata(attributes));
        var body = new OpenInboundMessage(channel, GenesysTranscript.Render(handoff));

        var result = await client.SendInboundMessageAsync(integrationId, body, prefetchConversationId: true, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            return Finish("start", handoff.Id, result.ToDelivery(), activity);
        }

        var state = new Dictionary<string, string> { [IntegrationIdStateKey] = integrationId };
        if (result.Value?.ConversationId is { Length: > 0 } conversationId)
        {
            state[ConversationIdStateKey] = conversationId;
            activity?.SetTag(GenesysTelemetry.ConversationIdTag, conversationId);
            LogStarted(logger, handoff.Id, conversationId, integrationId);
        }
        else
        {
            LogStartedWithoutConversation(logger, handoff.Id, integrationId);
        }

        activity?.SetTag(GenesysTelemetry.MessageIdTag, result.Value?.Id);
        return Finish("start", handoff.Id, DeliveryResult.Ok(state), activity);
    }

    public async Task<DeliveryResult> SendMessageAsync(ChannelHandoff handoff, ChannelMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        ArgumentNullException.ThrowIfNull(message);
        if (!TryResolveIntegration(handoff, out var integrationId, out var unresolved))
        {
            return Finish("message", handoff.Id, unresolved, null);
        }

        using var activity = StartActivity("genesys.send_message", handoff, integrationId);
        var body = new OpenInboundMessage(new OpenInboundChannel(From(handoff), GenesysApi.FormatTime(message.Time), message.Id), message.Text);
        var result = await client.SendInboundMessageAsync(integrationId, body, prefetchConversationId: false, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(GenesysTelemetry.MessageIdTag, result.Value?.Id);
        return Finish("message", handoff.Id, result.ToDelivery(ConversationState(handoff, result.Value?.ConversationId)), activity);
    }

    public async Task<DeliveryResult> SendTypingAsync(ChannelHandoff handoff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        if (!TryResolveIntegration(handoff, out var integrationId, out var unresolved))
        {
            return Finish("typing", handoff.Id, unresolved, null);
        }

        using var activity = StartActivity("genesys.send_typing", handoff, integrationId);
        var body = new OpenInboundEvent(
            new OpenInboundChannel(From(handoff), GenesysApi.FormatTime(timeProvider.GetUtcNow())),
            [new OpenInboundEventItem(GenesysApi.EventTypeTyping)]);
        var result = await client.SendInboundEventAsync(integrationId, body, cancellationToken).ConfigureAwait(false);
        return Finish("typing", handoff.Id, result.ToDelivery(), activity);
    }

    /// <summary>
    /// Nothing to call yet: Open Messaging has no inbound "end" message. Disconnecting the customer participant
    /// (<c>PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}</c>) is a later issue; until then
    /// the agent ends the interaction and later messages from this handoff id are no longer sent by core.
    /// </summary>
    public Task<DeliveryResult> EndAsync(ChannelHandoff handoff, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        using var activity = StartActivity("genesys.end", handoff, handoff.State.GetValueOrDefault(IntegrationIdStateKey));
        LogEndNoop(logger, handoff.Id);
        return Task.FromResult(Finish("end", handoff.Id, DeliveryResult.Ok(), activity));
    }

    /// <summary>The stable <c>channel.messageId</c> of the first message, so a retried start is recognisable.</summary>
    public static string StartMessageId(string handoffId) => $"{handoffId}:start";

    private static OpenRecipient From(ChannelHandoff handoff) => new(
        handoff.Id,
        GenesysApi.IdTypeOpaque,
        Nickname: string.IsNullOrWhiteSpace(handoff.User.Nickname) ? handoff.User.DisplayName : handoff.User.Nickname.Trim(),
        FirstName: NullIfBlank(handoff.User.FirstName),
        LastName: NullIfBlank(handoff.User.LastName),
        Email: NullIfBlank(handoff.User.Email));

    private bool TryResolveIntegration(ChannelHandoff handoff, out string integrationId, [NotNullWhen(false)] out DeliveryResult? failure)
    {
        if (handoff.State.TryGetValue(IntegrationIdStateKey, out var fromState) && !string.IsNullOrWhiteSpace(fromState))
        {
            integrationId = fromState;
            failure = null;
            return true;
        }

        var current = options.CurrentValue;
        if (current.TryGetIntegrationId(handoff.Queue, out var configured))
        {
            integrationId = configured;
            failure = null;
            return true;
        }

        integrationId = string.Empty;
        var known = current.Queues.Count == 0 ? "none" : string.Join(", ", current.Queues.Keys);
        failure = DeliveryResult.Permanent(
            $"Queue '{handoff.Queue}' is not configured for Genesys (configured queues: {known}); add {GenesysOptions.SectionName}:Queues:{handoff.Queue}:IntegrationId.");
        return false;
    }

    /// <summary>State to merge after a later call: only when Genesys told us a conversation id we did not have yet.</summary>
    private static Dictionary<string, string>? ConversationState(ChannelHandoff handoff, string? conversationId) =>
        conversationId is { Length: > 0 } && handoff.State.GetValueOrDefault(ConversationIdStateKey) != conversationId
            ? new() { [ConversationIdStateKey] = conversationId }
            : null;

    private static Activity? StartActivity(string name, ChannelHandoff handoff, string? integrationId)
    {
        var activity = GenesysTelemetry.ActivitySource.StartActivity(name, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag(GenesysTelemetry.HandoffIdTag, handoff.Id);
            activity.SetTag(GenesysTelemetry.IntegrationIdTag, integrationId);
            activity.SetTag(GenesysTelemetry.ConversationIdTag, handoff.State.GetValueOrDefault(ConversationIdStateKey));
        }

        return activity;
    }

    private DeliveryResult Finish(string kind, string handoffId, DeliveryResult result, Activity? activity)
    {
        GenesysTelemetry.RecordInbound(kind, result.Outcome);
        activity?.SetTag("handoff.outcome", GenesysTelemetry.OutcomeTag(result.Outcome));
        if (result.Outcome != DeliveryOutcome.Delivered)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Reason);
            LogNotDelivered(logger, kind, handoffId, result.Outcome, result.Reason);
        }

        return result;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [LoggerMessage(Level = LogLevel.Information, Message = "Handoff {HandoffId} opened Genesys conversation {ConversationId} on integration {IntegrationId}")]
    private static partial void LogStarted(ILogger logger, string handoffId, string conversationId, string integrationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handoff {HandoffId} was accepted by Genesys integration {IntegrationId} but no conversationId came back; it will be learned from the first webhook")]
    private static partial void LogStartedWithoutConversation(ILogger logger, string handoffId, string integrationId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Handoff {HandoffId} ended on the user side; nothing to call in Genesys yet")]
    private static partial void LogEndNoop(ILogger logger, string handoffId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys {Kind} for handoff {HandoffId} not delivered ({Outcome}): {Reason}")]
    private static partial void LogNotDelivered(ILogger logger, string kind, string handoffId, DeliveryOutcome outcome, string? reason);
}
