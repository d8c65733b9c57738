using System.Text.Json.Serialization;

namespace Handoff.GenesysEmulator.Notifications;

// WebSocket frames of the Notifications API (fact sheet §11.2). Null members are not written, so the heartbeat and pong
// frames come out exactly as {"topicName":"channel.metadata","eventBody":{"message":"…"}}.

/// <summary>One server frame: <c>{ topicName, version, eventBody, metadata: { CorrelationId } }</c>.</summary>
internal sealed record NotificationFrame(string TopicName, string? Version, object EventBody, NotificationMetadata? Metadata)
{
    public const string MetadataTopic = "channel.metadata";
    public const string SocketClosingTopic = "v2.system.socket_closing";
    public const string CurrentVersion = "2";
}

/// <summary>The frame's <c>metadata</c>; Genesys capitalises the key.</summary>
internal sealed record NotificationMetadata([property: JsonPropertyName("CorrelationId")] string CorrelationId);

/// <summary>Body of <c>channel.metadata</c> frames (heartbeat, pong).</summary>
internal sealed record ChannelMetadataBody(string Message)
{
    public const string Heartbeat = "WebSocket Heartbeat";
    public const string Pong = "pong";
}

/// <summary>Body of the <c>v2.system.socket_closing</c> maintenance notice.</summary>
internal sealed record SocketClosingBody(string Message, string ChannelId);

/// <summary>A client text frame; <c>{"message":"ping"}</c> is the health check.</summary>
internal sealed record ClientFrame(string? Message);
