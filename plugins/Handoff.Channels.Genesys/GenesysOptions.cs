using System.Diagnostics.CodeAnalysis;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Configuration section <c>Channels:Genesys</c>. Secrets (<see cref="ClientSecret"/>, <see cref="WebhookSecret"/>) come from
/// environment variables or user secrets (<c>Channels__Genesys__ClientSecret</c>), never from appsettings in git.
/// </summary>
public sealed class GenesysOptions
{
    public const string SectionName = "Channels:Genesys";

    /// <summary>
    /// The Genesys Cloud region domain, e.g. <c>mypurecloud.ie</c> or <c>usw2.pure.cloud</c>. <c>https://api.&lt;domain&gt;</c> and
    /// <c>https://login.&lt;domain&gt;</c> are derived from it. A scheme, a leading <c>api.</c>/<c>login.</c> or a trailing slash are tolerated.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>Overrides the API base URL derived from <see cref="Region"/> (absolute URI; used for the emulator).</summary>
    public Uri? ApiBaseUrl { get; set; }

    /// <summary>Overrides the login (OAuth) base URL derived from <see cref="Region"/> (absolute URI; used for the emulator).</summary>
    public Uri? LoginBaseUrl { get; set; }

    /// <summary>OAuth client (grant type Client Credentials) from Admin &gt; Integrations &gt; OAuth.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>
    /// The integration's Outbound Notification Webhook Signature Secret Token. When set, every webhook must carry a valid
    /// <c>X-Hub-Signature-256</c>; when empty, webhooks are accepted unsigned (not recommended outside development).
    /// </summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// During a secret rotation: the previous signature secret, still accepted until every integration signs with
    /// <see cref="WebhookSecret"/>. Remove it once the rotation is done.
    /// </summary>
    public string? WebhookSecretPrevious { get; set; }

    /// <summary>
    /// Shared secret for <c>POST /channels/genesys/events</c> (Process Automation trigger → Web Services data action), sent in
    /// the <c>X-Handoff-Trigger-Secret</c> header. Unset: the endpoint is off (404).
    /// </summary>
    public string? TriggerSecret { get; set; }

