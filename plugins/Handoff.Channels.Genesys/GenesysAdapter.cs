using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Handoff.Channels.Genesys.Notifications;
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
    GenesysConversationRegistry conversations,
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
            conversations.Watch(handoff.Id, conversationId);
        }
        else
        {
            LogStartedWithoutConversation(logger, handoff.Id, integrationId);
        }

        activity?.SetTag(GenesysTelemetry.MessageIdTag, result.Value?.Id);
        return Finish("start", handoff.Id, DeliveryResult.Ok(state) with { Throttled = result.Retried }, activity);
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
        var content = message.Attachments.Count == 0
            ? null
            : message.Attachments
                .Select(a => new OpenInboundContent(GenesysApi.ContentTypeAttachment,
                    new OpenInboundAttachment(GenesysApi.ToGenesysMediaType(a.MediaType), a.Url, a.Mime, a.Filename)))
                .ToArray();
        var body = new OpenInboundMessage(
            new OpenInboundChannel(From(handoff), GenesysApi.FormatTime(message.Time), message.Id),
            string.IsNullOrEmpty(message.Text) && content is not null ? null : message.Text,
            content);
        var result = await client.SendInboundMessageAsync(integrationId, body, prefetchConversationId: false, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(GenesysTelemetry.MessageIdTag, result.Value?.Id);
        var learned = ConversationState(handoff, result.Value?.ConversationId);
        if (result.IsSuccess && learned is not null)
        {
            conversations.Watch(handoff.Id, learned[ConversationIdStateKey]);
        }

        return Finish("message", handoff.Id, result.ToDelivery(learned), activity);
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
    /// Ends the conversation from the bot side: disconnects the customer participant
    /// (<c>PATCH /api/v2/conversations/messages/{conversationId}/participants/{participantId}</c> <c>{"state":"disconnected"}</c>),
    /// which ends the agent's interaction too. Nothing to do when the conversation id was never learned, the conversation is
    /// gone or the customer already left. A later handoff of the same user starts a new conversation (its own <c>from.id</c>).
    /// </summary>
    public async Task<DeliveryResult> EndAsync(ChannelHandoff handoff, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        using var activity = StartActivity("genesys.end", handoff, handoff.State.GetValueOrDefault(IntegrationIdStateKey));
        conversations.UnwatchHandoff(handoff.Id);
        if (handoff.State.GetValueOrDefault(ConversationIdStateKey) is not { Length: > 0 } conversationId)
        {
            LogEndWithoutConversation(logger, handoff.Id);
            return Finish("end", handoff.Id, DeliveryResult.Ok(), activity);
        }

        var conversation = await client.GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (conversation.IsNotFound)
        {
            return Finish("end", handoff.Id, DeliveryResult.Ok(), activity);
        }

        if (!conversation.IsSuccess)
        {
            return Finish("end", handoff.Id, conversation.ToDelivery(), activity);
        }

        var customers = conversation.Value?.Participants?
            .Where(p => string.Equals(p.Purpose, GenesysApi.PurposeCustomer, StringComparison.OrdinalIgnoreCase)
                && !string.IsNullOrEmpty(p.Id) && ConversationVerdict.IsActive(p))
            .ToList() ?? [];
        foreach (var customer in customers)
        {
            var disconnected = await client.DisconnectParticipantAsync(conversationId, customer.Id!, cancellationToken).ConfigureAwait(false);
            if (!disconnected.IsSuccess && !disconnected.IsNotFound)
            {
                return Finish("end", handoff.Id, disconnected.ToDelivery(), activity);
            }
        }

        LogEnded(logger, handoff.Id, conversationId, customers.Count);
        return Finish("end", handoff.Id, DeliveryResult.Ok(), activity);
    }

    /// <summary>
    /// Posts a receipt for an agent message (section 3.2): <c>Delivered</c>, or <c>Failed</c> with <c>GeneralError</c>
    /// (the bot platform could not be reached) or <c>RecipientOptedOut</c> (it refused the handoff's events).
    /// </summary>
    public async Task<DeliveryResult> SendReceiptAsync(ChannelHandoff handoff, ChannelReceipt receipt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        ArgumentNullException.ThrowIfNull(receipt);
        if (!TryResolveIntegration(handoff, out var integrationId, out var unresolved))
        {
            return Finish("receipt", handoff.Id, unresolved, null);
        }

        using var activity = StartActivity("genesys.send_receipt", handoff, integrationId);
        activity?.SetTag(GenesysTelemetry.MessageIdTag, receipt.MessageId);
        IReadOnlyList<OpenReason>? reasons = receipt.Delivered
            ? null
            : [new OpenReason(receipt.Failure == ReceiptFailure.Refused ? GenesysApi.ReasonRecipientOptedOut : GenesysApi.ReasonGeneralError, Truncate(receipt.Reason, 256))];
        var body = new OpenInboundReceipt(
            receipt.MessageId,
            new OpenReceiptChannel(new OpenRecipient(handoff.Id, GenesysApi.IdTypeOpaque), GenesysApi.FormatTime(receipt.Time)),
            receipt.Delivered ? GenesysApi.ReceiptDelivered : GenesysApi.ReceiptFailed,
            GenesysApi.DirectionOutbound,
            IsFinalReceipt: true,
            reasons);
        var result = await client.SendInboundReceiptAsync(integrationId, body, cancellationToken).ConfigureAwait(false);
        return Finish("receipt", handoff.Id, result.ToDelivery(), activity);
    }

    /// <summary>
    /// Agents on the queue and the estimated wait (section 11.7), for queues configured with a <c>QueueId</c>: the estimate
    /// (<c>GET /api/v2/routing/queues/{queueId}/estimatedwaittime</c>) and the on-queue agents by routing status
    /// (<c>POST /api/v2/analytics/queues/observations/query</c>), asked in parallel.
    /// </summary>
    public async Task<QueueAvailabilityResult> GetQueueAvailabilityAsync(string queue, CancellationToken cancellationToken)
    {
        var entry = options.CurrentValue.FindQueue(queue);
        if (entry is null)
        {
            return QueueAvailabilityResult.NotConfigured($"Queue '{queue}' is not configured for Genesys.");
        }

        if (entry.Value.Value.QueueId is not { Length: > 0 } configuredQueueId)
        {
            return QueueAvailabilityResult.NotConfigured(
                $"Queue '{entry.Value.Key}' has no Genesys queue id: set {GenesysOptions.SectionName}:Queues:{entry.Value.Key}:QueueId to report its availability.");
        }

        var queueId = configuredQueueId.Trim();
        var waits = client.GetEstimatedWaitAsync(queueId, cancellationToken);
        var observations = client.QueryQueueObservationsAsync(queueId, cancellationToken);
        await Task.WhenAll(waits, observations).ConfigureAwait(false);
        if (!waits.Result.IsSuccess || !observations.Result.IsSuccess)
        {
            var reason = string.Join(" ", new[] { waits.Result.Reason, observations.Result.Reason }.Where(r => r is not null).Distinct());
            return QueueAvailabilityResult.Unavailable($"Genesys could not report queue '{entry.Value.Key}': {reason}");
        }

        var (onQueue, idle) = GenesysQueueFigures.Agents(observations.Result.Value);
        return QueueAvailabilityResult.Ok(new QueueAvailability(onQueue, idle, GenesysQueueFigures.EstimatedWaitSeconds(waits.Result.Value)));
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

    private static string? Truncate(string? value, int max) => value is { Length: > 0 } && value.Length > max ? value[..max] : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Handoff {HandoffId} opened Genesys conversation {ConversationId} on integration {IntegrationId}")]
    private static partial void LogStarted(ILogger logger, string handoffId, string conversationId, string integrationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handoff {HandoffId} was accepted by Genesys integration {IntegrationId} but no conversationId came back; it will be learned from the first webhook")]
    private static partial void LogStartedWithoutConversation(ILogger logger, string handoffId, string integrationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handoff {HandoffId} ended on the user side before Genesys named its conversation; nothing to disconnect")]
    private static partial void LogEndWithoutConversation(ILogger logger, string handoffId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handoff {HandoffId} ended on the user side: disconnected {Count} customer participant(s) of Genesys conversation {ConversationId}")]
    private static partial void LogEnded(ILogger logger, string handoffId, string conversationId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys {Kind} for handoff {HandoffId} not delivered ({Outcome}): {Reason}")]
    private static partial void LogNotDelivered(ILogger logger, string kind, string handoffId, DeliveryOutcome outcome, string? reason);
}
