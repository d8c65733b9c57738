using Handoff.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>Plugin configuration pointing at the in-process emulator, and a container built from it.</summary>
internal static class EmulatorSettings
{
    public static Dictionary<string, string?> For(GenesysEmulatorFixture emulator, string clientSecret = GenesysEmulatorFixture.ClientSecret) => new()
    {
        ["Channels:Genesys:ApiBaseUrl"] = emulator.BaseAddress.ToString(),
        ["Channels:Genesys:LoginBaseUrl"] = emulator.BaseAddress.ToString(),
        ["Channels:Genesys:ClientId"] = GenesysEmulatorFixture.ClientId,
        ["Channels:Genesys:ClientSecret"] = clientSecret,
        ["Channels:Genesys:WebhookSecret"] = GenesysEmulatorFixture.WebhookSecret,
        ["Channels:Genesys:Queues:Support:IntegrationId"] = GenesysEmulatorFixture.SupportIntegrationId,
        ["Channels:Genesys:Queues:Support:IntegrationName"] = GenesysEmulatorFixture.SupportIntegrationName,
        ["Channels:Genesys:Queues:Sales:IntegrationId"] = GenesysEmulatorFixture.SalesIntegrationId,
        ["Channels:Genesys:Queues:Sales:IntegrationName"] = GenesysEmulatorFixture.SalesIntegrationName,
    };

    /// <summary>AddLogging + TimeProvider.System + the module, as core would wire it, plus the adapter (core registers it via Scrutor).</summary>
    public static ServiceProvider BuildProvider(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IChannelInbox>(new RecordingInbox()); // core provides these two
        services.AddSingleton<IChannelHandoffDirectory>(new FakeDirectory());
        new GenesysModule().AddServices(services, configuration.GetSection(GenesysOptions.SectionName));
        services.AddTransient<GenesysAdapter>();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
