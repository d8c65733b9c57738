using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys.Tests;

public sealed class GenesysOptionsTests
{
    [Theory]
    [InlineData("mypurecloud.ie", "https://api.mypurecloud.ie/", "https://login.mypurecloud.ie/")]
    [InlineData("MyPureCloud.IE", "https://api.mypurecloud.ie/", "https://login.mypurecloud.ie/")]
    [InlineData("api.mypurecloud.ie", "https://api.mypurecloud.ie/", "https://login.mypurecloud.ie/")]
    [InlineData("login.usw2.pure.cloud", "https://api.usw2.pure.cloud/", "https://login.usw2.pure.cloud/")]
    [InlineData("https://api.mypurecloud.com.au/", "https://api.mypurecloud.com.au/", "https://login.mypurecloud.com.au/")]
    [InlineData("  https://login.euw2.pure.cloud/oauth/token ", "https://api.euw2.pure.cloud/", "https://login.euw2.pure.cloud/")]
    public void Region_is_forgiving_and_derives_both_hosts(string region, string api, string login)
    {
        var options = new GenesysOptions { Region = region };
        Assert.Equal(new Uri(api), options.ResolveApiBaseUri());
        Assert.Equal(new Uri(login), options.ResolveLoginBaseUri());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ireland")]
    [InlineData("https://")]
    [InlineData("api.")]
    public void Unusable_region_resolves_to_nothing(string? region)
    {
        Assert.Null(GenesysOptions.NormalizeRegion(region));
        Assert.Null(new GenesysOptions { Region = region }.ResolveApiBaseUri());
    }

    [Fact]
    public void Explicit_urls_override_the_region_and_gain_a_trailing_slash()
    {
        var options = new GenesysOptions
        {
            Region = "mypurecloud.ie",
            ApiBaseUrl = new Uri("http://127.0.0.1:5123"),
            LoginBaseUrl = new Uri("http://127.0.0.1:5123/prefix"),
        };
        Assert.Equal(new Uri("http://127.0.0.1:5123/"), options.ResolveApiBaseUri());
        Assert.Equal(new Uri("http://127.0.0.1:5123/prefix/"), options.ResolveLoginBaseUri());
    }

    [Fact]
    public void Valid_options_pass()
    {
        Assert.True(new GenesysOptionsValidator().Validate(null, TestData.Options()).Succeeded);
    }

    [Fact]
    public void Urls_without_region_are_enough()
    {
        var options = TestData.Options(o =>
        {
            o.Region = null;
            o.ApiBaseUrl = new Uri("http://127.0.0.1:1/");
            o.LoginBaseUrl = new Uri("http://127.0.0.1:1/");
        });
        Assert.True(new GenesysOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validation_collects_every_error_naming_its_key()
    {
        var options = new GenesysOptions
        {
            WebhookSecret = "short",
            Queues = new()
            {
                ["Support"] = new() { IntegrationId = "not-a-guid" },
                ["Sales"] = new(),
            },
        };

        var result = new GenesysOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var errors = result.Failures!.ToList();
        Assert.Contains("Set Channels:Genesys:Region (e.g. mypurecloud.ie) or both Channels:Genesys:ApiBaseUrl and Channels:Genesys:LoginBaseUrl.", errors);
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:ClientId is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:ClientSecret is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:WebhookSecret must be longer than 15 characters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith(
            "Channels:Genesys:Queues:Support:IntegrationId must be a GUID (the Integration ID shown in Admin > Message > Platforms)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Channels:Genesys:Queues:Sales:IntegrationId is required", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
    }

    [Fact]
    public void No_queue_is_an_error()
    {
        var result = new GenesysOptionsValidator().Validate(null, TestData.Options(o => o.Queues.Clear()));
        var error = Assert.Single(result.Failures!);
        Assert.Contains("at least one queue", error, StringComparison.Ordinal);
        Assert.Contains("Channels:Genesys:Queues", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ireland")]
    [InlineData("https://")]
    public void Unusable_region_is_reported(string region)
    {
        var result = new GenesysOptionsValidator().Validate(null, TestData.Options(o => o.Region = region));
        Assert.Contains(result.Failures!, e => e.StartsWith("Channels:Genesys:Region", StringComparison.Ordinal));
    }

    [Fact]
    public void Relative_api_url_is_reported()
    {
        var result = new GenesysOptionsValidator().Validate(null, TestData.Options(o => o.ApiBaseUrl = new Uri("/api", UriKind.Relative)));
        Assert.Contains(result.Failures!, e => e.StartsWith("Channels:Genesys:ApiBaseUrl must be an absolute", StringComparison.Ordinal));
    }

    [Fact]
    public void Empty_webhook_secret_means_unsigned_and_is_allowed()
    {
        Assert.True(new GenesysOptionsValidator().Validate(null, TestData.Options(o => o.WebhookSecret = "")).Succeeded);
    }

    [Fact]
    public void Queue_lookups_are_case_insensitive_both_ways()
    {
        var options = TestData.Options();
        Assert.True(options.TryGetIntegrationId("SUPPORT", out var id));
        Assert.Equal(TestData.SupportIntegrationId, id);
        Assert.False(options.TryGetIntegrationId("Billing", out _));

        Assert.Equal("Support", options.FindQueueByIntegrationId(TestData.SupportIntegrationId.ToUpperInvariant())?.Key);
        Assert.Equal("Soporte Cola A", options.FindIntegrationName(TestData.SupportIntegrationId));
        Assert.Null(options.FindIntegrationName(TestData.SalesIntegrationId)); // no name configured
        Assert.Null(options.FindIntegrationName("not-a-guid"));
    }

    [Fact]
    public void Binding_from_configuration_uses_the_public_keys_and_fails_on_start_with_all_errors()
    {
        var good = Bind(new()
        {
            ["Channels:Genesys:Region"] = "mypurecloud.ie",
            ["Channels:Genesys:ClientId"] = "id",
            ["Channels:Genesys:ClientSecret"] = "secret",
            ["Channels:Genesys:WebhookSecret"] = TestData.WebhookSecret,
            ["Channels:Genesys:Queues:Support:IntegrationId"] = TestData.SupportIntegrationId,
            ["Channels:Genesys:Queues:Support:IntegrationName"] = "Soporte",
        });
        var options = good.GetRequiredService<IOptions<GenesysOptions>>().Value;
        Assert.Equal("Soporte", options.Queues["support"].IntegrationName);
        Assert.Equal(["Support"], options.Queues.Keys);

        var bad = Bind(new() { ["Channels:Genesys:Queues:Support:IntegrationId"] = "nope" });
        var ex = Assert.Throws<OptionsValidationException>(() => bad.GetRequiredService<IOptions<GenesysOptions>>().Value);
        Assert.True(ex.Failures.Count() >= 4);
    }

    private static ServiceProvider Bind(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging();
        new GenesysModule().AddServices(services, configuration.GetSection(GenesysOptions.SectionName));
        return services.BuildServiceProvider();
    }
}
