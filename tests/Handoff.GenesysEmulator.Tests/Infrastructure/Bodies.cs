using System.Text.Json.Nodes;

namespace Handoff.GenesysEmulator.Tests.Infrastructure;

/// <summary>Inbound request bodies shaped like fact sheet §3, built as JSON nodes so tests can remove or change fields.</summary>
internal static class Bodies
{
    public const string Time = "2025-03-01T14:05:09.120Z";

    public static string NewUserId() => $"sess-{Guid.NewGuid():N}";

    public static string NewMessageId() => $"msg-{Guid.NewGuid():N}";

    public static JsonObject Message(
        string userId,
        string? text = "I'd like to talk to a person, please.",
        string? messageId = null,
        IReadOnlyDictionary<string, string>? customAttributes = null)
    {
        var channel = new JsonObject
        {
            ["messageId"] = messageId ?? NewMessageId(),
            ["time"] = Time,
            ["from"] = new JsonObject
            {
                ["id"] = userId,
                ["idType"] = "Opaque",
                ["nickname"] = "Maria P.",
                ["firstName"] = "Maria",
                ["lastName"] = "Perez",
            },
        };
        if (customAttributes is not null)
        {
            var attributes = new JsonObject();
            foreach (var (key, value) in customAttributes)
            {
                attributes[key] = value;
            }

            channel["metadata"] = new JsonObject { ["customAttributes"] = attributes };
        }

        var body = new JsonObject { ["channel"] = channel };
        if (text is not null)
        {
            body["text"] = text;
        }

        return body;
    }

    public static JsonObject Receipt(string messageId, string userId, string status = "Delivered") => new()
    {
        ["id"] = messageId,
        ["channel"] = new JsonObject
        {
            ["to"] = new JsonObject { ["id"] = userId, ["idType"] = "Opaque" },
            ["time"] = "2025-03-01T14:06:00.000Z",
        },
        ["status"] = status,
        ["direction"] = "Outbound",
        ["isFinalReceipt"] = true,
    };

    public static JsonObject Typing(string userId) => new()
    {
        ["channel"] = new JsonObject
        {
            ["from"] = new JsonObject { ["id"] = userId, ["idType"] = "Opaque" },
            ["time"] = "2025-03-01T14:05:30.000Z",
        },
        ["events"] = new JsonArray(new JsonObject { ["eventType"] = "Typing" }),
    };

    /// <summary>Removes the property at a dotted path, e.g. <c>channel.from.id</c>.</summary>
    public static JsonObject Without(this JsonObject body, string path)
    {
        var segments = path.Split('.');
        var parent = body;
        foreach (var segment in segments[..^1])
        {
            parent = parent[segment]!.AsObject();
        }

        parent.Remove(segments[^1]);
        return body;
    }

    /// <summary>Sets the value at a dotted path.</summary>
    public static JsonObject With(this JsonObject body, string path, JsonNode? value)
    {
        var segments = path.Split('.');
        var parent = body;
        foreach (var segment in segments[..^1])
        {
            parent = parent[segment]!.AsObject();
        }

        parent[segments[^1]] = value;
        return body;
    }
}
