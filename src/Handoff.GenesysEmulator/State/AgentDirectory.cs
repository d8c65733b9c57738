using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.State;

/// <summary>A Genesys user who answers conversations.</summary>
internal sealed record Agent(string UserId, string Name, string? Email);

/// <summary>
/// The org's agents (Genesys users): configured under <c>Emulator:Agents</c>, or two built-in ones when none are.
/// An agent named in a request but unknown is added on the fly with a stable id (derived from the name), so tests can
/// make up agents and still find them with <c>GET /api/v2/users/{userId}</c>.
/// </summary>
internal sealed class AgentDirectory
{
    /// <summary>The built-in default agent (the fact sheet's examples use this id and name).</summary>
    public const string DefaultAgentUserId = "3a7e5c2b-1d9f-4e80-a6b4-72c0d8e9f150";

    public const string DefaultAgentName = "Ana Gómez";

    /// <summary>The built-in second agent, target of a blind transfer that names nobody.</summary>
    public const string SecondAgentUserId = "8d4f2a6c-5e1b-4c7d-9a3e-0f6b8c2d4e71";

    public const string SecondAgentName = "Bruno Costa";

    private readonly Lock _gate = new();
    private readonly List<Agent> _agents = [];
    private readonly Dictionary<string, Agent> _byId = new(StringComparer.OrdinalIgnoreCase);

    public AgentDirectory(IOptions<EmulatorOptions> options)
    {
        var configured = options.Value.Agents;
        if (configured.Count == 0)
        {
            Add(new Agent(DefaultAgentUserId, DefaultAgentName, "ana.gomez@example.com"));
            Add(new Agent(SecondAgentUserId, SecondAgentName, "bruno.costa@example.com"));
        }
        else
        {
            foreach (var (userId, agent) in configured)
            {
                Add(new Agent(userId, agent.Name ?? userId, string.IsNullOrWhiteSpace(agent.Email) ? null : agent.Email));
            }
        }

        Default = options.Value.DefaultAgentUserId is { } id && _byId.TryGetValue(id, out var chosen) ? chosen : _agents[0];
    }

    /// <summary>Who answers when nobody is named.</summary>
    public Agent Default { get; }

    public IReadOnlyList<Agent> GetAll()
    {
        lock (_gate)
        {
            return [.. _agents];
        }
    }

    public Agent? Find(string userId)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(userId);
        }
    }

    /// <summary>
    /// The agent a request names: by user id (known, or added with <paramref name="name"/>), else by name (known, or added
    /// with an id derived from the name). Null when the request names nobody.
    /// </summary>
    public Agent? Resolve(string? name, string? userId)
    {
        name = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        userId = string.IsNullOrWhiteSpace(userId) ? null : userId.Trim();
        if (name is null && userId is null)
        {
            return null;
        }

        lock (_gate)
        {
            if (userId is not null)
            {
                return _byId.TryGetValue(userId, out var known) ? known : Add(new Agent(userId, name ?? $"Agent {userId[..Math.Min(8, userId.Length)]}", null));
            }

            return _agents.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? Add(new Agent(StableId(name!), name!, null));
        }
    }

    /// <summary>The first agent other than <paramref name="userId"/>, for a blind transfer that names nobody.</summary>
    public Agent? Other(string? userId)
    {
        lock (_gate)
        {
            return _agents.FirstOrDefault(a => !string.Equals(a.UserId, userId, StringComparison.OrdinalIgnoreCase));
        }
    }

    private Agent Add(Agent agent)
    {
        _agents.Add(agent);
        _byId[agent.UserId] = agent;
        return agent;
    }

    /// <summary>A GUID-shaped id that is the same for the same name in every run.</summary>
    private static string StableId(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("handoff-emulator-agent:" + name.ToUpperInvariant()));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
