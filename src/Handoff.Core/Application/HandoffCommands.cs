using System.Diagnostics;
using Handoff.Core.Channels;
using Handoff.Core.Domain;
using Handoff.Core.Storage;

namespace Handoff.Core.Application;

public sealed record StartHandoff(
    string Client,
    string Channel,
    string Queue,
    HandoffUser User,
    IReadOnlyList<TranscriptEntry> Transcript,
    IReadOnlyDictionary<string, string> Attributes,
    string? IdempotencyKey,
    string? CallbackUrl = null);

public enum StartOutcome { Created, Replayed, Conflict, UnknownChannel, UnknownQueue }

public sealed record StartResult(StartOutcome Outcome, HandoffRecord? Handoff);

public enum CommandOutcome { Accepted, Duplicate, NotFound, Ended }

public sealed record MessageResult(CommandOutcome Outcome, string? MessageId, OutboxStatus? Status, HandoffRecord? Handoff);

/// <summary>
/// What the bot side can ask of a handoff. Every accepted command is stored (with its outbox item) before it returns,
/// so an answer of 201/202 means nothing is lost if the process dies right after.
/// </summary>
public sealed class HandoffCommands(IHandoffStore store, ChannelRegistry channels, TimeProvider time)
{
    public async Task<StartResult> StartAsync(StartHandoff command, CancellationToken cancellationToken)
    {
        var adapter = channels.Find(command.Channel);
        if (adapter is null)
        {
            return new(StartOutcome.UnknownChannel, null);
        }

        var queue = ChannelRegistry.ResolveQueue(adapter, command.Queue);
        if (queue is null)
        {
            return new(StartOutcome.UnknownQueue, null);
        }

        var now = time.GetUtcNow();
        var handoff = new HandoffRecord
        {
            Id = NewId("h"),
            Client = command.Client,
            Channel = adapter.Channel,
            Queue = queue,
            User = command.User,
            Attributes = command.Attributes,
            Transcript = command.Transcript,
            Status = HandoffStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
            TraceParent = Activity.Current?.Id,
            CallbackUrl = command.CallbackUrl,
        };
        HandoffTracing.Tag(Activity.Current, handoff);
        var start = new OutboxItem { HandoffId = handoff.Id, Kind = OutboxKind.Start, CreatedAt = now, NextAttemptAt = now };

        var result = await store.CreateAsync(handoff, start, command.IdempotencyKey, cancellationToken).ConfigureAwait(false);
        var outcome = result.Created ? StartOutcome.Created : result.Replayed ? StartOutcome.Replayed : StartOutcome.Conflict;
        HandoffMetrics.Started(outcome, handoff);
        return new(outcome, result.Handoff);
    }

    public Task<HandoffRecord?> GetAsync(string id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    /// <param name="client">When given, only a handoff this API client started is found (checked in the same write).</param>
    public async Task<MessageResult> SendMessageAsync(
        string handoffId, string? clientMessageId, string text, CancellationToken cancellationToken, IReadOnlyList<MessageAttachment>? attachments = null,
        string? client = null)
    {
        var now = time.GetUtcNow();
        var messageId = string.IsNullOrWhiteSpace(clientMessageId) ? NewId("m") : clientMessageId;
        attachments ??= [];
        var ended = false;
        var foreign = false;
        var result = await store.UpdateAsync(handoffId, h =>
        {
            if (client is not null && !string.Equals(h.Client, client, StringComparison.Ordinal))
            {
                foreign = true;
                return HandoffUpdate.None(h);
            }

            if (!h.IsActive)
            {
                ended = true;
                return HandoffUpdate.None(h);
            }

            var item = new OutboxItem
            {
                HandoffId = h.Id, Kind = OutboxKind.Message, MessageId = messageId, Text = text, Attachments = attachments, CreatedAt = now, NextAttemptAt = now,
            };
            return new HandoffUpdate(HandoffTransitions.UserMessage(h, text, attachments, now), item);
        }, null, cancellationToken).ConfigureAwait(false);

        if (result.Outcome == UpdateOutcome.NotFound || foreign)
        {
            return new(CommandOutcome.NotFound, null, null, null);
        }

        if (result.OutboxDuplicate)
        {
            return new(CommandOutcome.Duplicate, result.Outbox!.MessageId, result.Outbox.Status, result.Handoff);
        }

        return ended
            ? new(CommandOutcome.Ended, null, null, result.Handoff)
            : new(CommandOutcome.Accepted, messageId, OutboxStatus.Pending, result.Handoff);
    }

    public async Task<CommandOutcome> SendTypingAsync(string handoffId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ended = false;
        var result = await store.UpdateAsync(handoffId, h =>
        {
            if (!h.IsActive)
            {
                ended = true;
                return HandoffUpdate.None(h);
            }

            return new HandoffUpdate(Transition.Unchanged(h), new OutboxItem { HandoffId = h.Id, Kind = OutboxKind.Typing, CreatedAt = now, NextAttemptAt = now });
        }, null, cancellationToken).ConfigureAwait(false);

        return result.Outcome == UpdateOutcome.NotFound ? CommandOutcome.NotFound : ended ? CommandOutcome.Ended : CommandOutcome.Accepted;
    }

    /// <summary>Ends the handoff from the bot/user side and queues telling the channel. Ending twice is harmless.</summary>
    public Task<HandoffRecord?> EndAsync(string handoffId, string? reason, CancellationToken cancellationToken) =>
        HandoffEnding.EndAsync(store, handoffId, EndedBy.User, reason, time.GetUtcNow(), null, cancellationToken);

    public Task<IReadOnlyList<HandoffEvent>> GetEventsAsync(string handoffId, long after, int limit, CancellationToken cancellationToken) =>
        store.GetEventsAsync(handoffId, after, limit, cancellationToken);

    /// <summary>
    /// Records that the bot platform was handed <paramref name="events"/> (returned by the JSON feed or written to an SSE
    /// stream): each agent message among them gets a <c>Delivered</c> receipt for the contact center, once.
    /// </summary>
    public Task EventsServedAsync(IReadOnlyList<HandoffEvent> events, CancellationToken cancellationToken) =>
        AgentReceipts.DeliveredAsync(store, events, time.GetUtcNow(), cancellationToken);

    internal static string NewId(string prefix) => $"{prefix}_{Guid.CreateVersion7():N}";
}
