using Handoff.Core.Domain;
using Handoff.Core.Storage;

namespace Handoff.Core.Application;

/// <summary>Ending a handoff from our side (the user, the bot, a timeout): the end and telling the channel, in one write.</summary>
internal static class HandoffEnding
{
    /// <param name="onlyIf">An extra condition checked inside the write (e.g. "still idle"); the handoff is left alone when false.</param>
    public static async Task<HandoffRecord?> EndAsync(
        IHandoffStore store, string handoffId, string endedBy, string? reason, DateTimeOffset now, Func<HandoffRecord, bool>? onlyIf, CancellationToken cancellationToken)
    {
        var result = await store.UpdateAsync(handoffId, h =>
        {
            if (onlyIf is not null && !onlyIf(h))
            {
                return HandoffUpdate.None(h);
            }

            var transition = HandoffTransitions.End(h, endedBy, reason, now);
            if (ReferenceEquals(transition.Handoff, h))
            {
                return HandoffUpdate.None(h);
            }

            var item = new OutboxItem { HandoffId = h.Id, Kind = OutboxKind.End, Text = transition.Handoff.EndReason, CreatedAt = now, NextAttemptAt = now };
            return new HandoffUpdate(transition, item);
        }, null, cancellationToken).ConfigureAwait(false);

        if (result.Events.Any(e => e.Type == EventTypes.Ended) && result.Handoff is not null)
        {
            HandoffMetrics.Ended(result.Handoff);
        }

        return result.Handoff;
    }
}
