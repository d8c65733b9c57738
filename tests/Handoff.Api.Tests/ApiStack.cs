using System.Net.Http.Headers;
using Handoff.Api;
using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Api.Tests;

/// <summary>
/// The Handoff API on real Kestrel (loopback) wired to the Genesys emulator on real Kestrel, both in-process:
/// every hop — OAuth, inbound open messages, signed webhooks — crosses real HTTP. One per test class.
/// </summary>
public class ApiStack : IAsyncLifetime
{
    public const string ApiKey = "test-api-key-0123456789";
    public const string OtherClientApiKey = "other-api-key-0123456789";
    public const string CallbackSecret = "test-callback-secret-0123456789";

    private readonly TempDatabase _database = new("api-tests");

    public GenesysEmulatorFixture Emulator { get; } = new();

    public string DatabasePath => _database.Path;

    public HandoffApiFactory Api { get; private set; } = null!;

    public Uri ApiAddress { get; private set; } = null!;

    /// <summary>Extra configuration applied on (re)start.</summary>
    public Dictionary<string, string?> Overrides { get; } = new();

    public async Task InitializeAsync()
    {
        await Emulator.InitializeAsync();
        await StartApiAsync();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Emulator.DisposeAsync();
        _database.Dispose();
    }

    /// <summary>Replaces or adds API services before it starts (e.g. telemetry exporters).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Stops the API and starts a new process-equivalent on the same database (and a new port).</summary>
    public async Task RestartApiAsync()
    {
        await Api.DisposeAsync();
        await StartApiAsync();
    }

    public async Task StopApiAsync() => await Api.DisposeAsync();

    public async Task StartApiAsync()
    {
        Api = new HandoffApiFactory(this, _database.Path);
        Api.UseKestrel(0);
        Api.StartServer();
        ApiAddress = Api.ClientOptions.BaseAddress;
        var webhook = new Uri(ApiAddress, "channels/genesys/webhook");
        await Emulator.SetWebhookAsync(GenesysEmulatorFixture.SupportIntegrationId, webhook);
        await Emulator.SetWebhookAsync(GenesysEmulatorFixture.SalesIntegrationId, webhook);
    }

    /// <summary>A client for the API over real HTTP, with the API key (or none).</summary>
    public HttpClient CreateClient(string? apiKey = ApiKey)
    {
        var client = new HttpClient { BaseAddress = ApiAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public sealed class HandoffApiFactory(ApiStack stack, string databasePath) : WebApplicationFactory<ApiApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(Configuration()));
            builder.ConfigureServices(stack.ConfigureServices);
        }

        private Dictionary<string, string?> Configuration()
        {
            var settings = HandoffApiSettings.For(stack.Emulator.BaseAddress, databasePath, "test-bot", ApiKey);
            settings["Handoff:ApiKeys:other-bot"] = OtherClientApiKey;
            settings["Handoff:CallbackSecrets:test-bot"] = CallbackSecret;
            settings["Handoff:Callbacks:BaseDelay"] = "00:00:00.100";
            settings["Logging:LogLevel:Default"] = "Information";
            foreach (var (key, value) in stack.Overrides)
            {
                settings[key] = value;
            }

            return settings;
        }
    }
}
