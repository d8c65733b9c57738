using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator;

/// <summary>Checks the whole <see cref="EmulatorOptions"/> at start-up and reports every problem at once.</summary>
internal sealed class EmulatorOptionsValidator : IValidateOptions<EmulatorOptions>
{
    /// <summary>Genesys requires a signature secret longer than 15 characters.</summary>
    public const int MinimumSecretLength = 16;

    public ValidateOptionsResult Validate(string? name, EmulatorOptions options)
    {
        var errors = new List<string>();
        var section = EmulatorOptions.SectionName;

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add($"{section}:ClientId is required.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            errors.Add($"{section}:ClientSecret is required.");
        }

        if (options.TokenLifetimeSeconds is < 1 or > 172_800)
        {
            errors.Add($"{section}:TokenLifetimeSeconds must be between 1 and 172800.");
        }

        foreach (var (id, integration) in options.Integrations)
        {
            var prefix = $"{section}:Integrations:{id}";
            if (string.IsNullOrWhiteSpace(integration.Name))
            {
                errors.Add($"{prefix}:Name is required.");
            }

            if (integration.WebhookUrl is { } url && !IsHttpUrl(url))
            {
                errors.Add($"{prefix}:WebhookUrl must be an absolute http or https URL.");
            }

            if (integration.WebhookSecret is { Length: > 0 } secret && secret.Length < MinimumSecretLength)
            {
                errors.Add($"{prefix}:WebhookSecret must be longer than 15 characters.");
            }

            if (integration.QueueId is { } queueId && string.IsNullOrWhiteSpace(queueId))
            {
                errors.Add($"{prefix}:QueueId must not be blank.");
            }
        }

        var webhooks = options.Webhooks;
        if (webhooks.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"{section}:Webhooks:Timeout must be positive.");
        }

        if (webhooks.RetryDelay < TimeSpan.Zero)
        {
            errors.Add($"{section}:Webhooks:RetryDelay must not be negative.");
        }

        if (webhooks.MaxRetries is < 0 or > 100)
        {
            errors.Add($"{section}:Webhooks:MaxRetries must be between 0 and 100.");
        }

        ValidateNotifications(options.Notifications, errors);
        ValidateAgents(options, errors);
        ValidateQueues(options.Queues, errors);

        if (options.Triggers.Timeout <= TimeSpan.Zero || options.Triggers.Timeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{section}:Triggers:Timeout must be positive and at most 5 minutes.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The staffing numbers of a queue; null when valid. Shared with the control API.</summary>
    public static string? ValidateStaffing(int estimatedWaitSeconds, int onQueueAgents, int idleAgents)
    {
        if (estimatedWaitSeconds < 0 || onQueueAgents < 0 || idleAgents < 0)
        {
            return "EstimatedWaitSeconds, OnQueueAgents and IdleAgents must not be negative.";
        }

        return idleAgents > onQueueAgents ? "IdleAgents must not exceed OnQueueAgents." : null;
    }

    private static void ValidateNotifications(NotificationOptions notifications, List<string> errors)
    {
        var prefix = $"{EmulatorOptions.SectionName}:Notifications";
        if (notifications.ChannelLifetime <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}:ChannelLifetime must be positive.");
        }

        if (notifications.HeartbeatInterval <= TimeSpan.Zero)
        {
            errors.Add($"{prefix}:HeartbeatInterval must be positive.");
        }

        if (notifications.MaxChannels < 1)
        {
            errors.Add($"{prefix}:MaxChannels must be at least 1.");
        }

        if (notifications.MaxTopicsPerChannel < 1)
        {
            errors.Add($"{prefix}:MaxTopicsPerChannel must be at least 1.");
        }
    }

    private static void ValidateAgents(EmulatorOptions options, List<string> errors)
    {
        foreach (var (userId, agent) in options.Agents)
        {
            if (string.IsNullOrWhiteSpace(agent.Name))
            {
                errors.Add($"{EmulatorOptions.SectionName}:Agents:{userId}:Name is required.");
            }
        }

        if (options.DefaultAgentUserId is { } defaultAgent)
        {
            var known = options.Agents.Count > 0
                ? options.Agents.ContainsKey(defaultAgent)
                : string.Equals(defaultAgent, State.AgentDirectory.DefaultAgentUserId, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(defaultAgent, State.AgentDirectory.SecondAgentUserId, StringComparison.OrdinalIgnoreCase);
            if (!known)
            {
                errors.Add($"{EmulatorOptions.SectionName}:DefaultAgentUserId must name one of the Agents.");
            }
        }
    }

    private static void ValidateQueues(Dictionary<string, QueueOptions> queues, List<string> errors)
    {
        foreach (var (queueId, queue) in queues)
        {
            if (ValidateStaffing(queue.EstimatedWaitSeconds, queue.OnQueueAgents, queue.IdleAgents) is { } problem)
            {
                errors.Add($"{EmulatorOptions.SectionName}:Queues:{queueId}: {problem}");
            }
        }
    }

    public static bool IsHttpUrl(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
}
