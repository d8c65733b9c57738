using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Handoff.Channels.Genesys;

/// <summary>
/// The plugin's ActivitySource and Meter, both named <see cref="GenesysChannel.TelemetryName"/> (ServiceDefaults subscribes to
/// <c>Handoff.*</c>). Tags carry ids only: never message text, tokens or secrets.
/// </summary>
internal static class GenesysTelemetry
{
    public const string HandoffIdTag = "handoff.id";
    public const string IntegrationIdTag = "genesys.integration.id";
    public const string ConversationIdTag = "genesys.conversation.id";
    public const string MessageIdTag = "genesys.message.id";

    public static readonly ActivitySource ActivitySource = new(GenesysChannel.TelemetryName);

    private static readonly Meter Meter = new(GenesysChannel.TelemetryName);

    /// <summary>Calls to the inbound API, by <c>kind</c> (start, message, typing, receipt, end) and <c>outcome</c> (delivered, retry, failed).</summary>
    private static readonly Counter<long> InboundSent = Meter.CreateCounter<long>(
        "handoff.genesys.inbound.sent", "{request}", "Inbound Open Messaging calls to Genesys Cloud, by kind and outcome.");

    /// <summary>Authentic, parsable webhooks by body <c>type</c>.</summary>
    private static readonly Counter<long> WebhooksReceived = Meter.CreateCounter<long>(
        "handoff.genesys.webhook.received", "{webhook}", "Outbound notification webhooks received from Genesys Cloud, by type.");

    /// <summary>Webhooks refused, by <c>reason</c> (signature_missing, signature_invalid, too_large, bad_json).</summary>
    private static readonly Counter<long> WebhookRejections = Meter.CreateCounter<long>(
        "handoff.genesys.webhook.rejected", "{webhook}", "Webhooks refused before relaying, by reason.");

    /// <summary>Notification socket sessions ended, by <c>end</c> (closing, dropped, channel_gone, failed, idle).</summary>
    private static readonly Counter<long> NotificationSessions = Meter.CreateCounter<long>(
        "handoff.genesys.notifications.sessions", "{session}", "Notification WebSocket sessions ended, by how they ended.");

    /// <summary>Conversation detail events received on the socket, by <c>topic</c> (user.end, user.start, customer.end).</summary>
    private static readonly Counter<long> NotificationEvents = Meter.CreateCounter<long>(
        "handoff.genesys.notifications.events", "{event}", "Conversation detail events received on the notification socket, by topic.");

    /// <summary>Decisions on settled conversations, by <c>verdict</c> (open, ended, transferred, requeued, unknown).</summary>
    private static readonly Counter<long> Verdicts = Meter.CreateCounter<long>(
        "handoff.genesys.conversation.verdicts", "{verdict}", "What settled conversations' participants said, by verdict.");

    /// <summary>Agent name lookups, by <c>result</c> (real_name, fallback).</summary>
    private static readonly Counter<long> AgentNames = Meter.CreateCounter<long>(
        "handoff.genesys.agent_name.lookups", "{lookup}", "Agent name lookups for agent messages: the real name, or the integration name as fallback.");

    public static void RecordSession(string end) => NotificationSessions.Add(1, new KeyValuePair<string, object?>("end", end));

    public static void RecordEvent(string topic) => NotificationEvents.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public static void RecordVerdict(string verdict) => Verdicts.Add(1, new KeyValuePair<string, object?>("verdict", verdict));

    public static void RecordAgentName(bool found) => AgentNames.Add(1, new KeyValuePair<string, object?>("result", found ? "real_name" : "fallback"));

    public static void RecordInbound(string kind, DeliveryOutcome outcome) =>
        InboundSent.Add(1, new("kind", kind), new("outcome", OutcomeTag(outcome)));

    public static void RecordWebhook(string? type) =>
        WebhooksReceived.Add(1, new KeyValuePair<string, object?>("type", string.IsNullOrEmpty(type) ? "unknown" : type));

    public static void RecordRejection(string reason) =>
        WebhookRejections.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static string OutcomeTag(DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Delivered => "delivered",
        DeliveryOutcome.Retry => "retry",
        _ => "failed",
    };

    public static class RejectionReasons
    {
        public const string SignatureMissing = "signature_missing";
        public const string SignatureInvalid = "signature_invalid";
        public const string TooLarge = "too_large";
        public const string BadJson = "bad_json";
    }
}
