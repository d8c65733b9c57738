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
}
