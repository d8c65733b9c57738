namespace Handoff.GenesysEmulator.State;

/// <summary>Counters for <c>GET /emulator/stats</c>; thread-safe.</summary>
internal sealed class EmulatorStats
{
    private long _tokenRequests;
    private long _inboundMessages;
    private long _inboundEvents;
    private long _inboundReceipts;
    private long _webhookDeliveries;
    private long _webhookAttempts;
    private long _faultsInjected;
    private long _inboundDuplicatesIgnored;

    /// <summary>Inbound messages whose client messageId the conversation already had (answered 200, not added again).</summary>
    public void InboundDuplicateIgnored() => Interlocked.Increment(ref _inboundDuplicatesIgnored);

    /// <summary>Every request to <c>POST /oauth/token</c>, accepted or not.</summary>
    public void TokenRequested() => Interlocked.Increment(ref _tokenRequests);

    /// <summary>Inbound messages accepted (200).</summary>
    public void InboundMessageAccepted() => Interlocked.Increment(ref _inboundMessages);

    /// <summary>Inbound events accepted (200).</summary>
    public void InboundEventAccepted() => Interlocked.Increment(ref _inboundEvents);

    /// <summary>Inbound receipts accepted (200).</summary>
    public void InboundReceiptAccepted() => Interlocked.Increment(ref _inboundReceipts);

    /// <summary>Webhook deliveries queued, redeliveries included.</summary>
    public void WebhookQueued() => Interlocked.Increment(ref _webhookDeliveries);

    /// <summary>HTTP attempts made by webhook deliveries.</summary>
    public void WebhookAttempted() => Interlocked.Increment(ref _webhookAttempts);

    /// <summary>Requests a fault rule applied to (an error status, a delay, or both).</summary>
    public void FaultInjected() => Interlocked.Increment(ref _faultsInjected);

    public EmulatorStatsSnapshot Snapshot() => new(
        Interlocked.Read(ref _tokenRequests),
        Interlocked.Read(ref _inboundMessages),
        Interlocked.Read(ref _inboundEvents),
        Interlocked.Read(ref _inboundReceipts),
        Interlocked.Read(ref _webhookDeliveries),
        Interlocked.Read(ref _webhookAttempts),
        Interlocked.Read(ref _faultsInjected),
        Interlocked.Read(ref _inboundDuplicatesIgnored));
}

internal sealed record EmulatorStatsSnapshot(
    long TokenRequests,
    long InboundMessages,
    long InboundEvents,
    long InboundReceipts,
    long WebhookDeliveries,
    long WebhookAttempts,
    long FaultsInjected,
    long InboundDuplicatesIgnored);
