using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Handoff.Browser.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Handoff.AppHost.Tests;

/// <summary>
/// What an operator sees: the AppHost with its Aspire dashboard; one handoff; the handoff's trace opened in the
/// dashboard (headless Chromium) shows spans of both handoff-api and genesys-emulator. Saves a screenshot for the README.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class DashboardTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_dashboard_shows_one_handoff_as_one_trace_across_both_services()
    {
        Environment.SetEnvironmentVariable("ASPIRE_ALLOW_UNSECURED_TRANSPORT", "true");
        Environment.SetEnvironmentVariable("ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", "true");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = cts.Token;

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Handoff_AppHost>(
            ["--environment=Development"], (options, _) => options.DisableDashboard = false, ct);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        using var database = builder.UseFreshDatabase();
        await using var app = await builder.BuildAsync(ct).WaitAsync(StartTimeout, ct);
        try
        {
            await app.StartAsync(ct).WaitAsync(StartTimeout, ct);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("handoff-api", ct).WaitAsync(StartTimeout, ct);
            var dashboard = app.GetEndpoint("aspire-dashboard", "http");

            // Start the handoff inside a trace we name, so we know which trace to open.
            var traceId = ActivityTraceId.CreateRandom();
            using var api = app.CreateHttpClient("handoff-api");
            api.DefaultRequestHeaders.Add("X-Api-Key", "local-dev-api-key");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/handoffs")
            {
                Content = JsonContent.Create(new
                {
                    channel = "genesys",
                    queue = "Support",
                    user = new { id = $"dashboard-{Guid.NewGuid():N}", nickname = "Dana Dashboard" },
                    transcript = new[] { new { from = "user", text = "Can I talk to someone?" } },
                }),
            };
            request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            var started = await api.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            var handoffId = (string)JsonNode.Parse(await started.Content.ReadAsStringAsync(ct))!["id"]!;

            // The rest of the story: the agent answers, the user writes back, the user ends.
            using var emulator = app.CreateHttpClient("genesys-emulator");
            var conversationId = await AppHostTesting.PollAsync(async () =>
                (string?)JsonNode.Parse(await emulator.GetStringAsync("/emulator/conversations", ct))!.AsArray()
                    .FirstOrDefault(c => (string?)c!["userId"] == handoffId)?["id"], ct);
            (await emulator.PostAsJsonAsync($"/emulator/conversations/{conversationId}/agent-messages", new { text = "Hi Dana, how can I help?" }, ct)).EnsureSuccessStatusCode();
            await AppHostTesting.PollAsync(async () =>
                JsonNode.Parse(await api.GetStringAsync($"/v1/handoffs/{handoffId}/events", ct))!.AsArray()
                    .FirstOrDefault(e => (string?)e!["type"] == "agent.message")?.ToJsonString(), ct);
            (await api.PostAsJsonAsync($"/v1/handoffs/{handoffId}/messages", new { text = "My parcel is late." }, ct)).EnsureSuccessStatusCode();
            (await api.PostAsJsonAsync($"/v1/handoffs/{handoffId}/end", new { reason = "resolved" }, ct)).EnsureSuccessStatusCode();

            using var playwright = await Playwright.CreateAsync();
            await using var browser = await Chromium.LaunchAsync(playwright);
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });

            // Telemetry is exported in batches: reload the trace until both services' spans are in it.
            var detail = new Uri(dashboard, $"/traces/detail/{traceId}");
            string text = string.Empty;
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow < deadline)
            {
                await page.GotoAsync(detail.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle, Timeout = 60_000 });
                await page.WaitForTimeoutAsync(1500);
                text = await page.InnerTextAsync("body");
                if (text.Contains("genesys-emulator", StringComparison.Ordinal) && text.Contains("handoff relay end", StringComparison.Ordinal)
                    && text.Contains("handoff inbound agent_message", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(2000, ct);
            }

            output.WriteLine(text.Length > 3000 ? text[..3000] : text);
            Assert.Contains("handoff-api", text);
            Assert.Contains("genesys-emulator", text);
            Assert.Contains("handoff relay start", text);
            Assert.Contains("handoff relay message", text);
            Assert.Contains("handoff inbound agent_message", text);
            Assert.Contains("handoff relay end", text);

            // Tidy the picture: close the local-development banners.
            foreach (var close in await page.Locator("fluent-message-bar button, .message-bar button[aria-label*='lose' i], button[title*='lose' i]").AllAsync())
            {
                try { await close.ClickAsync(new LocatorClickOptions { Timeout = 2000 }); } catch (PlaywrightException) { }
            }

            var shot = Path.Combine(AppHostTesting.RepositoryRoot(), "artifacts", "screenshots", "dashboard-trace.png");
            Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot, FullPage = false });
            if (Environment.GetEnvironmentVariable("HANDOFF_UPDATE_DOCS_IMAGES") == "1")
            {
                File.Copy(shot, Path.Combine(AppHostTesting.RepositoryRoot(), "docs", "images", "dashboard-trace.png"), overwrite: true);
            }

            output.WriteLine($"handoff {handoffId} trace {traceId}: {shot}");
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        }
    }
}
