using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests.Infrastructure;

/// <summary>A thin raw-HTTP client of the emulator's Genesys surface, as an adapter would call it.</summary>
internal sealed class GenesysApi(HttpClient http) : IDisposable
{
    public const string IntegrationsPath = "api/v2/conversations/messaging/integrations/open";

    public HttpClient Http => http;

    public string? Token { get; set; }

    /// <summary>A client already holding a valid token.</summary>
    public static async Task<GenesysApi> ConnectAsync(GenesysEmulatorFixture fixture)
    {
        var api = new GenesysApi(fixture.CreateClient());
        api.Token = await api.RequestTokenAsync();
        return api;
    }

    public static string InboundPath(string integrationId, string kind) =>
        $"api/v2/conversations/messages/{integrationId}/inbound/open/{kind}";

    public async Task<HttpResponseMessage> PostTokenAsync(
        string? clientId = GenesysEmulatorFixture.ClientId,
        string? clientSecret = GenesysEmulatorFixture.ClientSecret,
        string grantType = "client_credentials")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", grantType)]),
        };
        if (clientId is not null)
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{clientSecret}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        }

        return await http.SendAsync(request);
    }

    public async Task<string> RequestTokenAsync()
    {
        using var response = await PostTokenAsync();
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("access_token").GetString()!;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(HttpMethod.Get, path, content: null);

    public Task<HttpResponseMessage> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, Json(body));

    public Task<HttpResponseMessage> PostRawAsync(string path, string json) =>
        SendAsync(HttpMethod.Post, path, new StringContent(json, Encoding.UTF8, "application/json"));

    public Task<HttpResponseMessage> PatchAsync(string path, JsonNode body) => SendAsync(HttpMethod.Patch, path, Json(body));

    public Task<HttpResponseMessage> PostMessageAsync(string integrationId, JsonNode body, bool? prefetchConversationId = null)
    {
        var query = prefetchConversationId is { } prefetch ? $"?prefetchConversationId={(prefetch ? "true" : "false")}" : string.Empty;
        return PostAsync(InboundPath(integrationId, "message") + query, body);
    }

    /// <summary>Posts a user message, asserts 200 and returns the normalized message.</summary>
    public async Task<JsonElement> SendMessageAsync(string integrationId, JsonNode body, bool? prefetchConversationId = null)
    {
        using var response = await PostMessageAsync(integrationId, body, prefetchConversationId);
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Inbound message answered {(int)response.StatusCode}: {json}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    public Task<HttpResponseMessage> PostReceiptAsync(string integrationId, JsonNode body) =>
        PostAsync(InboundPath(integrationId, "receipt"), body);

    public Task<HttpResponseMessage> PostEventAsync(string integrationId, JsonNode body) =>
        PostAsync(InboundPath(integrationId, "event"), body);

    public void Dispose() => http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (Token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        }

        return await http.SendAsync(request);
    }

    private static StringContent Json(JsonNode body) =>
        new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
