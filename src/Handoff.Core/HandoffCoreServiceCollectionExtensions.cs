using Handoff.Channels;
using Handoff.Core.Application;
using Handoff.Core.Channels;
using Handoff.Core.Dispatch;
using Handoff.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Handoff.Core;

public static class HandoffCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the domain services: SQLite store, commands, inbox and handoff directory for channels, outbox dispatcher,
    /// callbacks, inactivity timeouts, retention.
    /// </summary>
    /// <param name="connectionString">Resolves the SQLite connection string when the store is first used (configuration is final by then).</param>
    public static IServiceCollection AddHandoffCore(this IServiceCollection services, Func<IServiceProvider, string> connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HandoffSignals>();
        services.AddSingleton<IHandoffStore>(sp => new SqliteHandoffStore(connectionString(sp), sp.GetRequiredService<HandoffSignals>(), sp.GetService<TimeProvider>()));
        services.AddScoped<ChannelRegistry>();
        services.AddScoped<HandoffCommands>();
        services.AddSingleton<IChannelInbox, HandoffInbox>();
        services.AddSingleton<IChannelHandoffDirectory, HandoffDirectory>();
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateOnStart().KeepLastValidOnReload();
        services.AddSingleton<DispatchLock>();
        services.AddSingleton<IDispatchLock>(static sp => sp.GetRequiredService<DispatchLock>());
        services.AddHostedService<OtherProcessesWatch>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddOptions<HandoffTelemetryOptions>().BindConfiguration(HandoffTelemetryOptions.SectionName).KeepLastValidOnReload();
        services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.SectionName).ValidateOnStart().KeepLastValidOnReload();
        services.AddHttpClient(CallbackDispatcher.HttpClientName);
        services.AddHostedService<CallbackDispatcher>();
        services.AddOptions<InactivityOptions>().BindConfiguration(InactivityOptions.SectionName).ValidateOnStart().KeepLastValidOnReload();
        services.AddHostedService<InactivityMonitor>();
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.SectionName).ValidateOnStart().KeepLastValidOnReload();
        services.AddHostedService<StoreRetention>();
        services.TryAddEnumerable(
        [
            ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, DispatchOptionsValidator>(),
            ServiceDescriptor.Singleton<IValidateOptions<CallbackOptions>, DispatchOptionsValidator>(),
            ServiceDescriptor.Singleton<IValidateOptions<InactivityOptions>, DispatchOptionsValidator>(),
            ServiceDescriptor.Singleton<IValidateOptions<RetentionOptions>, DispatchOptionsValidator>(),
        ]);
        return services;
    }
}
