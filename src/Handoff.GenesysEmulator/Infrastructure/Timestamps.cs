using System.Globalization;

namespace Handoff.GenesysEmulator.Infrastructure;

/// <summary>Parses the ISO-8601 <c>channel.time</c> values clients send.</summary>
internal static class Timestamps
{
    public static bool TryParseIso8601(string? text, out DateTimeOffset value)
    {
        value = default;
        // Require the date/time separator so culture formats such as "03/01/2025" are rejected.
        return !string.IsNullOrWhiteSpace(text)
            && text.Contains('T', StringComparison.OrdinalIgnoreCase)
            && DateTimeOffset.TryParse(
                text,
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                out value);
    }
}
