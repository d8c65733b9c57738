namespace Handoff.GenesysEmulator.State;

/// <summary>An Open Messaging integration as the emulator stores it (immutable; replaced on update).</summary>
internal sealed record Integration(
    string Id,
    string Name,
    Uri? WebhookUrl,
    string? WebhookSecret,
    IReadOnlyDictionary<string, string> WebhookHeaders,
    DateTimeOffset DateCreated,
    DateTimeOffset DateModified);
