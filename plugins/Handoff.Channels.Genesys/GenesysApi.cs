using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Every Genesys Cloud wire fact this plugin relies on, in one place (see <c>/work/shared/genesys-open-messaging.md</c>).
/// Items marked <b>[U]</b> are unconfirmed against a real org: adjust them here in one edit.
/// </summary>
internal static class GenesysApi
{
    // ---- Hosts (section 1) ----------------------------------------------------------------------------------

    /// <summary>API host = <c>api.</c> + region domain; login host = <c>login.</c> + region domain. [C]</summary>
    public const string ApiHostPrefix = "api.";

    public const string LoginHostPrefix = "login.";

    // ---- Paths. Relative (no leading slash) so a base URL with a path prefix (a proxy) keeps its prefix. ------

    /// <summary><c>POST {login}/oauth/token</c>, Basic auth, <c>grant_type=client_credentials</c>. [C]</summary>
    public const string TokenPath = "oauth/token";

    /// <summary>Inbound text message (section 3). <c>prefetchConversationId=true</c> asks Genesys to return the conversation id. [C]</summary>
    public static string InboundMessagePath(string integrationId, bool prefetchConversationId) =>
        $"api/v2/conversations/messages/{Uri.EscapeDataString(integrationId)}/inbound/open/message"
        + (prefetchConversationId ? "?prefetchConversationId=true" : string.Empty);

    /// <summary>Inbound event (typing). [C]</summary>
    public static string InboundEventPath(string integrationId) =>
        $"api/v2/conversations/messages/{Uri.EscapeDataString(integrationId)}/inbound/open/event";

    /// <summary>Inbound receipt for an agent message (only Delivered/Failed accepted). [C]</summary>
    public static string InboundReceiptPath(string integrationId) =>
        $"api/v2/conversations/messages/{Uri.EscapeDataString(integrationId)}/inbound/open/receipt";

    /// <summary>Read one Open Messaging integration (needs <c>messaging:integration:view</c>). [C]</summary>
    public static string IntegrationPath(string integrationId) =>
        $"api/v2/conversations/messaging/integrations/open/{Uri.EscapeDataString(integrationId)}";

    /// <summary>One message conversation with its participants (section 11.5). Readable with client credentials [U].</summary>
    public static string ConversationPath(string conversationId) =>
        $"api/v2/conversations/messages/{Uri.EscapeDataString(conversationId)}";

    /// <summary><c>PATCH</c> one participant, body <c>{"state":"disconnected"}</c>; 202 expected, any 2xx accepted [U].</summary>
    public static string ParticipantPath(string conversationId, string participantId) =>
        $"api/v2/conversations/messages/{Uri.EscapeDataString(conversationId)}/participants/{Uri.EscapeDataString(participantId)}";

    /// <summary>Who sent a message: <c>createdBy</c> (section 11.6). Whether <c>createdBy.name</c> is filled is [U].</summary>
    public static string MessageDetailsPath(string messageId) =>
        $"api/v2/conversations/messages/{Uri.EscapeDataString(messageId)}/details?useNormalizedMessage=true";

    /// <summary>A user (agent) by id (section 11.6).</summary>
    public static string UserPath(string userId) => $"api/v2/users/{Uri.EscapeDataString(userId)}";

    /// <summary>Estimated wait of a queue (section 11.7). The reply when no estimate is possible is [U].</summary>
    public static string EstimatedWaitPath(string queueId) =>
        $"api/v2/routing/queues/{Uri.EscapeDataString(queueId)}/estimatedwaittime";

    /// <summary>Queue observations: agents on queue by routing status (section 11.7).</summary>
    public const string QueueObservationsPath = "api/v2/analytics/queues/observations/query";

    /// <summary>Notification channels (section 11.1): <c>POST</c> creates one, <c>HEAD {id}</c> answers 404 once it is gone.</summary>
    public const string NotificationChannelsPath = "api/v2/notifications/channels";

    public static string NotificationChannelPath(string channelId) => $"{NotificationChannelsPath}/{Uri.EscapeDataString(channelId)}";

    /// <summary><c>PUT</c> replaces the channel's whole topic list (a JSON array of <c>{id}</c>). [C]</summary>
    public static string SubscriptionsPath(string channelId) => $"{NotificationChannelPath(channelId)}/subscriptions";

