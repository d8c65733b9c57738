using System.Text.Json;
using System.Text.Json.Serialization;
using Handoff.Core.Domain;

namespace Handoff.Core.Storage;

/// <summary>The outbox <c>data</c> column: what an item carries beyond its text (attachments, a receipt), as JSON.</summary>
internal static class OutboxData
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string? Write(OutboxItem item)
    {
        if (item.Attachments.Count == 0 && item.Receipt is null)
        {
            return null;
        }

        return JsonSerializer.Serialize(new Data(item.Attachments.Count == 0 ? null : item.Attachments, item.Receipt), Json);
    }

    public static OutboxItem WithData(this OutboxItem item, string? json)
    {
        if (string.IsNullOrEmpty(json) || JsonSerializer.Deserialize<Data>(json, Json) is not { } data)
        {
            return item;
        }

        return item with { Attachments = data.Attachments ?? [], Receipt = data.Receipt };
    }

    private sealed record Data(IReadOnlyList<MessageAttachment>? Attachments, OutboxReceipt? Receipt);
}
