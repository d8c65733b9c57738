namespace Handoff.Core.Dispatch;

/// <summary>Section <c>Handoff:Outbox</c>: how the dispatcher delivers queued work to channels.</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Handoff:Outbox";

    /// <summary>Attempts per item before the bot is told it failed.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>First retry delay; doubles per attempt up to <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Handoffs delivered in parallel (one item at a time per handoff, so order is kept) to begin with, and never fewer: the
    /// dispatcher adds more while work waits for a slot and the channel keeps accepting, up to <see cref="MaxConcurrency"/>,
    /// and halves them again (down to this) when the channel asks for retries. See <see cref="DeliveryConcurrency"/>.
    /// </summary>
    public int Concurrency { get; set; } = 32;

    /// <summary>
    /// The most handoffs delivered in parallel. Unset: 8 × <see cref="Concurrency"/>. Set it to <see cref="Concurrency"/> for a
    /// fixed number.
    /// </summary>
    public int? MaxConcurrency { get; set; }

    /// <summary><see cref="MaxConcurrency"/>, or its default.</summary>
    internal int ConcurrencyCeiling => DeliveryConcurrency.Ceiling(Concurrency, MaxConcurrency);

    /// <summary>Items read per batch.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Timeout of one adapter call.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How often the store is checked even without a local signal (work from another replica, retries coming due).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
