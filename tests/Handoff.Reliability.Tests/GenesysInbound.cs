using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.Reliability.Tests;

/// <summary>Talks to the emulator as some other Open Messaging client would (not Handoff): OAuth, then an inbound message.</summary>
internal static class GenesysInbound
{
    public static async Task<HttpClient> AuthenticatedClientAsync(GenesysEmulatorFixture emulator)
    {
        var client = emulator.CreateClient();
        using var token = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        token.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{GenesysEmulatorFixture.ClientId}:{GenesysEmulatorFixture.ClientSecret}")));
        using var response = await client.SendAsync(token);
        response.EnsureSuccessStatusCode();
        var accessToken = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>An inbound user message from <paramref name="fromId"/>; returns the conversation id.</summary>
    public static async Task<string> SendAsync(HttpClient client, string integrationId, string fromId, string messageId, string text)
    {
        var body = new
        {
            channel = new
            {
                platform = "Open",
                type = "Private",
                messageId,
                to = new { id = integrationId },
                from = new { id = fromId, idType = "Opaque", nickname = "Someone else" },
                time = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            },
            type = "Text",
            text,
            direction = "Inbound",
        };
        using var response = await client.PostAsJsonAsync(
            $"api/v2/conversations/messages/{integrationId}/inbound/open/message?prefetchConversationId=true", body, JsonSerializerOptions.Web);
        var answer = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Inbound message answered {(int)response.StatusCode}: {answer}");
        }

        return (string)JsonNode.Parse(answer)!["conversationId"]!;
    }
}
