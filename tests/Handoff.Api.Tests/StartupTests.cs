using System.Net;
using System.Reflection;
using Handoff.Api.Extensions;
using Handoff.Channels;
using Handoff.Core.Dispatch;
using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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

        var validation = StartUpValidationError(settings);

        Assert.Contains("Channels:Genesys:ClientSecret", validation.Message);
    }

    [Theory]
    [InlineData("Handoff:Outbox:Concurrency", "0")]
    [InlineData("Handoff:Outbox:Concurrency", "300000000")] // its default ceiling, 8 times as many, would not fit an int
    [InlineData("Handoff:Outbox:MaxConcurrency", "16")] // below the default Concurrency, 32
    [InlineData("Handoff:Outbox:MaxAttempts", "0")]
    [InlineData("Handoff:Outbox:BaseDelay", "00:00:00")]
    [InlineData("Handoff:Outbox:MaxDelay", "00:00:00.500")]
    [InlineData("Handoff:Outbox:BatchSize", "-1")]
    [InlineData("Handoff:Outbox:AttemptTimeout", "-00:00:01")]
    [InlineData("Handoff:Outbox:PollInterval", "00:00:00")]
    [InlineData("Handoff:Outbox:PollInterval", "60.00:00:00")] // a wait that long would throw in the dispatcher
    [InlineData("Handoff:Outbox:AttemptTimeout", "1.00:00:01")]
    [InlineData("Handoff:Callbacks:PollInterval", "30.00:00:00")]
    [InlineData("Handoff:Callbacks:Timeout", "2.00:00:00")]
    [InlineData("Handoff:Retention:Interval", "50.00:00:00")]
    [InlineData("Handoff:Callbacks:Concurrency", "0")]
    [InlineData("Handoff:Callbacks:MaxConcurrency", "8")] // below the default Concurrency, 32
    [InlineData("Handoff:Callbacks:MaxAttempts", "0")]
    [InlineData("Handoff:Callbacks:BaseDelay", "-00:00:01")]
    [InlineData("Handoff:Callbacks:Timeout", "00:00:00")]
    [InlineData("Handoff:InactivityTimeout", "00:00:00")]
    [InlineData("Handoff:Retention:Interval", "00:00:00")]
    [InlineData("Handoff:Retention:BatchSize", "0")]
    [InlineData("Handoff:RateLimit:RequestsPerSecond", "0")]
    [InlineData("Handoff:RateLimit:Burst", "-5")]
    public void A_dispatch_or_rate_limit_setting_out_of_range_stops_start_up_naming_the_key(string key, string value)
    {
        var settings = ValidSettings();
        settings[key] = value;

        var validation = StartUpValidationError(settings);

        Assert.Contains(key, validation.Message);
    }

    /// <summary>Starts the API in Production with <paramref name="settings"/>; start-up must fail on an options check.</summary>
    private static OptionsValidationException StartUpValidationError(Dictionary<string, string?> settings)
    {
        using var factory = new Factory(settings, "Production");
        var error = Assert.ThrowsAny<Exception>(() => factory.Services);
        return Assert.IsType<OptionsValidationException>(error.GetBaseException());
    }

    [Fact]
    public void Dispatch_settings_in_range_start_including_kept_for_ever_retention()
    {
        var settings = ValidSettings();
        settings["Handoff:Outbox:Concurrency"] = "1";
        settings["Handoff:Outbox:MaxConcurrency"] = "1"; // a fixed concurrency
        settings["Handoff:Outbox:BaseDelay"] = "00:00:02";
        settings["Handoff:Outbox:MaxDelay"] = "00:00:02";
        settings["Handoff:Retention:KeepFinished"] = "00:00:00";
        settings["Handoff:InactivityTimeout"] = "00:30:00";
        using var factory = new Factory(settings, "Production");

        var outbox = factory.Services.GetRequiredService<IOptions<Handoff.Core.Dispatch.OutboxOptions>>().Value;

        Assert.Equal(1, outbox.Concurrency);
        Assert.Equal(1, outbox.MaxConcurrency);
        Assert.Equal(TimeSpan.FromSeconds(2), outbox.MaxDelay);
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

    [Fact]
    public async Task A_running_service_keeps_its_settings_when_the_configuration_is_reloaded_with_invalid_ones()
    {
        // Without LastValidOptionsMonitor the callback dispatcher's next read throws, which stops the host, and every
        // request that reads Handoff's options fails.
        var settings = ValidSettings();
        settings["Handoff:Callbacks:PollInterval"] = "00:00:00.050";
        var reloadable = new ReloadableConfiguration();
        var logs = new CountingLoggerProvider();
        await using var factory = new ReloadingFactory(settings, reloadable, logs);
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "startup-test-key-0123456789");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/channels")).StatusCode);
        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();

        reloadable.Change("Handoff:Callbacks:Concurrency", "0");
        reloadable.Change("Handoff:ApiKeys:bot", "short");
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // the callback dispatcher reads its settings ten times over

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/channels")).StatusCode); // the previous key still works
        Assert.Equal(32, factory.Services.GetRequiredService<IOptionsMonitor<CallbackOptions>>().CurrentValue.Callbacks.Concurrency);
        var refused = logs.Records.Where(r => r.Level == LogLevel.Error && r.Message.Contains("previous settings stay in force")).Select(r => r.Message).ToList();
        Assert.Contains(refused, m => m.Contains("Handoff:Callbacks:Concurrency must be at least 1"));
        Assert.Contains(refused, m => m.Contains("Handoff:ApiKeys:bot is too short"));
        Assert.DoesNotContain(logs.Records, r => r.Message.Contains("startup-test-key-0123456789"));

        reloadable.Change("Handoff:Callbacks:Concurrency", "5");
        reloadable.Change("Handoff:ApiKeys:bot", "startup-test-key-after-reload");
        Assert.Equal(5, factory.Services.GetRequiredService<IOptionsMonitor<CallbackOptions>>().CurrentValue.Callbacks.Concurrency);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/channels")).StatusCode);
    }

    [Fact]
    public async Task A_reloaded_rate_limit_applies_without_a_restart()
    {
        var settings = ValidSettings();
        settings["Handoff:RateLimit:Burst"] = "2";
        settings["Handoff:RateLimit:RequestsPerSecond"] = "1";
        var reloadable = new ReloadableConfiguration();
        await using var factory = new ReloadingFactory(settings, reloadable, new CountingLoggerProvider());
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "startup-test-key-0123456789");
        async Task<int> AcceptedOfAsync(int requests)
        {
            var accepted = 0;
            for (var i = 0; i < requests; i++)
            {
                accepted += (await client.GetAsync("/v1/channels")).StatusCode == HttpStatusCode.OK ? 1 : 0;
            }

            return accepted;
        }

        Assert.InRange(await AcceptedOfAsync(10), 2, 3); // the burst, and a token that may have come back meanwhile

        reloadable.Change("Handoff:RateLimit:Burst", "50");

        Assert.Equal(10, await AcceptedOfAsync(10));
    }

    private sealed class ReloadingFactory(Dictionary<string, string?> settings, ReloadableConfiguration reloadable, CountingLoggerProvider logs)
        : WebApplicationFactory<ApiApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings).Add(reloadable));
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
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
