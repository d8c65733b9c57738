using Handoff.Channels;
using Handoff.GenesysEmulator.Control;
using Handoff.GenesysEmulator.Faults;
using Handoff.GenesysEmulator.Notifications;
using Handoff.GenesysEmulator.State;
using Handoff.GenesysEmulator.Triggers;
using Handoff.GenesysEmulator.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.Infrastructure;

internal static class EmulatorServiceCollectionExtensions
{
    /// <summary>
    /// Options, in-memory state (integrations, agents, queues, conversations, notification channels, fault rules), the
    /// webhook pipeline and HTTP plumbing of the emulator.
    /// </summary>
    public static WebApplicationBuilder AddGenesysEmulator(this WebApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<EmulatorOptions>()
            .Bind(builder.Configuration.GetSection(EmulatorOptions.SectionName))
            .ValidateOnStart()
            // Settings read while running (webhook retries, notification and trigger timing) survive an invalid reload.
            .KeepLastValidOnReload();
        services.AddSingleton<IValidateOptions<EmulatorOptions>, EmulatorOptionsValidator>();

        // Errors: ProblemDetails everywhere except /api/v2 (Genesys error body). A body that cannot be bound answers
        // 400 instead of throwing, and the status-code-pages middleware gives it a ProblemDetails body.
        services.AddProblemDetails();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);
        services.ConfigureHttpJsonOptions(options => EmulatorJson.Configure(options.SerializerOptions));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IntegrationRegistry>();
        services.AddSingleton<AgentDirectory>();
        services.AddSingleton<QueueRegistry>();
        services.AddSingleton<NotificationHub>();
        services.AddSingleton<IConversationEventSink>(sp => sp.GetRequiredService<NotificationHub>());
        services.AddSingleton<ConversationStore>();
        services.AddSingleton<FaultRegistry>();
        services.AddSingleton<TriggerSender>();
        services.AddSingleton<TokenStore>();
        services.AddSingleton<EmulatorStats>();
        services.AddSingleton<ControlViews>();

        services.AddSingleton<WebhookDeliveryLog>();
        services.AddSingleton<WebhookOutbox>();
        services.AddSingleton<WebhookPayloadFactory>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();

        // The webhook client implements Genesys' own timeout/retry policy, so the standard resilience handler that
        // ServiceDefaults adds to every client must not wrap it. Redirects are not followed (a POST must not turn into a GET).
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is flagged experimental in some package versions.
        services.AddHttpClient(WebhookSender.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllResilienceHandlers();

        // The emulated data action: one attempt, its own timeout (Emulator:Triggers:Timeout), no retry.
        services.AddHttpClient(TriggerSender.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        return builder;
    }
}
