using Handoff.Testing;

namespace Handoff.Reliability.Tests;

/// <summary>
/// Compares what the bot had accepted (per handoff, in send order) with what reached the Genesys emulator (per
/// conversation, in arrival order, identified by <c>channel.messageId</c> = the client message id).
/// </summary>
internal sealed record DeliveryAudit(
    int Accepted,
    int Delivered,
    int Lost,
    int Duplicated,
    int OutOfOrder,
    int WrongText,
    int Unexpected,
    int StartDuplicates,
    IReadOnlyList<DeliveryAudit.Duplicate> Duplicates,
    IReadOnlyList<string> Problems)
{
    /// <summary>An id seen <paramref name="Times"/> times; <paramref name="Adjacent"/> when every copy directly follows the first (a re-send of the head item, nothing overtaken).</summary>
    public sealed record Duplicate(string HandoffId, string MessageId, int Times, bool Adjacent);

    /// <param name="accepted">Per handoff: the client message ids the API answered 202 for, in the order the bot sent them, with their text.</param>
    public static DeliveryAudit Run(
        IReadOnlyDictionary<string, IReadOnlyList<(string Id, string Text)>> accepted, IReadOnlyList<EmulatorConversation> conversations)
    {
        int lost = 0, duplicated = 0, outOfOrder = 0, wrongText = 0, unexpected = 0, startDuplicates = 0, delivered = 0;
        var duplicates = new List<Duplicate>();
        var problems = new List<string>();

        foreach (var (handoffId, sent) in accepted)
        {
            var inbound = conversations
                .Where(c => c.UserId == handoffId)
                .OrderBy(c => c.CreatedAt)
                .SelectMany(c => c.Messages)
                .Where(m => m.Direction == EmulatorMessage.Inbound)
                .ToList();
            var startId = $"{handoffId}:start";
            startDuplicates += Math.Max(0, inbound.Count(m => m.MessageId == startId) - 1);
            var seen = inbound.Where(m => m.MessageId != startId).ToList();

            var expected = sent.ToDictionary(s => s.Id, s => s.Text, StringComparer.Ordinal);
            var position = sent.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);

            foreach (var message in seen)
            {
                if (message.MessageId is null || !expected.TryGetValue(message.MessageId, out var text))
                {
                    unexpected++;
                    problems.Add($"{handoffId}: unexpected inbound message {message.MessageId ?? "(no id)"} \"{message.Text}\"");
                }
                else if (message.Text != text)
                {
                    wrongText++;
                    problems.Add($"{handoffId}: {message.MessageId} arrived as \"{message.Text}\", sent as \"{text}\"");
                }
            }

            var ids = seen.Where(m => m.MessageId is not null && expected.ContainsKey(m.MessageId)).Select(m => m.MessageId!).ToList();
            foreach (var group in ids.GroupBy(id => id, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                var first = ids.IndexOf(group.Key);
                var adjacent = Enumerable.Range(first, group.Count()).All(i => i < ids.Count && ids[i] == group.Key);
                duplicated += group.Count() - 1;
                duplicates.Add(new Duplicate(handoffId, group.Key, group.Count(), adjacent));
            }

            var present = ids.ToHashSet(StringComparer.Ordinal);
            delivered += present.Count;
            foreach (var (id, _) in sent.Where(s => !present.Contains(s.Id)))
            {
                lost++;
                if (problems.Count < 50)
                {
                    problems.Add($"{handoffId}: {id} accepted but never reached Genesys");
                }
            }

            // Order: first occurrences must follow send order; every step backwards is a message that overtook another.
            var order = ids.Distinct(StringComparer.Ordinal).Select(id => position[id]).ToList();
            for (var i = 1; i < order.Count; i++)
            {
                if (order[i] < order[i - 1])
                {
                    outOfOrder++;
                    problems.Add($"{handoffId}: {sent[order[i]].Id} arrived after {sent[order[i - 1]].Id}");
                }
            }
        }

        return new DeliveryAudit(
            accepted.Values.Sum(v => v.Count), delivered, lost, duplicated, outOfOrder, wrongText, unexpected, startDuplicates, duplicates, problems);
    }

    /// <summary>Accepted ids not yet at the emulator (the drain condition).</summary>
    public static int Missing(
        IReadOnlyDictionary<string, IReadOnlyList<(string Id, string Text)>> accepted, IReadOnlyList<EmulatorConversation> conversations)
    {
        var seen = conversations
            .SelectMany(c => c.Messages.Where(m => m.Direction == EmulatorMessage.Inbound && m.MessageId is not null).Select(m => (c.UserId, m.MessageId!)))
            .ToHashSet();
        return accepted.Sum(kv => kv.Value.Count(s => !seen.Contains((kv.Key, s.Id))));
    }
}