    /// <summary>
    /// How long to let a conversation settle after an agent left or joined before reading its participants and deciding
    /// (ended, transferred or requeued). Long enough for a transfer's next agent to appear; default 3 s.
    /// </summary>
    public TimeSpan EndSettleWindow { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Longest wait for the agent's real name on a webhook before the integration name is used instead (default 2 s).</summary>
    public TimeSpan AgentNameLookupTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often queued handoffs get a <c>handoff.waiting</c> estimate (queues with a <c>QueueId</c> only). Zero: never. Default 60 s.</summary>
    public TimeSpan WaitingInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the integrations health check keeps its last answer (default 60 s).</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The Notifications API WebSocket that tells Handoff when agents leave (section <c>Notifications</c>).</summary>
    public GenesysNotificationOptions Notifications { get; set; } = new();

    /// <summary>Queue name (as used in the Handoff API, case-insensitive) → the Open Messaging integration that routes to it.</summary>
    public Dictionary<string, GenesysQueueOptions> Queues { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The API base URI, ending in <c>/</c>, or null when neither <see cref="ApiBaseUrl"/> nor a valid <see cref="Region"/> is set.</summary>
    public Uri? ResolveApiBaseUri() => Resolve(ApiBaseUrl, GenesysApi.ApiHostPrefix);

    /// <summary>The login base URI, ending in <c>/</c>, or null when neither <see cref="LoginBaseUrl"/> nor a valid <see cref="Region"/> is set.</summary>
    public Uri? ResolveLoginBaseUri() => Resolve(LoginBaseUrl, GenesysApi.LoginHostPrefix);

    /// <summary>The integration id configured for <paramref name="queue"/> (case-insensitive).</summary>
    public bool TryGetIntegrationId(string queue, [NotNullWhen(true)] out string? integrationId)
    {
        integrationId = FindQueue(queue) is { } q && !string.IsNullOrWhiteSpace(q.Value.IntegrationId) ? q.Value.IntegrationId.Trim() : null;
        return integrationId is not null;
    }

    /// <summary>The configured queue entry whose name matches <paramref name="queue"/> case-insensitively.</summary>
    public KeyValuePair<string, GenesysQueueOptions>? FindQueue(string queue)
    {
        if (Queues.TryGetValue(queue, out var exact))
        {
            return new(queue, exact);
        }

        // The binder or a caller may have replaced the dictionary with a case-sensitive one.
        foreach (var entry in Queues)
        {
            if (string.Equals(entry.Key, queue, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// The first configured queue that uses <paramref name="integrationId"/> (GUID comparison; several queues may share one
    /// integration when its flow routes on the <c>handoffQueue</c> attribute).
    /// </summary>
    public KeyValuePair<string, GenesysQueueOptions>? FindQueueByIntegrationId(string? integrationId)
    {
        if (!Guid.TryParse(integrationId, out var wanted))
        {
            return null;
        }

        KeyValuePair<string, GenesysQueueOptions>? first = null;
        foreach (var entry in Queues)
        {
            if (Guid.TryParse(entry.Value.IntegrationId, out var id) && id == wanted)
            {
                if (!string.IsNullOrWhiteSpace(entry.Value.IntegrationName))
                {
                    return entry;
                }

                first ??= entry;
            }
        }

        return first;
    }

    /// <summary>The first configured queue whose <see cref="GenesysQueueOptions.QueueId"/> is <paramref name="queueId"/> (GUID comparison).</summary>
    public KeyValuePair<string, GenesysQueueOptions>? FindQueueByQueueId(string? queueId)
    {
        if (!Guid.TryParse(queueId, out var wanted))
        {
            return null;
        }

        foreach (var entry in Queues)
        {
            if (Guid.TryParse(entry.Value.QueueId, out var id) && id == wanted)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>The configured integration name for <paramref name="integrationId"/>, if any.</summary>
    public string? FindIntegrationName(string? integrationId) =>
        FindQueueByIntegrationId(integrationId)?.Value.IntegrationName is { } name && !string.IsNullOrWhiteSpace(name) ? name.Trim() : null;

    /// <summary>
    /// Normalizes a region as operators type it (<c>https://api.mypurecloud.ie/</c>, <c>login.mypurecloud.ie</c>, <c>MYPURECLOUD.IE</c>)
    /// to the bare domain (<c>mypurecloud.ie</c>); null when nothing usable is left.
    /// </summary>
    public static string? NormalizeRegion(string? region)
    {
        if (string.IsNullOrWhiteSpace(region))
        {
            return null;
        }

        var value = region.Trim();
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            value = value[(scheme + 3)..];
        }

        var end = value.IndexOfAny(['/', '?', '#']);
        if (end >= 0)
        {
            value = value[..end];
        }

        value = value.Trim().TrimEnd('.').ToLowerInvariant();
        foreach (var prefix in new[] { GenesysApi.ApiHostPrefix, GenesysApi.LoginHostPrefix })
        {
            if (value.StartsWith(prefix, StringComparison.Ordinal))
            {
                value = value[prefix.Length..];
                break;
            }
        }

        return value.Length > 0 && value.Contains('.') && Uri.CheckHostName(value) == UriHostNameType.Dns ? value : null;
    }

    private Uri? Resolve(Uri? explicitUrl, string hostPrefix)
    {
        if (explicitUrl is not null)
        {
            return explicitUrl.IsAbsoluteUri ? WithTrailingSlash(explicitUrl) : null;
        }

        return NormalizeRegion(Region) is { } domain ? new Uri($"https://{hostPrefix}{domain}/") : null;
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new UriBuilder(uri) { Path = uri.AbsolutePath + "/" }.Uri;
}

/// <summary>One queue: <c>Channels:Genesys:Queues:&lt;QueueName&gt;</c>.</summary>
public sealed class GenesysQueueOptions
{
    /// <summary>The Open Messaging integration id (GUID) shown in Admin &gt; Message &gt; Platforms.</summary>
    public string? IntegrationId { get; set; }

    /// <summary>The integration's name; shown to the user as the agent's name (Genesys does not send the agent's own name).</summary>
    public string? IntegrationName { get; set; }

    /// <summary>
    /// Optional: the Genesys queue id (GUID) this integration's flow routes to. Enables <c>GET /v1/queues/{name}/availability</c>
    /// and <c>handoff.waiting</c> estimates for the queue.
    /// </summary>
    public string? QueueId { get; set; }
}

/// <summary><c>Channels:Genesys:Notifications</c>: one notification channel and WebSocket for the process.</summary>
public sealed class GenesysNotificationOptions
{
    /// <summary>Off: endings are learned from the trigger endpoint and periodic participant checks only. Default on.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>No frame (heartbeats come about every 30 s) for this long means the socket is dead: close and reconnect. Default 90 s.</summary>
    public TimeSpan SilenceTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>After this long without a frame a <c>{"message":"ping"}</c> is sent to ask for a pong. Default 30 s.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First delay before reconnecting after a failure; doubles up to <see cref="ReconnectMaxDelay"/>. Default 1 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the list of active handoffs is re-read (handoffs started by another replica, endings we missed). Default 60 s.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often conversations without a live subscription (socket down, notifications off, over the topic limit) are
    /// checked by reading their participants. Default 2 min.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(2);
}
