using Handoff.Channels;
using Handoff.Core.Domain;

namespace Handoff.Core.Channels;

internal static class ChannelMapping
{
    public static ChannelHandoff ToChannel(this HandoffRecord h) => new(
        h.Id,
        h.Queue,
        new ChannelUser(h.User.Id, h.User.Nickname, h.User.FirstName, h.User.LastName, h.User.Email),
        h.Attributes,
        h.Transcript.Select(t => new TranscriptLine(t.From, t.Text, t.Time)).ToArray(),
        h.CreatedAt,
        h.ChannelState);

    public static ChannelMessage ToChannelMessage(this OutboxItem item) =>
        new(item.MessageId!, item.Text ?? string.Empty, item.CreatedAt)
        {
            Attachments = item.Attachments.Select(a => new ChannelAttachment(a.Url, a.MediaType, a.Mime, a.Filename, a.Size)).ToArray(),
        };

    public static ChannelReceipt ToChannelReceipt(this OutboxReceipt receipt, DateTimeOffset time) =>
        new(receipt.AgentMessageId,
            receipt.Delivered,
            receipt.Delivered ? null : receipt.Refused ? ReceiptFailure.Refused : ReceiptFailure.Undeliverable,
            receipt.Reason,
            time);

    public static IReadOnlyList<MessageAttachment>? ToDomain(this IReadOnlyList<ChannelAttachment>? attachments) =>
        attachments is { Count: > 0 }
            ? attachments.Select(a => new MessageAttachment(a.Url, a.MediaType?.ToLowerInvariant(), a.Mime, a.Filename, a.Size)).ToArray()
            : null;
}
