using System.Reflection;
using Handoff.Api.Extensions;
using Handoff.Channels;
using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Handoff.Api.Tests;

/// <summary>Start-up guards: plugin discovery, configuration validation, and the plugin contract's boundary.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly TempDatabase _database = new("startup");

    public void Dispose() => _database.Dispose();

    private Dictionary<string, string?> ValidSettings() => new()
    {
        ["ConnectionStrings:handoff"] = _database.ConnectionString,
        ["Handoff:ApiKeys:bot"] = "startup-test-key-0123456789",
        ["Channels:Genesys:Region"] = "mypurecloud.ie",
        ["Channels:Genesys:ClientId"] = "client",
        ["Channels:Genesys:ClientSecret"] = "secret",
        ["Channels:Genesys:Queues:Support:IntegrationId"] = "5f2b9c1e-7a4d-4e8b-9c3f-1d2e3f4a5b6c",
        ["Channels:Genesys:Queues:Support:IntegrationName"] = "Support",
    };

    private sealed class Factory(Dictionary<string, string?> settings, string environment) : WebApplicationFactory<ApiApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }

    [Fact]
    public void Every_plugin_folder_is_discovered_as_a_channel()
    {
        using var factory = new Factory(ValidSettings(), "Production");
        var catalog = factory.Services.GetRequiredService<ChannelPluginCatalog>();
        using var scope = factory.Services.CreateScope();
        var adapters = scope.ServiceProvider.GetServices<IChannelAdapter>().Select(a => a.Channel).ToList();

        var folders = Directory.GetDirectories(Path.Combine(RepositoryRoot(), "plugins")).Select(Path.GetFileName).ToList();
        Assert.NotEmpty(folders);
        foreach (var folder in folders)
        {
            var plugin = Assert.Single(catalog.Plugins, p => p.Assembly.GetName().Name == folder);
            Assert.Contains(plugin.Name, adapters);
        }
    }

    [Fact]
    public void A_missing_channel_setting_stops_start_up_naming_the_key()
    {
        var settings = ValidSettings();
        settings["Channels:Genesys:ClientSecret"] = null;
        using var factory = new Factory(settings, "Production");

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);

        var validation = Assert.IsType<OptionsValidationException>(error.GetBaseException());
        Assert.Contains("Channels:Genesys:ClientSecret", validation.Message);
    }

    [Fact]
    public void Outside_development_start_up_fails_without_an_api_key()
    {
        var settings = ValidSettings();
        settings["Handoff:ApiKeys:bot"] = null;
        using var factory = new Factory(settings, "Production");

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("Handoff:ApiKeys", error.GetBaseException().Message);
    }

    [Fact]
    public void Plugins_reference_no_handoff_assembly_but_the_abstractions()
    {
        using var factory = new Factory(ValidSettings(), "Production");
        var catalog = factory.Services.GetRequiredService<ChannelPluginCatalog>();

        foreach (var plugin in catalog.Plugins)
        {
            var ours = plugin.Assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Handoff.", StringComparison.Ordinal));
            Assert.Equal([typeof(IChannelAdapter).Assembly.GetName().Name!], ours);
        }
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Handoff.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("No Handoff.sln above the test binaries.");
    }
}
