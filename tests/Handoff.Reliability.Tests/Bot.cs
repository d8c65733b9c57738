using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.Reliability.Tests;

/// <summary>What a bot platform does against the v1 API, over real HTTP.</summary>
internal static class Bot
{
    public const string ApiKey = "reliability-api-key-0123456789";

    public static HttpClient CreateClient(Uri? baseAddress = null)
    {
        var handler = new SocketsHttpHandler
        {
            // Loopback only; enough connections for every handoff's sender at once.
            MaxConnectionsPerServer = 256,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        if (baseAddress is not null)
        {
            client.BaseAddress = baseAddress;
        }

        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>Starts a handoff on the Support queue for a fresh user; returns its id.</summary>
    public static async Task<string> StartHandoffAsync(HttpClient client, Uri baseAddress, string userId, CancellationToken cancellationToken = default)
    {
        var body = new
        {
            channel = "genesys",
            queue = "Support",
            user = new { id = userId, nickname = $"User {userId}" },
            transcript = new[] { new { from = "user", text = "I need a person" } },
        };
        using var response = await client.PostAsJsonAsync(new Uri(baseAddress, "v1/handoffs"), body, JsonSerializerOptions.Web, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Starting a handoff answered {(int)response.StatusCode}: {text}");
        }

        return (string)JsonNode.Parse(text)!["id"]!;
    }

    /// <summary>POSTs one user message with a client message id; returns the status code (throws when there is no answer).</summary>
    public static async Task<(HttpStatusCode Status, string Body)> PostMessageAsync(
        HttpClient client, Uri baseAddress, string handoffId, string messageId, string text, CancellationToken cancellationToken = default)
    {
        using var response = await client.PostAsJsonAsync(
            new Uri(baseAddress, $"v1/handoffs/{Uri.EscapeDataString(handoffId)}/messages"),
            new { id = messageId, text },
            JsonSerializerOptions.Web,
            cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public static async Task<JsonArray> GetEventsAsync(HttpClient client, Uri baseAddress, string handoffId)
    {
        using var response = await client.GetAsync(new Uri(baseAddress, $"v1/handoffs/{Uri.EscapeDataString(handoffId)}/events"));
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
    }

    /// <summary>The emulator's <c>/emulator/stats</c> as raw JSON, so counters added later (e.g. <c>inboundDuplicatesIgnored</c>) can be read if present.</summary>
    public static async Task<JsonObject> GetRawStatsAsync(GenesysEmulatorFixture emulator)
    {
        using var response = await emulator.Control.HttpClient.GetAsync("emulator/stats");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public static long? Counter(JsonObject stats, string name) =>
        stats.TryGetPropertyValue(name, out var value) && value is JsonValue v && v.TryGetValue<long>(out var n) ? n : null;

    public static Task SetWebhooksAsync(GenesysEmulatorFixture emulator, Uri apiBaseAddress) =>
        Task.WhenAll(
            emulator.SetWebhookAsync(GenesysEmulatorFixture.SupportIntegrationId, new Uri(apiBaseAddress, "channels/genesys/webhook")),
            emulator.SetWebhookAsync(GenesysEmulatorFixture.SalesIntegrationId, new Uri(apiBaseAddress, "channels/genesys/webhook")));
}
