using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.State;

/// <summary>
/// The integrations the emulator knows: seeded from <c>Emulator:Integrations</c>, then created or changed through the
/// Genesys integrations API or the control API. Ids compare case-insensitively (they are GUIDs).
/// </summary>
internal sealed class IntegrationRegistry
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Integration> _integrations = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;

    public IntegrationRegistry(IOptions<EmulatorOptions> options, TimeProvider time)
    {
        _time = time;
        var now = time.GetUtcNow();
        foreach (var (id, configured) in options.Value.Integrations)
        {
            _integrations[id] = new Integration(
                id,
                configured.Name ?? id,
                configured.WebhookUrl,
                string.IsNullOrEmpty(configured.WebhookSecret) ? null : configured.WebhookSecret,
                NoHeaders,
                now,
                now,
                string.IsNullOrWhiteSpace(configured.QueueId) ? null : configured.QueueId);
        }
    }

    public IReadOnlyList<Integration> GetAll()
    {
        lock (_gate)
        {
            return [.. _integrations.Values.OrderBy(i => i.DateCreated).ThenBy(i => i.Name, StringComparer.Ordinal)];
        }
    }

    public Integration? Find(string id)
    {
        lock (_gate)
        {
            return _integrations.GetValueOrDefault(id);
        }
    }

    /// <summary>Creates an integration with a new id (Genesys <c>POST …/integrations/open</c>).</summary>
    public Integration Create(string name, Uri? webhookUrl, string? webhookSecret, IReadOnlyDictionary<string, string>? headers)
    {
        var now = _time.GetUtcNow();
        var integration = new Integration(
            Guid.NewGuid().ToString(), name, webhookUrl, webhookSecret, Copy(headers), now, now);
        lock (_gate)
        {
            _integrations[integration.Id] = integration;
        }

        return integration;
    }

    /// <summary>Creates or replaces an integration under a caller-chosen id (control API).</summary>
    public (Integration Integration, bool Created) Upsert(
        string id, string name, Uri? webhookUrl, string? webhookSecret, string? queueId = null)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var existing = _integrations.GetValueOrDefault(id);
            var integration = new Integration(
                existing?.Id ?? id, name, webhookUrl, webhookSecret, NoHeaders, existing?.DateCreated ?? now, now, queueId ?? existing?.QueueId);
            _integrations[integration.Id] = integration;
            return (integration, existing is null);
        }
    }

    /// <summary>Applies a Genesys PATCH: the name always, the other fields only when supplied.</summary>
    public Integration? Update(
        string id, string name, Uri? webhookUrl, string? webhookSecret, IReadOnlyDictionary<string, string>? headers)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_integrations.TryGetValue(id, out var existing))
            {
                return null;
            }

            var updated = existing with
            {
                Name = name,
                WebhookUrl = webhookUrl ?? existing.WebhookUrl,
                WebhookSecret = webhookSecret ?? existing.WebhookSecret,
                WebhookHeaders = headers is null ? existing.WebhookHeaders : Copy(headers),
                DateModified = now,
            };
            _integrations[existing.Id] = updated;
            return updated;
        }
    }

    private static IReadOnlyDictionary<string, string> Copy(IReadOnlyDictionary<string, string>? headers) =>
        headers is null || headers.Count == 0 ? NoHeaders : new Dictionary<string, string>(headers, StringComparer.OrdinalIgnoreCase);
}
