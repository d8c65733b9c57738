using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>The plugin's real DI wiring (module, typed clients, auth handler, resilience) with stubbed primary HTTP handlers.</summary>
internal sealed class StubbedGenesys : IAsyncDisposable
{
    public const string ClientId = "stub-client";
    public const string ClientSecret = "stub-secret-do-not-log";

    private readonly ServiceProvider _provider;
    private int _tokenCount;

    public StubbedGenesys(
        Func<StubRequest, HttpResponseMessage>? api = null,
        Func<StubRequest, HttpResponseMessage>? login = null,
        int expiresIn = 86400,
        Action<Dictionary<string, string?>>? configure = null,
        Action<IServiceCollection>? services = null)
    {
        Login = new StubHttpHandler(login ?? (_ => StubHttpHandler.Json(
            HttpStatusCode.OK,
            $$"""{ "access_token": "token-{{Interlocked.Increment(ref _tokenCount)}}", "token_type": "bearer", "expires_in": {{expiresIn}} }""")));
        Api = new StubHttpHandler(api ?? (_ => StubHttpHandler.Json(HttpStatusCode.OK, """{ "id": "g-msg-1", "conversationId": "conv-1" }""")));

        var settings = new Dictionary<string, string?>
        {
            ["Channels:Genesys:Region"] = "mypurecloud.ie",
            ["Channels:Genesys:ClientId"] = ClientId,
            ["Channels:Genesys:ClientSecret"] = ClientSecret,
            ["Channels:Genesys:Queues:Support:IntegrationId"] = TestData.SupportIntegrationId,
            ["Channels:Genesys:Queues:Support:IntegrationName"] = "Soporte Cola A",
            ["Channels:Genesys:Queues:Sales:IntegrationId"] = TestData.SalesIntegrationId,
        };
        configure?.Invoke(settings);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var collection = new ServiceCollection().AddLogging();
        services?.Invoke(collection);
        collection.AddSingleton<TimeProvider>(Time);
        collection.AddSingleton<IChannelInbox>(Inbox); // core provides these two
        collection.AddSingleton<IChannelHandoffDirectory>(Directory);
        new GenesysModule().AddServices(collection, configuration.GetSection(GenesysOptions.SectionName));
        collection.AddHttpClient(GenesysLoginClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => Login);
        collection.AddHttpClient<GenesysClient>().ConfigurePrimaryHttpMessageHandler(() => Api);
        collection.AddTransient<GenesysAdapter>(); // core does this via Scrutor
        // Polly runs on the fake clock: no exponential back-off waits in tests (Retry-After still honoured).
        collection.Configure<GenesysResilienceOptions>(o => o.RetryDelay = TimeSpan.Zero);
        _provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.Zero));

    public RecordingInbox Inbox { get; } = new();

    public FakeDirectory Directory { get; } = new();

    public StubHttpHandler Login { get; }

    public StubHttpHandler Api { get; }

    public IServiceProvider Services => _provider;

    public GenesysAdapter Adapter => _provider.GetRequiredService<GenesysAdapter>();

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
