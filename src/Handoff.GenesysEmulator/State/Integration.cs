namespace Handoff.GenesysEmulator.State;

/// <summary>An Open Messaging integration as the emulator stores it (immutable; replaced on update).</summary>
/// <param name="QueueId">The queue its message flow transfers to; null means the integration id doubles as the queue id.</param>
internal sealed record Integration(
    string Id,
    string Name,
    Uri? WebhookUrl,
    string? WebhookSecret,
    IReadOnlyDictionary<string, string> WebhookHeaders,
    DateTimeOffset DateCreated,
    DateTimeOffset DateModified,
    string? QueueId = null)
{
    /// <summary>The queue new conversations of this integration wait in.</summary>
    public string RoutingQueueId => QueueId ?? Id;
}
