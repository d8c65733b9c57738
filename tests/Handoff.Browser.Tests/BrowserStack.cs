using Handoff.Api;
using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Browser.Tests;

/// <summary>
/// The Handoff API on real Kestrel (loopback) in the <c>Development</c> environment, so the playground is mapped,
/// wired to the Genesys emulator (and its agent desk) on real Kestrel, both in-process. A browser drives both pages
/// over real HTTP. One per test class.
/// </summary>
public sealed class BrowserStack : IAsyncLifetime
{
    public const string ApiKey = "browser-api-key-0123456789";

    private readonly List<TempDatabase> _databases = [new("browser-tests")];

    public GenesysEmulatorFixture Emulator { get; } = new();

    public HandoffApiFactory Api { get; private set; } = null!;

    /// <summary>The API's root, e.g. <c>http://127.0.0.1:41235/</c>.</summary>
    public Uri ApiAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Emulator.InitializeAsync();
        Api = new HandoffApiFactory(this, _databases[0].Path);
        Api.UseKestrel(0);
        Api.StartServer();
        var addresses = Api.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        ApiAddress = new Uri(addresses.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        var webhook = new Uri(ApiAddress, "channels/genesys/webhook");
        await Emulator.SetWebhookAsync(GenesysEmulatorFixture.SupportIntegrationId, webhook);
        await Emulator.SetWebhookAsync(GenesysEmulatorFixture.SalesIntegrationId, webhook);
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Emulator.DisposeAsync();
        _databases.ForEach(database => database.Dispose());
    }

    /// <summary>A second API on the same emulator in another environment (in-memory test server, own database).</summary>
    public HandoffApiFactory CreateApi(string environment)
    {
        var database = new TempDatabase("browser-tests");
        _databases.Add(database);
        return new HandoffApiFactory(this, database.Path, environment);
    }

    public sealed class HandoffApiFactory(BrowserStack stack, string databasePath, string environment = "Development") : WebApplicationFactory<ApiApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);

            // Host settings reach Program's builder before any of its code runs (as command-line arguments, which also
            // win over appsettings.json), so even a value read eagerly while building, like ConnectionStrings:handoff,
            // is this test's own database and never bin/handoff.db.
            foreach (var (key, value) in Configuration())
            {
                builder.UseSetting(key, value);
            }
        }

        private Dictionary<string, string?> Configuration()
        {
            return HandoffApiSettings.For(stack.Emulator.BaseAddress, databasePath, "browser-bot", ApiKey);
        }
    }
}
