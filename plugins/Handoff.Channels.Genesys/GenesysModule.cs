using System.Net;
using Handoff.Channels.Genesys.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Polly;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Registers the Genesys plugin's services. Core creates it with the parameterless constructor and passes <c>Channels:Genesys</c>;
/// core itself registers <see cref="GenesysAdapter"/>, <see cref="GenesysWebhookEndpoints"/> and
/// <see cref="GenesysTriggerEndpoints"/> (transient) and provides <see cref="IChannelInbox"/>,
/// <see cref="IChannelHandoffDirectory"/> and <see cref="TimeProvider"/>.
/// </summary>
public sealed class GenesysModule : IChannelModule
{
    public void AddServices(IServiceCollection services, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);

        services.AddOptions<GenesysOptions>()
            .Bind(section)
            // The binder may replace the dictionary: make queue names case-insensitive whatever happened.
            .PostConfigure(o => o.Queues = new Dictionary<string, GenesysQueueOptions>(o.Queues ?? [], StringComparer.OrdinalIgnoreCase))
            .ValidateOnStart()
            .KeepLastValidOnReload();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GenesysOptions>, GenesysOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddHybridCache();
        services.TryAddSingleton<GenesysTokenProvider>();
        services.TryAddTransient<GenesysAuthHandler>();
        services.AddOptions<GenesysResilienceOptions>()
            .Bind(section.GetSection("Resilience"))
            .Validate(static o => o.MaxRetryAttempts is >= 0 and <= 10 && o.RetryDelay >= TimeSpan.Zero
                    && o.AttemptTimeout > TimeSpan.Zero && o.TotalTimeout >= o.AttemptTimeout,
                $"{GenesysResilienceOptions.SectionName}: MaxRetryAttempts must be 0-10, RetryDelay not negative, AttemptTimeout positive and TotalTimeout at least AttemptTimeout.")
            .ValidateOnStart()
            .KeepLastValidOnReload();
        services.TryAddTransient<GenesysResilienceHandler>();
        services.TryAddSingleton<GenesysClientFactory>();
        services.TryAddSingleton<GenesysAgentNames>();

        // End, transfer and requeue detection: one notification socket for the process, a sweeper for restarts and gaps,
        // and one decision (participants after a settle window) behind both and the trigger endpoint.
        services.TryAddSingleton(static sp => new GenesysConversationRegistry(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<GenesysConversationMonitor>();
        services.TryAddSingleton<GenesysNotificationListener>();
        services.AddHostedService(static sp => sp.GetRequiredService<GenesysNotificationListener>());
        services.AddHostedService<GenesysConversationSweeper>();
        services.AddHostedService<GenesysWaitingReporter>();

        // Each configured integration exists and has its configured name: at start-up (logged) and in /health (Degraded).
        services.TryAddSingleton<GenesysIntegrationsHealthCheck>();
        services.AddHostedService<GenesysStartupVerification>();
        services.AddHealthChecks().AddCheck<GenesysIntegrationsHealthCheck>(GenesysIntegrationsHealthCheck.Name, HealthStatus.Degraded, ["ready"]);

        // Token requests. Keeps whatever resilience ServiceDefaults gives every client (a token POST is safe to retry).
        services.AddHttpClient<GenesysLoginClient>(GenesysLoginClient.HttpClientName, static (sp, http) =>
                http.BaseAddress = sp.GetRequiredService<IOptionsMonitor<GenesysOptions>>().CurrentValue.ResolveLoginBaseUri())
            .RedactLoggedHeaders([HeaderNames.Authorization]); // Basic client credentials

        // The Platform API. Order matters: resilience outermost, then auth, so every attempt carries a current token and the
        // auth handler's single 401 refresh happens inside one attempt.
        var api = services.AddHttpClient<GenesysClient>(static (sp, http) =>
            http.BaseAddress = sp.GetRequiredService<IOptionsMonitor<GenesysOptions>>().CurrentValue.ResolveApiBaseUri());
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is still marked experimental (10.11); STYLE §3 sanctions it for per-client limits.
        // The ServiceDefaults handler is replaced on this client by one made for it (see GenesysResilienceHandler).
        api.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        api.AddHttpMessageHandler<GenesysResilienceHandler>();
        api.AddHttpMessageHandler<GenesysAuthHandler>();
        // No per-request "Sending/Received HTTP request" log lines (and their logging scope) on the relay's hot path: every
        // call is a span already, and GenesysClient logs each failed call itself, with Genesys' contextId.
        api.RemoveAllLoggers();
    }

    /// <summary>
    /// Standard transient rules, except a 429 (or 503) whose Retry-After exceeds <see cref="GenesysApi.MaxInlineRetryAfter"/>: waiting
    /// that long would hold the outbox worker and hit the total timeout, losing the hint; the result goes back to core instead.
    /// </summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeProvider timeProvider)
    {
        if (outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } response
            && GenesysClient.ReadRetryAfter(response, timeProvider) > GenesysApi.MaxInlineRetryAfter)
        {
            return false;
        }

        return HttpClientResiliencePredicates.IsTransient(outcome);
    }
}
