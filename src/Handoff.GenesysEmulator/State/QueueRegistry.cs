using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.State;

/// <summary>An ACD queue: its name and the staffing numbers the routing and analytics APIs report.</summary>
/// <param name="Configured">False for an integration's implicit queue that nobody configured.</param>
internal sealed record Queue(string Id, string Name, int EstimatedWaitSeconds, int OnQueueAgents, int IdleAgents, bool Configured);

/// <summary>
/// Queues from <c>Emulator:Queues</c> and the control API. An integration's queue that nobody configured still exists,
/// named after the integration with default staffing, so every conversation's queue can be looked up.
/// </summary>
internal sealed class QueueRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly IntegrationRegistry _integrations;

    public QueueRegistry(IOptions<EmulatorOptions> options, IntegrationRegistry integrations)
    {
        _integrations = integrations;
        foreach (var (id, queue) in options.Value.Queues)
        {
            _queues[id] = new Queue(
                id, string.IsNullOrWhiteSpace(queue.Name) ? id : queue.Name, queue.EstimatedWaitSeconds, queue.OnQueueAgents, queue.IdleAgents, true);
        }
    }

    public Queue? Find(string queueId)
    {
        lock (_gate)
        {
            if (_queues.TryGetValue(queueId, out var queue))
            {
                return queue;
            }
        }

        var integration = _integrations.GetAll()
            .FirstOrDefault(i => string.Equals(i.RoutingQueueId, queueId, StringComparison.OrdinalIgnoreCase));
        return integration is null ? null : Implicit(integration.RoutingQueueId, integration.Name);
    }

    /// <summary>Configured queues, then the implicit queues of integrations.</summary>
    public IReadOnlyList<Queue> GetAll()
    {
        List<Queue> all;
        lock (_gate)
        {
            all = [.. _queues.Values.OrderBy(q => q.Name, StringComparer.Ordinal)];
        }

        foreach (var integration in _integrations.GetAll())
        {
            if (!all.Any(q => string.Equals(q.Id, integration.RoutingQueueId, StringComparison.OrdinalIgnoreCase)))
            {
                all.Add(Implicit(integration.RoutingQueueId, integration.Name));
            }
        }

        return all;
    }

    /// <summary>Creates or replaces a queue (control API).</summary>
    public (Queue Queue, bool Created) Upsert(string queueId, string name, int estimatedWaitSeconds, int onQueueAgents, int idleAgents)
    {
        lock (_gate)
        {
            var created = !_queues.ContainsKey(queueId);
            var queue = new Queue(queueId, name, estimatedWaitSeconds, onQueueAgents, idleAgents, true);
            _queues[queueId] = queue;
            return (queue, created);
        }
    }

    private static Queue Implicit(string id, string name) =>
        new(id, name, QueueDefaults.EstimatedWaitSeconds, QueueDefaults.OnQueueAgents, QueueDefaults.IdleAgents, false);
}
