using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.Channels.Genesys.Tests;

/// <summary>
/// A tiny real web app on loopback Kestrel (port 0) that hosts <see cref="GenesysWebhookEndpoints"/> under
/// <c>/channels/genesys</c>, as core maps it, with a recording inbox.
/// </summary>
internal sealed class WebhookHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookHost(WebApplication app, RecordingInbox inbox, Uri baseAddress)
    {
        _app = app;
        Inbox = inbox;
        BaseAddress = baseAddress;
    }

    public RecordingInbox Inbox { get; }

    public Uri BaseAddress { get; }

    public Uri WebhookUrl => new(BaseAddress, "channels/genesys/webhook");

    public IServiceProvider Services => _app.Services;

    /// <summary>A fresh adapter from the host's container (transient, as core registers it).</summary>
    public GenesysAdapter Adapter => _app.Services.GetRequiredService<GenesysAdapter>();

    public static async Task<WebhookHost> StartAsync(IDictionary<string, string?> genesysSettings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(genesysSettings);

        var inbox = new RecordingInbox();
        builder.Services.AddSingleton<IChannelInbox>(inbox);
        builder.Services.AddSingleton<IChannelHandoffDirectory>(new FakeDirectory());
        builder.Services.AddSingleton(TimeProvider.System);
        new GenesysModule().AddServices(builder.Services, builder.Configuration.GetSection(GenesysOptions.SectionName));
        builder.Services.AddTransient<GenesysAdapter>(); // core does this via Scrutor

        var app = builder.Build();
        IChannelEndpoints endpoints = new GenesysWebhookEndpoints();
        endpoints.Map(app.MapGroup("/channels/" + endpoints.Channel));
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new WebhookHost(app, inbox, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
