namespace Handoff.Channels.Genesys.Tests;

public sealed class GenesysTranscriptTests
{
    [Fact]
    public void Transcript_is_rendered_one_line_per_entry_with_time_and_speaker()
    {
        var text = GenesysTranscript.Render(TestData.Handoff());

        Assert.Equal(
            """
            Conversation with the bot before the transfer (times in UTC):
            [14:05] User: I want a refund
            [14:05] Bot: I can help with that. Order number?
            [14:06] User: I'd like to talk to a person, please.
            """.ReplaceLineEndings("\n"),
            text);
    }

    [Fact]
    public void Lines_without_time_have_no_brackets_and_multiline_text_is_indented()
    {
        var text = GenesysTranscript.Render(TestData.Handoff(transcript:
        [
            new("user", "first line\r\nsecond line", null),
            new("BOT", "ok", null),
            new("user", "   ", null),
        ]));

        Assert.Equal(
            "Conversation with the bot before the transfer (times in UTC):\nUser: first line\n    second line\nBot: ok",
            text);
    }

    [Fact]
    public void Times_are_shown_in_utc()
    {
        var line = GenesysTranscript.RenderLine(new("user", "hi", new DateTimeOffset(2025, 3, 1, 11, 5, 0, TimeSpan.FromHours(-3))));
        Assert.Equal("[14:05] User: hi", line);
    }

    [Fact]
    public void Without_transcript_the_agent_reads_who_asked()
    {
        Assert.Equal("Maria P. asked to talk to an agent.", GenesysTranscript.Render(TestData.Handoff(transcript: [])));
        Assert.Equal(
            "Ana Gómez asked to talk to an agent.",
            GenesysTranscript.Render(TestData.Handoff(transcript: [], user: new ChannelUser("u1", null, "Ana", "Gómez", null))));
    }

    [Fact]
    public void Long_transcript_keeps_the_most_recent_lines_within_the_limit()
    {
        var lines = Enumerable.Range(1, 200)
            .Select(i => new TranscriptLine(i % 2 == 0 ? "bot" : "user", $"message number {i} " + new string('x', 40), null))
            .ToList();

        var text = GenesysTranscript.Render(TestData.Handoff(transcript: lines), maxLength: 1000);

        Assert.True(text.Length <= 1000, $"length {text.Length}");
        Assert.StartsWith(GenesysTranscript.Header + "\n(", text, StringComparison.Ordinal);
        Assert.Contains("earlier messages omitted)", text, StringComparison.Ordinal);
        Assert.Contains("message number 200 ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("message number 1 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_huge_line_is_cut_to_the_limit()
    {
        var text = GenesysTranscript.Render(TestData.Handoff(transcript: [new("user", new string('y', 10_000), null)]), maxLength: 500);
        Assert.Equal(500, text.Length);
        Assert.EndsWith("…", text, StringComparison.Ordinal);
    }
}
