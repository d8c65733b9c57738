using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Handoff.GenesysEmulator.Infrastructure;

/// <summary>
/// One JSON configuration for every body the emulator reads or writes (HTTP responses and webhook bodies):
/// camelCase, case-insensitive reads, unknown fields ignored (fact sheet §10.13), nulls omitted, and timestamps
/// written the way Genesys writes them (<c>2025-03-01T14:05:58.431Z</c>).
/// </summary>
internal static class EmulatorJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DictionaryKeyPolicy = null;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        options.Converters.Add(new UtcTimestampConverter());
    }

    /// <summary>Writes UTC with millisecond precision and a <c>Z</c> suffix; reads any ISO-8601 timestamp.</summary>
    private sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
    {
        private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (text is not null
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            {
                return value;
            }

            throw new JsonException("Expected an ISO-8601 timestamp.");
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }
}
