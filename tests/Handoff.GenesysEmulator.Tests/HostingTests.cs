using System.Net;
using Handoff.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>The agent desk page, health endpoints and start-up validation.</summary>
public sealed class HostingTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    [Fact]
    public async Task The_agent_desk_page_is_served_at_the_root_with_its_stable_element_ids()
    {
        using var http = emulator.CreateClient();

        using var response = await http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        foreach (var id in new[]
        {
            "conversations", "messages", "reply", "send", "disconnect", "attributes", "typing-indicator",
            "participants", "agent", "transfer", "transfer-to", "transfer-kind", "join", "attachment-url",
        })
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("/emulator/conversations", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script src=\"http", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Health_endpoints_answer_200(string path)
    {
        using var http = emulator.CreateClient();

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("Emulator:ClientSecret", "", "Emulator:ClientSecret")]
    [InlineData("Emulator:Integrations:5f2b9c1e-7a4d-4e8b-9c3f-1d2e3f4a5b6c:WebhookSecret", "too-short", "WebhookSecret")]
    [InlineData("Emulator:Integrations:5f2b9c1e-7a4d-4e8b-9c3f-1d2e3f4a5b6c:WebhookUrl", "not-a-url", "WebhookUrl")]
    public void Invalid_configuration_stops_the_emulator_at_start_up(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Emulator:ClientId"] = "id",
            ["Emulator:ClientSecret"] = "secret",
            ["Emulator:Integrations:5f2b9c1e-7a4d-4e8b-9c3f-1d2e3f4a5b6c:Name"] = "Support",
            [key] = value,
        };
        // WebApplicationFactory sometimes reports a failed start as ObjectDisposedException (its deferred host races the
        // disposal of the host that failed); the validation error is what we are after, so look again on that race.
        OptionsValidationException? validation = null;
        for (var attempt = 0; attempt < 5 && validation is null; attempt++)
        {
            using var factory = new WebApplicationFactory<EmulatorApp>().WithWebHostBuilder(builder =>
            {
                builder.UseEnvironment("Testing");
                builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
            });

            var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
            if (error.GetBaseException() is ObjectDisposedException && attempt < 4)
            {
                continue;
            }

            validation = FindValidationError(error);
        }

        Assert.NotNull(validation);
        Assert.Contains(validation.Failures, f => f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_running_emulator_keeps_its_settings_when_the_configuration_is_reloaded_with_invalid_ones()
    {
        // Without LastValidOptionsMonitor the webhook dispatcher's, notification hub's and trigger sender's next read of
        // the settings throws instead.
        var reloadable = new ReloadableConfiguration();
        var logs = new CountingLoggerProvider();
        await using var factory = new WebApplicationFactory<EmulatorApp>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureAppConfiguration((_, configuration) =>
            {
                configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Emulator:ClientId"] = "id",
                    ["Emulator:ClientSecret"] = "secret",
                    ["Emulator:Webhooks:MaxRetries"] = "3",
                });
                configuration.Add(reloadable);
            });
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
        });
        using var http = factory.CreateClient();
        var monitor = factory.Services.GetRequiredService<IOptionsMonitor<EmulatorOptions>>();
        Assert.Equal(3, monitor.CurrentValue.Webhooks.MaxRetries);

        reloadable.Change("Emulator:Webhooks:MaxRetries", "1000");

        Assert.Equal(3, monitor.CurrentValue.Webhooks.MaxRetries);
        Assert.Contains(logs.Records, r => r.Level == LogLevel.Error && r.Message.Contains("Emulator:Webhooks:MaxRetries must be between 0 and 100."));
        Assert.False(factory.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/alive")).StatusCode);

        reloadable.Change("Emulator:Webhooks:MaxRetries", "7");
        Assert.Equal(7, monitor.CurrentValue.Webhooks.MaxRetries);
    }

    private static OptionsValidationException FindValidationError(Exception error)
    {
        for (Exception? current = error; current is not null; current = current.InnerException)
        {
            if (current is OptionsValidationException validation)
            {
                return validation;
            }

            if (current is AggregateException aggregate && aggregate.InnerExceptions.OfType<OptionsValidationException>().FirstOrDefault() is { } inner)
            {
                return inner;
            }
        }

        throw new Xunit.Sdk.XunitException($"Expected an OptionsValidationException, got: {error}");
    }
}
