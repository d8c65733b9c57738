using System.Globalization;
using System.Text;

namespace Handoff.Channels.Genesys;

/// <summary>Renders the bot transcript as the text of the first inbound message, readable in the agent's conversation view.</summary>
internal static class GenesysTranscript
{
    public const string Header = "Conversation with the bot before the transfer (times in UTC):";

    private const string ContinuationIndent = "    ";

    public static string Render(ChannelHandoff handoff, int maxLength = GenesysApi.MaxInboundTextLength)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        var lines = handoff.Transcript
            .Where(t => !string.IsNullOrWhiteSpace(t.Text))
            .Select(RenderLine)
            .ToList();
        if (lines.Count == 0)
        {
            return $"{handoff.User.DisplayName} asked to talk to an agent.";
        }

        // Keep the most recent lines when the whole transcript does not fit.
        var omitted = 0;
        while (lines.Count > 1 && Length(lines, omitted) > maxLength)
        {
            lines.RemoveAt(0);
            omitted++;
        }

        var text = new StringBuilder(Header);
        if (omitted > 0)
        {
            text.Append('\n').Append(CultureInfo.InvariantCulture, $"({omitted} earlier {(omitted == 1 ? "message" : "messages")} omitted)");
        }

        foreach (var line in lines)
        {
            text.Append('\n').Append(line);
        }

        return text.Length <= maxLength ? text.ToString() : string.Concat(text.ToString(0, maxLength - 1), "…");
    }

    internal static string RenderLine(TranscriptLine line)
    {
        var time = line.Time is { } t ? t.UtcDateTime.ToString("'['HH:mm'] '", CultureInfo.InvariantCulture) : string.Empty;
        var body = line.Text.Trim().ReplaceLineEndings("\n").Replace("\n", "\n" + ContinuationIndent, StringComparison.Ordinal);
        return $"{time}{Speaker(line.From)}: {body}";
    }

    private static string Speaker(string? from) => from?.Trim().ToLowerInvariant() switch
    {
        "user" or "customer" => "User",
        "bot" or null or "" => "Bot",
        var other => char.ToUpperInvariant(other[0]) + other[1..],
    };

    private static int Length(List<string> lines, int omitted) =>
        Header.Length + lines.Sum(l => l.Length + 1) + (omitted > 0 ? 40 : 0);
}
