using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.AppHost.Tests;

/// <summary>
/// Starts the real AppHost (handoff-api + genesys-emulator, no containers) and drives one handoff through it:
/// the same composition `dotnet run --project AppHost/Handoff.AppHost` gives a developer.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class AppHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private const string ApiKey = "local-dev-api-key"; // AppHost/Handoff.AppHost/appsettings.json Parameters:handoff-api-key

    [Fact]
    public async Task One_handoff_travels_bot_to_agent_and_back_through_the_apphost()
    {
        Environment.SetEnvironmentVariable("ASPIRE_ALLOW_UNSECURED_TRANSPORT", "true");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var ct = cts.Token;

        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Handoff_AppHost>(
            ["--environment=Development"],
            (options, _) => options.DisableDashboard = true,
            ct);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        using var database = builder.UseFreshDatabase();

        // Both services export their telemetry over OTLP, as they do to the dashboard; here to a receiver the test reads.
        await using var otlp = await OtlpReceiver.StartAsync();
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.Endpoint.ToString().TrimEnd('/'))
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .WithEnvironment("OTEL_SERVICE_NAME", project.Name)
                .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "200");
        }

        await using var app = await builder.BuildAsync(ct).WaitAsync(StartTimeout, ct);
        try
        {
            await app.StartAsync(ct).WaitAsync(StartTimeout, ct);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("genesys-emulator", ct).WaitAsync(StartTimeout, ct);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("handoff-api", ct).WaitAsync(StartTimeout, ct);

            using var api = app.CreateHttpClient("handoff-api");
            api.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            using var emulator = app.CreateHttpClient("genesys-emulator");

            var start = await api.PostAsJsonAsync("/v1/handoffs", new
            {
                channel = "genesys",
                queue = "Support",
                user = new { id = $"apphost-{Guid.NewGuid():N}", nickname = "Apphost Test" },
                transcript = new[] { new { from = "user", text = "I need a human" } },
                attributes = new Dictionary<string, string> { ["source"] = "apphost-test" },
            }, ct);
            Assert.Equal(HttpStatusCode.Created, start.StatusCode);
            var handoffId = (string)JsonNode.Parse(await start.Content.ReadAsStringAsync(ct))!["id"]!;

            var conversationId = await AppHostTesting.PollAsync(async () =>
            {
                var conversations = JsonNode.Parse(await emulator.GetStringAsync("/emulator/conversations", ct))!.AsArray();
                return (string?)conversations.FirstOrDefault(c => (string?)c!["userId"] == handoffId)?["id"];
            }, ct);

            var reply = await emulator.PostAsJsonAsync($"/emulator/conversations/{conversationId}/agent-messages", new { text = "Hello from the agent desk" }, ct);
            Assert.True(reply.IsSuccessStatusCode);

            var agentMessage = await AppHostTesting.PollAsync(async () =>
            {
                var events = JsonNode.Parse(await api.GetStringAsync($"/v1/handoffs/{handoffId}/events", ct))!.AsArray();
                return events.FirstOrDefault(e => (string?)e!["type"] == "agent.message")?["data"]?.ToJsonString();
            }, ct);
            var data = JsonNode.Parse(agentMessage)!;
            Assert.Equal("Hello from the agent desk", (string)data["text"]!);
            Assert.Equal("Ana Gómez", (string)data["agent"]!["displayName"]!); // the real agent name, looked up in Genesys (the emulator's default agent)

            // The handoff is one trace across both services: the API's relay and the emulator's inbound API share it.
            var traceId = await AppHostTesting.PollAsync(() => Task.FromResult(
                otlp.Spans.FirstOrDefault(s => s.Service == "handoff-api" && s.Name == "handoff relay start" && s.Attributes.GetValueOrDefault("handoff.id") == handoffId)?.TraceId), ct);
            await AppHostTesting.PollAsync(() => Task.FromResult(
                otlp.Spans.FirstOrDefault(s => s.Service == "genesys-emulator" && s.TraceId == traceId)?.SpanId), ct);
            var inTrace = otlp.Spans.Where(s => s.TraceId == traceId).ToList();
            Assert.Contains(inTrace, s => s.Service == "handoff-api" && s.Attributes.GetValueOrDefault("handoff.id") == handoffId && s.Attributes.ContainsKey("http.request.method"));
            Assert.Contains(inTrace, s => s.Service == "genesys-emulator");
            // Exported in the API's next batch, maybe after the spans above: waited for like them.
            await AppHostTesting.PollAsync(() => Task.FromResult(
                otlp.Spans.FirstOrDefault(s => s.Service == "handoff-api" && s.Name == "handoff inbound agent_message" && s.TraceId == traceId)?.SpanId), ct);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        }
    }
}
