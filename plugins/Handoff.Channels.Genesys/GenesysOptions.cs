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

    /// <summary>Reserved for later (routing checks); not used yet.</summary>
    public string? QueueId { get; set; }
}
