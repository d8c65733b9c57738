namespace Handoff.GenesysEmulator;

/// <summary>Configuration of the emulator, bound from the <c>Emulator</c> section.</summary>
internal sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    /// <summary>OAuth client id accepted by <c>POST /oauth/token</c>.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>OAuth client secret accepted by <c>POST /oauth/token</c>.</summary>
    public string ClientSecret { get; set; } = string.Empty;

    /// <summary>Access token lifetime; Genesys defaults to 24 h (fact sheet §2).</summary>
    public int TokenLifetimeSeconds { get; set; } = 86_400;

    /// <summary>Integrations that exist at start-up, keyed by integration id.</summary>
    public Dictionary<string, IntegrationOptions> Integrations { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public WebhookDeliveryOptions Webhooks { get; set; } = new();
}

/// <summary>One pre-configured Open Messaging integration (<c>Emulator:Integrations:&lt;id&gt;</c>).</summary>
internal sealed class IntegrationOptions
{
    public string? Name { get; set; }

    /// <summary>The outbound notification webhook URL; none means deliveries are recorded as skipped.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Signature secret; when present it must be longer than 15 characters (fact sheet §5).</summary>
    public string? WebhookSecret { get; set; }
}

/// <summary>Genesys' webhook delivery policy (fact sheet §4 and §9), configurable so tests can shorten it.</summary>
internal sealed class WebhookDeliveryOptions
{
    /// <summary>How long one attempt may take before it counts as a timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between two attempts.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries after the first attempt (on timeout, 429 or 5xx).</summary>
    public int MaxRetries { get; set; } = 5;
}
