using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys.Tests;

public sealed class GenesysModuleTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Channels:Genesys:Region"] = "mypurecloud.ie",
        ["Channels:Genesys:ClientId"] = "id",
        ["Channels:Genesys:ClientSecret"] = "secret",
        ["Channels:Genesys:Queues:Support:IntegrationId"] = TestData.SupportIntegrationId,
    };

    [Fact]
    public void Module_has_a_public_parameterless_constructor_and_the_plugin_is_marked()
    {
        Assert.NotNull(Activator.CreateInstance(typeof(GenesysModule)));
        var attribute = typeof(GenesysModule).Assembly.GetCustomAttributes(typeof(ChannelPluginAttribute), false).Cast<ChannelPluginAttribute>().Single();
        Assert.Equal(GenesysChannel.Name, attribute.Name);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Api_client_has_exactly_one_resilience_handler_outside_the_auth_handler(bool defaultsFirst)
    {
        // ServiceDefaults adds the standard handler to every client; the module replaces it on GenesysClient only.
        var services = new ServiceCollection().AddLogging();
        if (defaultsFirst)
        {
            services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).Build();
        new GenesysModule().AddServices(services, configuration.GetSection(GenesysOptions.SectionName));
        if (!defaultsFirst)
        {
            services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        }

        using var provider = services.BuildServiceProvider();
        var chain = Chain(provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(nameof(GenesysClient)));

        // The standard handler is gone (it would add a circuit breaker and a second retry budget); the module's own is outside auth.
        Assert.DoesNotContain(chain, h => h.GetType().Name == "ResilienceHandler");
        var resilience = chain.FindAll(h => h is GenesysResilienceHandler);
        Assert.Single(resilience);
        Assert.True(chain.IndexOf(resilience[0]) < chain.FindIndex(h => h is GenesysAuthHandler));
        Assert.Equal(2, provider.GetRequiredService<IOptions<GenesysResilienceOptions>>().Value.MaxRetryAttempts);
    }

    [Fact]
    public void Resilience_settings_bind_from_the_channel_section_and_bad_ones_fail_validation()
    {
        var settings = new Dictionary<string, string?>(Settings)
        {
            ["Channels:Genesys:Resilience:MaxRetryAttempts"] = "0",
            ["Channels:Genesys:Resilience:AttemptTimeout"] = "00:00:05",
        };
        var services = new ServiceCollection().AddLogging();
        new GenesysModule().AddServices(services, new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(GenesysOptions.SectionName));
        using (var provider = services.BuildServiceProvider())
        {
            var bound = provider.GetRequiredService<IOptions<GenesysResilienceOptions>>().Value;
            Assert.Equal(0, bound.MaxRetryAttempts);
            Assert.Equal(TimeSpan.FromSeconds(5), bound.AttemptTimeout);
        }

        settings["Channels:Genesys:Resilience:TotalTimeout"] = "00:00:01";
        services = new ServiceCollection().AddLogging();
        new GenesysModule().AddServices(services, new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(GenesysOptions.SectionName));
        using (var provider = services.BuildServiceProvider())
        {
            var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GenesysResilienceOptions>>().Value);
            Assert.Contains("TotalTimeout", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Typed_clients_get_the_derived_base_addresses()
    {
        var services = new ServiceCollection().AddLogging();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).Build();
        new GenesysModule().AddServices(services, configuration.GetSection(GenesysOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var factory = provider.GetRequiredService<IHttpClientFactory>();
        Assert.Equal(new Uri("https://api.mypurecloud.ie/"), factory.CreateClient(nameof(GenesysClient)).BaseAddress);
        Assert.Equal(new Uri("https://login.mypurecloud.ie/"), factory.CreateClient(GenesysLoginClient.HttpClientName).BaseAddress);
    }

    private static List<HttpMessageHandler> Chain(HttpMessageHandler handler)
    {
        var chain = new List<HttpMessageHandler>();
        for (HttpMessageHandler? current = handler; current is not null; current = (current as DelegatingHandler)?.InnerHandler)
        {
            chain.Add(current);
        }

        return chain;
    }
}
