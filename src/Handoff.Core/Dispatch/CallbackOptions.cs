namespace Handoff.Core.Dispatch;

/// <summary>
/// Signed event callbacks to bot platforms. Keys under <c>Handoff</c>: <c>CallbackSecrets:&lt;client&gt;</c> (HMAC key,
/// the same client name as its API key), <c>CallbackUrls:&lt;client&gt;</c> (default URL for that client's handoffs),
/// and <c>Callbacks:MaxAttempts|BaseDelay|MaxDelay|Timeout|Concurrency|MaxConcurrency|PollInterval</c>.
/// </summary>
public sealed class CallbackOptions
{
    public const string SectionName = "Handoff";

    public Dictionary<string, string> CallbackSecrets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, string> CallbackUrls { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public CallbackDeliveryOptions Callbacks { get; set; } = new();
}

public sealed class CallbackDeliveryOptions
{
    public int MaxAttempts { get; set; } = 10;

    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Handoffs whose callbacks are posted side by side to begin with, and never fewer (as <see cref="OutboxOptions.Concurrency"/>).</summary>
    public int Concurrency { get; set; } = 32;

    /// <summary>The most handoffs posted for side by side while the bot platforms keep up. Unset: 8 × <see cref="Concurrency"/>.</summary>
    public int? MaxConcurrency { get; set; }

    internal int ConcurrencyCeiling => DeliveryConcurrency.Ceiling(Concurrency, MaxConcurrency);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
