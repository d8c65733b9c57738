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

    /// <summary>The emulator's control client, when created through <see cref="ConnectAsync"/>.</summary>
    public EmulatorControlClient? Control { get; private init; }

    /// <summary>A client already holding a valid token.</summary>
    public static async Task<GenesysApi> ConnectAsync(GenesysEmulatorFixture fixture)
    {
        var api = new GenesysApi(fixture.CreateClient()) { Control = fixture.Control };
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

    public Task<HttpResponseMessage> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, Json(body));

    public Task<HttpResponseMessage> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, content: null);

    public Task<HttpResponseMessage> HeadAsync(string path) => SendAsync(HttpMethod.Head, path, content: null);

    /// <summary>Sends a request and asserts success; returns the JSON body.</summary>
    public async Task<JsonElement> ReadJsonAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        var json = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {json}");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    /// <summary>Starts a conversation with a new user; returns (userId, conversationId).</summary>
    public async Task<(string UserId, string ConversationId)> StartConversationAsync(
        string integrationId = GenesysEmulatorFixture.SupportIntegrationId, string? text = null)
    {
        var userId = Bodies.NewUserId();
        var message = await SendMessageAsync(integrationId, Bodies.Message(userId, text ?? "I'd like to talk to a person, please."), prefetchConversationId: true);
        return (userId, message.GetProperty("conversationId").GetString()!);
    }

    /// <summary><c>POST /api/v2/notifications/channels</c>; returns (id, connectUri).</summary>
    public async Task<(string Id, Uri ConnectUri)> CreateChannelAsync()
    {
        var channel = await ReadJsonAsync(PostAsync(NotificationChannelsPath, new JsonObject()));
        return (channel.GetProperty("id").GetString()!, new Uri(channel.GetProperty("connectUri").GetString()!));
    }

    /// <summary>Subscribes (POST) a channel to topics and asserts success.</summary>
    public Task<JsonElement> SubscribeAsync(string channelId, params string[] topics) =>
        ReadJsonAsync(PostAsync(SubscriptionsPath(channelId), Topics(topics)));

    /// <summary>A channel subscribed to the conversation's detail topics, with its socket open.</summary>
    public async Task<(string ChannelId, NotificationSocket Socket)> ListenAsync(string conversationId, params string[] kinds)
    {
        var (channelId, connectUri) = await CreateChannelAsync();
        await SubscribeAsync(channelId, [.. (kinds.Length == 0 ? DetailKinds : kinds).Select(kind => DetailTopic(conversationId, kind))]);
        return (channelId, await NotificationSocket.ConnectAsync(connectUri, Control));
    }

    public const string NotificationChannelsPath = "api/v2/notifications/channels";

    public static readonly string[] DetailKinds = ["user.start", "user.end", "customer.end", "acd.start", "acd.end"];

    public static string SubscriptionsPath(string channelId) => $"{NotificationChannelsPath}/{channelId}/subscriptions";

    public static string DetailTopic(string conversationId, string kind) => $"v2.detail.events.conversation.{conversationId}.{kind}";

    public static JsonArray Topics(params string[] topics) => [.. topics.Select(t => (JsonNode)new JsonObject { ["id"] = t })];

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
