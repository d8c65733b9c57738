using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Handoff.Api.Tests;

internal static class Json
{
    public static async Task<JsonNode> ReadNodeAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("Empty body.");
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.PostAsJsonAsync(path, body, JsonSerializerOptions.Web);

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string json) =>
        client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    public static object NewHandoff(string? userId = null, string queue = "Support", string channel = "genesys") => new
    {
        channel,
        queue,
        user = new { id = userId ?? $"user-{Guid.NewGuid():N}", nickname = "Maria P.", firstName = "Maria", lastName = "Perez", email = "maria@example.org" },
        transcript = new[]
        {
            new { from = "user", text = "My order never arrived", time = DateTimeOffset.UtcNow.AddMinutes(-2) },
            new { from = "bot", text = "Sorry to hear that. Let me get you a person.", time = DateTimeOffset.UtcNow.AddMinutes(-1) },
        },
        attributes = new Dictionary<string, string> { ["orderId"] = "A-1001", ["intent"] = "refund" },
    };
}
