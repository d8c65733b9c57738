using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Handoff.Browser.Tests;

/// <summary>
/// The playground's HTTP surface without a browser: what it serves, that it acts as the first configured API client
/// without weakening <c>/v1</c>'s <c>X-Api-Key</c>, and that it exists only in Development.
/// </summary>
public sealed class PlaygroundEndpointsTests(BrowserStack stack) : IClassFixture<BrowserStack>
{
    private static readonly object StartBody = new
    {
        channel = "genesys",
        queue = "Support",
        user = new { id = "playground-endpoints-test", nickname = "Pat" },
        transcript = new[] { new { from = "user", text = "I need help with my order" }, new { from = "bot", text = "Let me get you a person" } },
    };

    [Fact]
    public async Task The_page_and_its_assets_are_served_in_Development()
    {
        using var http = new HttpClient { BaseAddress = stack.ApiAddress };

        using var page = await http.GetAsync("playground");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        foreach (var id in new[] { "queue", "nickname", "start", "message", "send", "end", "transcript", "status" })
        {
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("src=\"/playground/playground.js\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(BrowserStack.ApiKey, html, StringComparison.Ordinal);

        using var script = await http.GetAsync("playground/playground.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using var style = await http.GetAsync("playground/playground.css");
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
        using var missing = await http.GetAsync("playground/other.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var openApi = await http.GetStringAsync("openapi/v1.json");
        Assert.DoesNotContain("/playground", openApi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_helpers_act_as_the_first_configured_client_and_leave_v1_authentication_alone()
    {
        using var http = new HttpClient { BaseAddress = stack.ApiAddress };

        // Unsafe calls need the X-Playground header (a cross-site form cannot send it).
        using var forged = await http.PostAsJsonAsync("playground/api/handoffs", StartBody);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        using var session = await http.GetFromJsonAsync<JsonDocument>("playground/api/session");
        Assert.Equal("browser-bot", session!.RootElement.GetProperty("client").GetString());

        using var start = new HttpRequestMessage(HttpMethod.Post, "playground/api/handoffs") { Content = JsonContent.Create(StartBody) };
        start.Headers.Add("X-Playground", "1");
        using var started = await http.SendAsync(start);
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        // The handoff belongs to the first configured client: the bot with that key sees it...
        using var bot = new HttpClient { BaseAddress = stack.ApiAddress };
        bot.DefaultRequestHeaders.Add("X-Api-Key", BrowserStack.ApiKey);
        using var read = await bot.GetAsync($"v1/handoffs/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        // ...while /v1 still wants X-Api-Key, even for events (no query-string key anywhere).
        using var anonymous = await http.GetAsync($"v1/handoffs/{id}/events");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var queryKey = await http.GetAsync($"v1/handoffs/{id}/events?apiKey={BrowserStack.ApiKey}");
        Assert.Equal(HttpStatusCode.Unauthorized, queryKey.StatusCode);

        // The playground's own event feed answers JSON too (EventSource asks for text/event-stream).
        using var events = await http.GetFromJsonAsync<JsonDocument>($"playground/api/handoffs/{id}/events");
        Assert.Equal(JsonValueKind.Array, events!.RootElement.ValueKind);

        using var end = new HttpRequestMessage(HttpMethod.Post, $"playground/api/handoffs/{id}/end") { Content = JsonContent.Create(new { reason = "test_done" }) };
        end.Headers.Add("X-Playground", "1");
        using var ended = await http.SendAsync(end);
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal("ended", (await ended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Testing")]
    public async Task Nothing_is_mapped_outside_Development(string environment)
    {
        await using var api = stack.CreateApi(environment);
        using var http = api.CreateClient();

        foreach (var path in new[] { "playground", "playground/playground.js", "playground/api/session", "playground/api/channels" })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var start = new HttpRequestMessage(HttpMethod.Post, "playground/api/handoffs") { Content = JsonContent.Create(StartBody) };
        start.Headers.Add("X-Playground", "1");
        using var started = await http.SendAsync(start);
        Assert.Equal(HttpStatusCode.NotFound, started.StatusCode);
    }
}
