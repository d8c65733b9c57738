namespace Handoff.Core.Dispatch;

/// <summary>Section <c>Handoff:Retention</c>: how long the store keeps what only deduplication needs.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Handoff:Retention";

    /// <summary>
    /// Finished outbox items and callbacks, inbound keys (a contact center's delivery ids) and idempotency keys older than
    /// this are deleted (default 7 days; zero or less: kept for ever). Within it, a repeated client message id, webhook
    /// delivery or <c>Idempotency-Key</c> is recognised; Genesys retries a webhook for at most ~85 s. Handoffs, their event
    /// feeds and pending work are never deleted.
    /// </summary>
    public TimeSpan KeepFinished { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often old rows are looked for (default hourly, and a minute after start).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows per table and write: small enough that the relay's writes never wait long behind one (default 500).</summary>
    public int BatchSize { get; set; } = 500;
}
