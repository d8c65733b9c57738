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
