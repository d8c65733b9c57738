using System.Diagnostics;
using Handoff.Channels;
using Handoff.Core.Channels;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Application;

/// <summary>
/// Where channels hand what the contact center sent. Each (channel, external id) is stored once, in the same
/// transaction as its effect, so a retried webhook — even to another replica or after a restart — is relayed once.
/// </summary>
public sealed partial class HandoffInbox(
    IHandoffStore store,
    TimeProvider time,
    ILogger<HandoffInbox> logger,
    IOptionsMonitor<HandoffTelemetryOptions>? telemetry = null) : IChannelInbox
{
    public async Task<InboxResult> AcceptAsync(ChannelInbound inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var now = time.GetUtcNow();
        // Only the handoff's trace and whether it exists are needed before the write (which reads it afresh): a handoff this
        // process has seen needs no read here.
        var known = store.PeekRecent(inbound.HandoffId) ?? await store.GetAsync(inbound.HandoffId, cancellationToken).ConfigureAwait(false);
        if (known is null)
        {
            // Nothing to store for a handoff that doesn't exist: answer without queueing a write.
            LogUnknown(logger, inbound.Channel, inbound.Kind, inbound.HandoffId, inbound.ExternalId);
            HandoffMetrics.Inbound(inbound.Channel, InboundName(inbound.Kind), InboxResult.UnknownHandoff.ToString());
            return InboxResult.UnknownHandoff;
        }

        using var activity = HandoffTracing.StartHop(InboundSpanName(inbound.Kind), known, ActivityKind.Consumer);
        activity?.SetTag("handoff.inbound.external_id", inbound.ExternalId);
        HandoffTracing.TagText(activity, inbound.Text, telemetry?.CurrentValue);
        var wrongChannel = false;
        var ended = false;
        var result = await store.UpdateAsync(inbound.HandoffId, h =>
        {
            if (!string.Equals(h.Channel, inbound.Channel, StringComparison.OrdinalIgnoreCase))
            {
                wrongChannel = true;
                return HandoffUpdate.None(h);
            }

            if (!h.IsActive && inbound.Kind != InboundKind.Receipt)
            {
                ended = true;
                return HandoffUpdate.None(h);
            }

            return new HandoffUpdate(Decide(h, inbound, now));
        }, KeyOf(inbound), cancellationToken).ConfigureAwait(false);

        var outcome = result.Outcome switch
        {
            UpdateOutcome.NotFound => InboxResult.UnknownHandoff,
            UpdateOutcome.Duplicate => InboxResult.Duplicate,
            _ when wrongChannel => InboxResult.UnknownHandoff,
            _ when ended => InboxResult.HandoffEnded,
            _ => InboxResult.Accepted,
        };

        if (outcome == InboxResult.UnknownHandoff)
        {
            LogUnknown(logger, inbound.Channel, inbound.Kind, inbound.HandoffId, inbound.ExternalId);
        }
        else if (outcome == InboxResult.Duplicate)
        {
            LogDuplicate(logger, inbound.Channel, inbound.Kind, inbound.HandoffId, inbound.ExternalId);
        }

        if (outcome == InboxResult.Accepted && result.Handoff is { } handoff)
        {
            if (result.Events.Any(e => e.Type == EventTypes.Ended))
            {
                HandoffMetrics.Ended(handoff);
            }

            if (result.Events.Any(e => e.Type == EventTypes.Connected) && handoff.FirstAgentMessageAt is { } first)
            {
                HandoffMetrics.FirstAgentMessage(handoff, first - handoff.CreatedAt);
            }
        }

        HandoffMetrics.Inbound(inbound.Channel, InboundName(inbound.Kind), outcome.ToString());
        activity?.SetTag("handoff.inbound.result", outcome.ToString());
        return outcome;
    }

    private static InboundKey KeyOf(ChannelInbound inbound) =>
        inbound is { Kind: InboundKind.Receipt, ReceiptForMessageId: { } messageId, ReceiptDelivered: { } delivered }
            ? new InboundKey(inbound.Channel, inbound.ExternalId, new MessageReceipt(messageId, delivered))
            : new InboundKey(inbound.Channel, inbound.ExternalId);

    /// <summary>Span names by kind, built once (<c>handoff inbound receipt</c>, …).</summary>
    private static readonly Dictionary<InboundKind, string> InboundSpanNames = Enum.GetValues<InboundKind>().ToDictionary(kind => kind, SpanNameOf);

    private static string InboundSpanName(InboundKind kind) => InboundSpanNames.TryGetValue(kind, out var name) ? name : SpanNameOf(kind);

    private static string SpanNameOf(InboundKind kind) => $"handoff inbound {InboundName(kind)}";

    private static string InboundName(InboundKind kind) => kind switch
    {
        InboundKind.AgentMessage => "agent_message",
        InboundKind.AgentTyping => "agent_typing",
        InboundKind.Receipt => "receipt",
        InboundKind.AgentEnded => "agent_ended",
        InboundKind.ConversationEnded => "conversation_ended",
        InboundKind.AgentTransferred => "agent_transferred",
        InboundKind.Requeued => "requeued",
        InboundKind.Waiting => "waiting",
        _ => kind.ToString(),
    };

    private static Transition Decide(HandoffRecord h, ChannelInbound inbound, DateTimeOffset now)
    {
        var agentName = string.IsNullOrWhiteSpace(inbound.AgentDisplayName) ? h.AgentDisplayName ?? "Agent" : inbound.AgentDisplayName;
        return inbound.Kind switch
        {
            InboundKind.AgentMessage => HandoffTransitions.AgentMessage(h, inbound.ExternalId, inbound.Text, agentName, inbound.State, now, inbound.Attachments.ToDomain()),
            InboundKind.AgentTyping => HandoffTransitions.AgentTyping(h, agentName, now),
            InboundKind.Receipt when inbound.ReceiptForMessageId is { } messageId => inbound.ReceiptDelivered == true
                ? HandoffTransitions.MessageDelivered(h, messageId)
                : HandoffTransitions.MessageFailed(h, messageId, inbound.Reason ?? "failed"),
            InboundKind.AgentEnded => HandoffTransitions.End(h, EndedBy.Agent, inbound.Reason, now),
            InboundKind.ConversationEnded => HandoffTransitions.End(h, EndedBy.System, inbound.Reason, now),
            InboundKind.AgentTransferred => HandoffTransitions.Transferred(h, inbound.PreviousAgentDisplayName, inbound.AgentDisplayName, inbound.Reason ?? "transfer", inbound.State, now),
            InboundKind.Requeued => HandoffTransitions.Requeued(h, inbound.PreviousAgentDisplayName, inbound.Reason ?? "requeued", inbound.State, now),
            InboundKind.Waiting when inbound.EstimatedWaitSeconds is { } seconds => HandoffTransitions.Waiting(h, seconds, now),
            _ => HandoffTransitions.ChannelStateChanged(h, inbound.State, now),
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored {Channel} {Kind} for unknown handoff {HandoffId} (delivery {ExternalId})")]
    private static partial void LogUnknown(ILogger logger, string channel, InboundKind kind, string handoffId, string externalId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ignored duplicate {Channel} {Kind} for handoff {HandoffId} (delivery {ExternalId})")]
    private static partial void LogDuplicate(ILogger logger, string channel, InboundKind kind, string handoffId, string externalId);
}
