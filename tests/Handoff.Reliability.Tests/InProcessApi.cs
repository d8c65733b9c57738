using Handoff.Api;
using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Handoff.Reliability.Tests;

/// <summary>
/// The Handoff API in-process on real Kestrel (loopback, dynamic port), wired to an emulator fixture, on its own SQLite
/// file; its log records go to a <see cref="CountingLoggerProvider"/> as well.
/// </summary>
public sealed class InProcessApi : IAsyncDisposable
{
    private readonly Factory _factory;
    private readonly TempDatabase _database = new("reliability");

    private InProcessApi(GenesysEmulatorFixture emulator, IReadOnlyDictionary<string, string?> overrides)
    {
        _factory = new Factory(Settings(emulator, _database.Path, overrides), Logs);
    }

    public Uri BaseAddress { get; private set; } = null!;

    public CountingLoggerProvider Logs { get; } = new();

    public static async Task<InProcessApi> StartAsync(GenesysEmulatorFixture emulator, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var api = new InProcessApi(emulator, overrides ?? new Dictionary<string, string?>());
        api._factory.UseKestrel(0);
        api._factory.StartServer();
        api.BaseAddress = api._factory.ClientOptions.BaseAddress;
        await Bot.SetWebhooksAsync(emulator, api.BaseAddress);
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        _database.Dispose();
    }

    private static Dictionary<string, string?> Settings(GenesysEmulatorFixture emulator, string databasePath, IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = HandoffApiSettings.For(emulator.BaseAddress, databasePath, "reliability", Bot.ApiKey);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }

    private sealed class Factory(Dictionary<string, string?> settings, CountingLoggerProvider logs) : WebApplicationFactory<ApiApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
            builder.ConfigureLogging(logging =>
            {
                // Warnings are expected by the hundred here (refused signatures, Genesys faults); they are counted, not printed.
                logging.ClearProviders();
                logging.AddProvider(logs);
            });
        }
    }
}
