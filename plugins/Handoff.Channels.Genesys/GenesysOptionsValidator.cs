using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Checks the whole <c>Channels:Genesys</c> section at start-up and reports every problem at once, each naming its key,
/// so an operator can fix the configuration in one pass.
/// </summary>
public sealed class GenesysOptionsValidator : IValidateOptions<GenesysOptions>
{
    private const string Prefix = GenesysOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, GenesysOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        ValidateEndpoints(options, errors);

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add($"{Prefix}ClientId is required (the OAuth client, grant type Client Credentials, from Admin > Integrations > OAuth).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            errors.Add($"{Prefix}ClientSecret is required (the OAuth client's secret; set it as the environment variable Channels__Genesys__ClientSecret, never in appsettings).");
        }

        if (!string.IsNullOrEmpty(options.WebhookSecret) && options.WebhookSecret.Length < GenesysApi.MinWebhookSecretLength)
        {
            errors.Add($"{Prefix}WebhookSecret must be longer than {GenesysApi.MinWebhookSecretLength - 1} characters (Genesys' rule for the integration's Outbound Notification Webhook Signature Secret Token); leave it empty to accept unsigned webhooks.");
        }

        if (!string.IsNullOrEmpty(options.WebhookSecretPrevious))
        {
            if (string.IsNullOrEmpty(options.WebhookSecret))
            {
                errors.Add($"{Prefix}WebhookSecretPrevious is set but {Prefix}WebhookSecret is not: during a rotation set the new secret in WebhookSecret and the old one in WebhookSecretPrevious.");
            }
            else if (options.WebhookSecretPrevious.Length < GenesysApi.MinWebhookSecretLength)
            {
                errors.Add($"{Prefix}WebhookSecretPrevious must be longer than {GenesysApi.MinWebhookSecretLength - 1} characters, like WebhookSecret.");
            }
        }

        if (!string.IsNullOrEmpty(options.TriggerSecret) && options.TriggerSecret.Length < GenesysApi.MinWebhookSecretLength)
        {
            errors.Add($"{Prefix}TriggerSecret must be at least {GenesysApi.MinWebhookSecretLength} characters (it is the only authentication of POST /channels/genesys/events); leave it empty to turn the endpoint off.");
        }

        Between(errors, "EndSettleWindow", options.EndSettleWindow, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Between(errors, "AgentNameLookupTimeout", options.AgentNameLookupTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(8));
        Between(errors, "WaitingInterval", options.WaitingInterval, TimeSpan.Zero, TimeSpan.FromDays(1));
        Between(errors, "HealthCheckInterval", options.HealthCheckInterval, TimeSpan.Zero, TimeSpan.FromDays(1));
        var notifications = options.Notifications ?? new GenesysNotificationOptions();
        Between(errors, "Notifications:SilenceTimeout", notifications.SilenceTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
        Between(errors, "Notifications:PingInterval", notifications.PingInterval, TimeSpan.FromMilliseconds(50), notifications.SilenceTimeout);
        Between(errors, "Notifications:ReconnectDelay", notifications.ReconnectDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        Between(errors, "Notifications:ReconnectMaxDelay", notifications.ReconnectMaxDelay, notifications.ReconnectDelay, TimeSpan.FromHours(1));
        Between(errors, "Notifications:ResyncInterval", notifications.ResyncInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromDays(1));
        Between(errors, "Notifications:PollInterval", notifications.PollInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromDays(1));

        ValidateQueues(options, errors);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateEndpoints(GenesysOptions options, List<string> errors)
    {
        var hasRegion = !string.IsNullOrWhiteSpace(options.Region);
        if (hasRegion && GenesysOptions.NormalizeRegion(options.Region) is null)
        {
            errors.Add($"{Prefix}Region '{options.Region}' is not a region domain; use the domain of your Genesys Cloud org, e.g. mypurecloud.ie, mypurecloud.com or usw2.pure.cloud.");
        }

        CheckAbsolute(options.ApiBaseUrl, "ApiBaseUrl", errors);
        CheckAbsolute(options.LoginBaseUrl, "LoginBaseUrl", errors);

        if (!hasRegion && (options.ApiBaseUrl is null || options.LoginBaseUrl is null))
        {
            errors.Add($"Set {Prefix}Region (e.g. mypurecloud.ie) or both {Prefix}ApiBaseUrl and {Prefix}LoginBaseUrl.");
        }
    }

    private static void CheckAbsolute(Uri? uri, string key, List<string> errors)
    {
        if (uri is not null && (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)))
        {
            errors.Add($"{Prefix}{key} must be an absolute http(s) URL (e.g. https://api.mypurecloud.ie/); got '{uri}'.");
        }
    }

    private static void ValidateQueues(GenesysOptions options, List<string> errors)
    {
        if (options.Queues is null || options.Queues.Count == 0)
        {
            errors.Add($"{Prefix}Queues must configure at least one queue (e.g. {Prefix}Queues:Support:IntegrationId).");
            return;
        }

        foreach (var (queue, entry) in options.Queues)
        {
            var key = $"{Prefix}Queues:{queue}:IntegrationId";
            if (entry is null || string.IsNullOrWhiteSpace(entry.IntegrationId))
            {
                errors.Add($"{key} is required (the Integration ID shown in Admin > Message > Platforms).");
            }
            else if (!Guid.TryParse(entry.IntegrationId.Trim(), out _))
            {
                errors.Add($"{key} must be a GUID (the Integration ID shown in Admin > Message > Platforms); got '{entry.IntegrationId}'.");
            }

            if (entry is { QueueId: { Length: > 0 } queueId } && !Guid.TryParse(queueId.Trim(), out _))
            {
                errors.Add($"{Prefix}Queues:{queue}:QueueId must be a GUID (the queue id shown in Admin > Contact Center > Queues); got '{queueId}'.");
            }
        }
    }

    private static void Between(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{Prefix}{key} must be between {min} and {max}; got {value}.");
        }
    }
}
