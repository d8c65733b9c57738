using System.Globalization;
using Handoff.GenesysEmulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Handoff.Testing;

/// <summary>
/// Runs the Genesys emulator in-process on real Kestrel (loopback, dynamic port), configured from memory with two
/// integrations and short webhook retry timings. Share one per test class (<c>IClassFixture</c>); tests in a class run
/// one after another, so a test may repoint an integration's webhook with <see cref="SetWebhookAsync"/>.
/// </summary>
public class GenesysEmulatorFixture : IAsyncLifetime
{
    public const string ClientId = "test-client";
    public const string ClientSecret = "test-client-secret-0123456789";
    public const string WebhookSecret = "test-webhook-secret-0123456789";
    public const string SupportIntegrationId = "5f2b9c1e-7a4d-4e8b-9c3f-1d2e3f4a5b6c";
    public const string SupportIntegrationName = "Test Support";
    public const string SalesIntegrationId = "a1c3e5f7-2b4d-4f6a-8c0e-9d7b5a3c1e2f";
    public const string SalesIntegrationName = "Test Sales";

    /// <summary>The queue the Support integration routes to (staffed: 140 s estimated wait, 7 on queue, 2 idle).</summary>
    public const string SupportQueueId = "c2d4e6f8-0a1b-4c3d-9e5f-6a7b8c9d0e1f";
    public const string SupportQueueName = "Support";
    public const int SupportQueueEstimatedWaitSeconds = 140;
    public const int SupportQueueOnQueueAgents = 7;
    public const int SupportQueueIdleAgents = 2;

    /// <summary>The queue the Sales integration routes to (30 s, 1 on queue, 1 idle).</summary>
    public const string SalesQueueId = "e6f8a0b2-4c5d-4e7f-8a9b-0c1d2e3f4a5b";
    public const string SalesQueueName = "Sales";

    /// <summary>The agent who answers when a test names none.</summary>
    public const string DefaultAgentUserId = "3a7e5c2b-1d9f-4e80-a6b4-72c0d8e9f150";
    public const string DefaultAgentName = "Ana Gómez";

    /// <summary>The other built-in agent: the target of a blind transfer that names nobody.</summary>
    public const string SecondAgentUserId = "8d4f2a6c-5e1b-4c7d-9a3e-0f6b8c2d4e71";
    public const string SecondAgentName = "Bruno Costa";

    /// <summary>Pause between webhook attempts (Genesys: 5 s).</summary>
    public static readonly TimeSpan WebhookRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>Time a webhook receiver gets per attempt (Genesys: 10 s).</summary>
    public static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(3);

    private EmulatorFactory? _factory;
    private EmulatorControlClient? _control;

    /// <summary>The emulator's root, e.g. <c>http://127.0.0.1:41234/</c>: both the API and the login host.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A client of the control API (<c>/emulator/...</c>).</summary>
    public EmulatorControlClient Control => _control ?? throw NotStarted();

    /// <summary>The emulator's services, for the rare test that needs to look inside.</summary>
    public IServiceProvider Services => (_factory ?? throw NotStarted()).Services;

    /// <summary>The WebSocket root of the notification channels (<c>ws://127.0.0.1:41234/</c>).</summary>
    public Uri StreamingAddress => new UriBuilder(BaseAddress) { Scheme = BaseAddress.Scheme == Uri.UriSchemeHttps ? "wss" : "ws" }.Uri;

    /// <summary>A plain HttpClient over real HTTP with <see cref="BaseAddress"/> set; the caller disposes it.</summary>
    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    /// <summary>Points an integration's outbound webhook at <paramref name="url"/>, keeping its name.</summary>
    /// <param name="secret">The signature secret; null sends unsigned webhooks.</param>
    public async Task SetWebhookAsync(
        string integrationId, Uri url, string? secret = WebhookSecret, CancellationToken cancellationToken = default)
    {
        var existing = await Control.GetIntegrationAsync(integrationId, cancellationToken);
        await Control.PutIntegrationAsync(integrationId, existing?.Name ?? integrationId, url, secret, cancellationToken);
    }

    public virtual Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Emulator:ClientId"] = ClientId,
            ["Emulator:ClientSecret"] = ClientSecret,
            [$"Emulator:Integrations:{SupportIntegrationId}:Name"] = SupportIntegrationName,
            [$"Emulator:Integrations:{SupportIntegrationId}:WebhookSecret"] = WebhookSecret,
            [$"Emulator:Integrations:{SalesIntegrationId}:Name"] = SalesIntegrationName,
            [$"Emulator:Integrations:{SalesIntegrationId}:WebhookSecret"] = WebhookSecret,
            [$"Emulator:Integrations:{SupportIntegrationId}:QueueId"] = SupportQueueId,
            [$"Emulator:Integrations:{SalesIntegrationId}:QueueId"] = SalesQueueId,
            [$"Emulator:Queues:{SupportQueueId}:Name"] = SupportQueueName,
            [$"Emulator:Queues:{SupportQueueId}:EstimatedWaitSeconds"] = SupportQueueEstimatedWaitSeconds.ToString(CultureInfo.InvariantCulture),
            [$"Emulator:Queues:{SupportQueueId}:OnQueueAgents"] = SupportQueueOnQueueAgents.ToString(CultureInfo.InvariantCulture),
            [$"Emulator:Queues:{SupportQueueId}:IdleAgents"] = SupportQueueIdleAgents.ToString(CultureInfo.InvariantCulture),
            [$"Emulator:Queues:{SalesQueueId}:Name"] = SalesQueueName,
            [$"Emulator:Queues:{SalesQueueId}:EstimatedWaitSeconds"] = "30",
            [$"Emulator:Queues:{SalesQueueId}:OnQueueAgents"] = "1",
            [$"Emulator:Queues:{SalesQueueId}:IdleAgents"] = "1",
            ["Emulator:Webhooks:RetryDelay"] = WebhookRetryDelay.ToString("c", CultureInfo.InvariantCulture),
            ["Emulator:Webhooks:Timeout"] = WebhookTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["Emulator:Webhooks:MaxRetries"] = "5",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        Configure(settings);

        _factory = new EmulatorFactory(settings, ConfigureServices);
        _factory.UseKestrel(0);
        _factory.StartServer();
        BaseAddress = _factory.ClientOptions.BaseAddress;
        _control = new EmulatorControlClient(CreateClient());
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        _control?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    /// <summary>Adjusts the emulator's configuration before it starts (e.g. other webhook timings).</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    /// <summary>Replaces emulator services before it starts (e.g. a fake <see cref="TimeProvider"/>).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    private static InvalidOperationException NotStarted() =>
        new("The Genesys emulator fixture has not been initialized.");

    /// <summary>The emulator with in-memory configuration, in a "Testing" environment (no appsettings.Development.json).</summary>
    private sealed class EmulatorFactory(
        IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection> configureServices)
        : WebApplicationFactory<EmulatorApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
            builder.ConfigureTestServices(configureServices);
        }
    }
}
