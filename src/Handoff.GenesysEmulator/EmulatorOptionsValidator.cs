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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static bool IsHttpUrl(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
}
