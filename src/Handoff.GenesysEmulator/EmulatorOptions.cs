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

    /// <summary>The Notifications API: channel lifetime, heartbeat, limits (fact sheet §11.1-11.2).</summary>
    public NotificationOptions Notifications { get; set; } = new();

    /// <summary>
    /// Agents (Genesys users) keyed by user id. With none configured, two built-in agents exist
    /// (<see cref="State.AgentDirectory.DefaultAgentUserId"/> "Ana Gómez" and a second one for blind transfers).
    /// </summary>
    public Dictionary<string, AgentOptions> Agents { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The agent who answers when a request names none; default: the first configured agent (or Ana Gómez).</summary>
    public string? DefaultAgentUserId { get; set; }

    /// <summary>ACD queues keyed by queue id (estimated wait, staffing).</summary>
    public Dictionary<string, QueueOptions> Queues { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Fault injection on the Genesys-compatible routes.</summary>
    public FaultOptions Faults { get; set; } = new();

    /// <summary>Process Automation trigger emulation (fact sheet §11.8).</summary>
    public TriggerOptions Triggers { get; set; } = new();
}

/// <summary>One pre-configured Open Messaging integration (<c>Emulator:Integrations:&lt;id&gt;</c>).</summary>
internal sealed class IntegrationOptions
{
    public string? Name { get; set; }

    /// <summary>The outbound notification webhook URL; none means deliveries are recorded as skipped.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Signature secret; when present it must be longer than 15 characters (fact sheet §5).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// The queue the integration's message flow transfers to. Without one, the integration id doubles as the queue id
    /// (one integration per queue, as Aivo sets Genesys up).
    /// </summary>
    public string? QueueId { get; set; }
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

/// <summary>Notification channels and their WebSocket (<c>Emulator:Notifications</c>).</summary>
internal sealed class NotificationOptions
{
    /// <summary>How long a channel lives; subscribing again extends it (Genesys: 24 h).</summary>
    public TimeSpan ChannelLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Interval of the <c>WebSocket Heartbeat</c> frame (Genesys: about 30 s).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Channels per OAuth client; one more evicts the least recently used, unconnected first (Genesys: 20).</summary>
    public int MaxChannels { get; set; } = 20;

    /// <summary>Topics per channel; more answers 400 (Genesys: 1000).</summary>
    public int MaxTopicsPerChannel { get; set; } = 1000;
}

/// <summary>One agent (<c>Emulator:Agents:&lt;userId&gt;</c>).</summary>
internal sealed class AgentOptions
{
    public string? Name { get; set; }

    public string? Email { get; set; }
}

/// <summary>One ACD queue (<c>Emulator:Queues:&lt;queueId&gt;</c>).</summary>
internal sealed class QueueOptions
{
    public string? Name { get; set; }

    public int EstimatedWaitSeconds { get; set; } = QueueDefaults.EstimatedWaitSeconds;

    public int OnQueueAgents { get; set; } = QueueDefaults.OnQueueAgents;

    public int IdleAgents { get; set; } = QueueDefaults.IdleAgents;
}

/// <summary>Staffing of a queue nobody configured (e.g. an integration's implicit queue).</summary>
internal static class QueueDefaults
{
    public const int EstimatedWaitSeconds = 60;
    public const int OnQueueAgents = 1;
    public const int IdleAgents = 1;
}

/// <summary>Fault injection (<c>Emulator:Faults</c>).</summary>
internal sealed class FaultOptions
{
    /// <summary>Seed of the random draw behind <c>rate</c>, so a run can be repeated.</summary>
    public int Seed { get; set; } = 20_250_301;
}

/// <summary>The emulated Web Services data action (<c>Emulator:Triggers</c>).</summary>
internal sealed class TriggerOptions
{
    /// <summary>Data action execution timeout (Genesys: 1-60 s, default 60).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);
}