    // ---- Permissions (section 2), quoted in operator-facing errors. --------------------------------------------

    public const string InboundPermission = "conversation:message:receive";

    public const string IntegrationViewPermission = "messaging:integration:view";

    /// <summary>Message details (agent name lookup). [C] Reading a conversation's participants with it is [U].</summary>
    public const string MessageViewPermission = "conversation:message:view";

    public const string DisconnectPermission = "conversation:communication:disconnect";

    /// <summary>Reading users (agent names). The exact permission is [U]; the usual one is quoted.</summary>
    public const string UserViewPermission = "directory:user:view";

    public const string QueueViewPermission = "routing:queue:view";

    public const string QueueObservationPermission = "analytics:queueObservation:view";

    // ---- Notifications (section 11.2 and 11.3). -------------------------------------------------------------------

    /// <summary>Topics per conversation: the agent left, a (new) agent joined, the customer left. [C names]</summary>
    public const string TopicUserEnd = "user.end";

    public const string TopicUserStart = "user.start";

    public const string TopicCustomerEnd = "customer.end";

    public static readonly IReadOnlyList<string> ConversationTopicKinds = [TopicUserEnd, TopicUserStart, TopicCustomerEnd];

    public const string DetailTopicPrefix = "v2.detail.events.conversation.";

    /// <summary><c>v2.detail.events.conversation.{id}.user.end</c> and friends. [C]</summary>
    public static string DetailTopic(string conversationId, string kind) => $"{DetailTopicPrefix}{conversationId}.{kind}";

    /// <summary>Most topics one channel may hold (more answers 400). [C]</summary>
    public const int MaxTopicsPerChannel = 1000;

    /// <summary>Heartbeats and pongs arrive under this topic. [S]</summary>
    public const string MetadataTopic = "channel.metadata";

    /// <summary>Maintenance notice: reconnect within a minute. [C]</summary>
    public const string SocketClosingTopic = "v2.system.socket_closing";

    /// <summary>The health-check text frame (not an RFC 6455 ping). [C]</summary>
    public const string PingFrame = """{"message":"ping"}""";

