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

    // ---- Permissions (section 2), quoted in operator-facing errors. --------------------------------------------

    public const string InboundPermission = "conversation:message:receive";

    public const string IntegrationViewPermission = "messaging:integration:view";

    // ---- Body values (sections 3 and 4). -----------------------------------------------------------------------

    /// <summary><c>channel.from.idType</c> for a bot session id. Casing tolerance of Genesys [U]: send exactly this.</summary>
    public const string IdTypeOpaque = "Opaque";

    public const string EventTypeTyping = "Typing";

    public const string ReceiptDelivered = "Delivered";

    public const string ReceiptFailed = "Failed";

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