    /// <summary>Participant <c>state</c> values (lower case in the Conversations API) that still hold the conversation. [C]</summary>
    public static readonly IReadOnlySet<string> ActiveParticipantStates =
        new HashSet<string>(["alerting", "dialing", "contacting", "offering", "connected"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Participant <c>purpose</c> values. [C] A message flow may show as <c>workflow</c> [U].</summary>
    public const string PurposeCustomer = "customer";

    public const string PurposeAgent = "agent";

    public const string PurposeUser = "user";

    /// <summary>
    /// Participant <c>disconnectType</c>s (lower case, dotted) that mean "passed on, not ended": <c>transfer</c>,
    /// <c>transfer.*</c>. [C values] Detail events spell the same as UPPER_SNAKE ending in <c>TRANSFER</c> (section 11.3).
    /// </summary>
    public static bool IsTransfer(string? disconnectType) =>
        disconnectType is { Length: > 0 } d
        && (d.StartsWith("transfer", StringComparison.OrdinalIgnoreCase) || d.EndsWith("TRANSFER", StringComparison.OrdinalIgnoreCase));

    /// <summary>An alerting agent who did not take the conversation: <c>transfer.noanswer</c>, <c>transfer.notavailable</c> (and UPPER_SNAKE forms).</summary>
    public static bool IsNoAnswer(string? disconnectType) =>
        disconnectType is { Length: > 0 } d
        && (d.Contains("noanswer", StringComparison.OrdinalIgnoreCase) || d.Contains("notavailable", StringComparison.OrdinalIgnoreCase)
            || d.Contains("NO_ANSWER", StringComparison.OrdinalIgnoreCase) || d.Contains("NOT_AVAILABLE", StringComparison.OrdinalIgnoreCase));

    public const string DisconnectedState = "disconnected";

    public const string ConnectedState = "connected";

    /// <summary><c>disconnectType</c> of a leg that ended because the other side (here: the customer) left. [C value]</summary>
    public const string DisconnectPeer = "peer";

    /// <summary>A subscription Genesys refused (<c>ChannelTopic.state</c>). [C]</summary>
    public const string TopicRejected = "Rejected";

    /// <summary>Subscribing again keeps a channel alive (it lasts 24 h) [C]; whether <c>expires</c> moves then is [U].</summary>
    public static readonly TimeSpan ChannelResubscribeInterval = TimeSpan.FromHours(6);

    // ---- Queue figures (section 11.7). ------------------------------------------------------------------------------

    /// <summary>The estimate to read from <c>results[]</c>. [C]</summary>
    public const string WaitIntentMessage = "MESSAGE";

    /// <summary>On-queue agents, qualified by routing status. [C]</summary>
    public const string MetricOnQueueUsers = "oOnQueueUsers";

    /// <summary>The routing status of an idle (available) on-queue agent. [S]</summary>
    public const string QualifierIdle = "IDLE";

    public const string MediaTypeMessage = "message";

    // ---- Body values (sections 3 and 4). -----------------------------------------------------------------------

    /// <summary><c>channel.from.idType</c> for a bot session id. Casing tolerance of Genesys [U]: send exactly this.</summary>
    public const string IdTypeOpaque = "Opaque";

    public const string EventTypeTyping = "Typing";

    public const string ReceiptDelivered = "Delivered";

    public const string ReceiptFailed = "Failed";

    /// <summary>Receipt reason codes (section 3.2). [C]</summary>
    public const string ReasonGeneralError = "GeneralError";

    public const string ReasonRecipientOptedOut = "RecipientOptedOut";

    /// <summary><c>content[].contentType</c> of an attachment. [S]</summary>
    public const string ContentTypeAttachment = "Attachment";

    /// <summary>Attachment <c>mediaType</c> values. [C] Handoff's API uses the same words in lower case.</summary>
    public static readonly IReadOnlyList<string> MediaTypes = ["Image", "Video", "Audio", "File", "Link"];

    /// <summary>Handoff's lower-case media type as Genesys spells it (<c>File</c> when unknown).</summary>
    public static string ToGenesysMediaType(string? mediaType) =>
        MediaTypes.FirstOrDefault(m => string.Equals(m, mediaType, StringComparison.OrdinalIgnoreCase)) ?? "File";

    /// <summary><c>originatingEntity</c> of messages sent by a flow or bot rather than an agent. [C]</summary>
    public const string OriginatingBot = "Bot";

    public const string DirectionOutbound = "Outbound";

    /// <summary>Webhook body <c>type</c> values. [C]</summary>
    public const string TypeText = "Text";

    public const string TypeStructured = "Structured";

    public const string TypeReceipt = "Receipt";

    public const string TypeEvent = "Event";

    // ---- Webhook (sections 4 and 5). ------------------------------------------------------------------------------

    /// <summary>Signature header. [C]</summary>
    public const string SignatureHeader = "X-Hub-Signature-256";

    /// <summary>Signature value prefix before the standard padded base64 HMAC-SHA256 of the raw body. [C]</summary>
    public const string SignaturePrefix = "sha256=";

    /// <summary>
    /// Largest webhook body accepted. Genesys' platform request limit is 512,000 bytes [S]; an agent message is far smaller.
    /// </summary>
    public const int MaxWebhookBodyBytes = 512 * 1024;

    /// <summary>The webhook secret must be longer than this many characters. [C]</summary>
    public const int MinWebhookSecretLength = 16;

    // ---- Limits. ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// Longest inbound <c>text</c> we send. Genesys documents no inbound limit [U]; the agent UI shows up to 4000
    /// characters for Open Messaging [C, conflicting]. The transcript is trimmed to fit (oldest lines first).
    /// </summary>
    public const int MaxInboundTextLength = 4000;

    /// <summary>Within this, the resilience pipeline waits for Retry-After itself; beyond it, the 429 goes back to core's outbox.</summary>
    public static readonly TimeSpan MaxInlineRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The OAuth token is refreshed this long before it expires: 10 % of its lifetime, at most 60 s
    /// (Genesys default lifetime is 86,400 s, configurable 300 s – 48 h [C]).
    /// </summary>
    public static TimeSpan TokenRefreshMargin(TimeSpan lifetime) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(60).Ticks, lifetime.Ticks / 10));

    /// <summary><c>channel.time</c>: ISO-8601 UTC with milliseconds and <c>Z</c>, as in the Genesys examples. [C]</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Web defaults (camelCase, case-insensitive), unknown fields ignored, nulls not written.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };
}
