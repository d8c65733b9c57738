using System.Net;
using System.Net.Http.Json;

namespace Handoff.Api.Tests;

/// <summary>The v1 contract: auth, validation, status codes and bodies.</summary>
public sealed class HandoffApiContractTests(ApiStack stack) : IClassFixture<ApiStack>
{
    private readonly HttpClient _client = stack.CreateClient();

    [Fact]
    public async Task Missing_api_key_is_401_problem_details()
    {
        using var anonymous = stack.CreateClient(apiKey: null);

        var response = await anonymous.GetAsync("/v1/channels");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadNodeAsync();
        Assert.Equal(401, (int)body["status"]!);
        Assert.Contains("X-Api-Key", (string)body["detail"]!);
    }

    [Fact]
    public async Task Wrong_api_key_is_401()
    {
        using var wrong = stack.CreateClient(apiKey: "not-a-key-at-all-000000");

        var response = await wrong.PostJsonAsync("/v1/handoffs", Json.NewHandoff());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Channels_lists_the_discovered_genesys_plugin_and_its_queues()
    {
        var channels = await _client.GetFromJsonAsync<List<ChannelDto>>("/v1/channels");

        var genesys = Assert.Single(channels!, c => c.Name == "genesys");
        Assert.Equal(["Sales", "Support"], genesys.Queues);
    }

    [Fact]
    public async Task Invalid_start_lists_each_invalid_field()
    {
        var response = await _client.PostJsonAsync("/v1/handoffs", new
        {
            queue = "",
            user = new { nickname = "x", email = "not-an-email" },
            transcript = new[] { new { from = "agent", text = "hi" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadNodeAsync())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("channel"));
        Assert.True(errors.ContainsKey("queue"));
        Assert.True(errors.ContainsKey("user.id"));
        Assert.True(errors.ContainsKey("user.email"));
        Assert.True(errors.ContainsKey("transcript[0].from"));
    }

    [Fact]
    public async Task Wrong_json_type_is_400_naming_the_field()
    {
        var response = await _client.PostRawAsync("/v1/handoffs",
            """{"channel":"genesys","queue":"Support","user":{"id":"u1"},"attributes":{"orderId":42}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.ReadNodeAsync();
        Assert.Contains("attributes.orderId", (string)body["detail"]!);
    }

    [Fact]
    public async Task Malformed_json_is_400_not_500()
    {
        var response = await _client.PostRawAsync("/v1/handoffs", """{"channel": "genesys", """);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        var response = await _client.PostRawAsync("/v1/handoffs",
            $$"""{"channel":"genesys","queue":"Support","user":{"id":"u-{{Guid.NewGuid():N}}","shoeSize":44},"futureField":true}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("slack", "Support")]
    [InlineData("genesys", "Billing")]
    public async Task Unknown_channel_or_queue_is_404(string channel, string queue)
    {
        var response = await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff(queue: queue, channel: channel));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(channel == "slack" ? "channel" : "queue", (string)(await response.ReadNodeAsync())["title"]!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Start_returns_201_with_location_and_the_handoff()
    {
        var response = await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff(queue: "support"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadNodeAsync();
        var id = (string)body["id"]!;
        Assert.Equal($"/v1/handoffs/{id}", response.Headers.Location!.OriginalString);
        Assert.Equal("genesys", (string)body["channel"]!);
        Assert.Equal("Support", (string)body["queue"]!);
        Assert.Equal("queued", (string)body["status"]!);
        Assert.Equal("Maria", (string)body["user"]!["firstName"]!);
        Assert.Equal("A-1001", (string)body["attributes"]!["orderId"]!);
        Assert.NotNull(body["createdAt"]);

        var read = await (await _client.GetAsync($"/v1/handoffs/{id}")).ReadNodeAsync();
        Assert.Equal(id, (string)read["id"]!);
    }

    [Fact]
    public async Task Second_active_handoff_for_the_user_on_the_queue_is_409_naming_the_first()
    {
        var user = $"user-{Guid.NewGuid():N}";
        var first = await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff(user))).ReadNodeAsync();

        var response = await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff(user));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal((string)first["id"]!, (string)(await response.ReadNodeAsync())["handoffId"]!);
    }

    [Fact]
    public async Task Idempotency_key_returns_the_same_handoff_on_retry()
    {
        var key = Guid.NewGuid().ToString();
        var body = Json.NewHandoff();
        using var first = new HttpRequestMessage(HttpMethod.Post, "/v1/handoffs") { Content = JsonContent.Create(body) };
        first.Headers.Add("Idempotency-Key", key);
        using var retry = new HttpRequestMessage(HttpMethod.Post, "/v1/handoffs") { Content = JsonContent.Create(body) };
        retry.Headers.Add("Idempotency-Key", key);

        var a = await _client.SendAsync(first);
        var b = await _client.SendAsync(retry);

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal((string)(await a.ReadNodeAsync())["id"]!, (string)(await b.ReadNodeAsync())["id"]!);
    }

    [Fact]
    public async Task Another_client_cannot_see_or_touch_the_handoff()
    {
        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;
        using var other = stack.CreateClient(ApiStack.OtherClientApiKey);

        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/v1/handoffs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = "hi" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostJsonAsync($"/v1/handoffs/{id}/end", new { })).StatusCode);
    }

    [Fact]
    public async Task Message_is_accepted_with_its_id_and_refused_after_the_end()
    {
        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;

        var accepted = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { id = "client-msg-1", text = "hello?" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = await accepted.ReadNodeAsync();
        Assert.Equal("client-msg-1", (string)body["id"]!);
        Assert.NotNull(body["status"]);

        var ended = await _client.PostJsonAsync($"/v1/handoffs/{id}/end", new { reason = "resolved_by_bot" });
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        var endedBody = await ended.ReadNodeAsync();
        Assert.Equal("ended", (string)endedBody["status"]!);
        Assert.Equal("resolved_by_bot", (string)endedBody["endReason"]!);
        Assert.NotNull(endedBody["endedAt"]);

        var late = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = "still there?" });
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.PostAsync($"/v1/handoffs/{id}/typing", null)).StatusCode);

        var again = await _client.PostJsonAsync($"/v1/handoffs/{id}/end", new { reason = "other" });
        Assert.Equal("resolved_by_bot", (string)(await again.ReadNodeAsync())["endReason"]!);
    }

    [Fact]
    public async Task Message_validation_names_text()
    {
        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;

        var empty = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = "" });
        var tooLong = await _client.PostJsonAsync($"/v1/handoffs/{id}/messages", new { text = new string('x', 4001) });

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True((await empty.ReadNodeAsync())["errors"]!.AsObject().ContainsKey("text"));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    [Fact]
    public async Task Unknown_handoff_is_404_everywhere()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/v1/handoffs/h_nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostJsonAsync("/v1/handoffs/h_nope/messages", new { text = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostAsync("/v1/handoffs/h_nope/typing", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PostJsonAsync("/v1/handoffs/h_nope/end", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/v1/handoffs/h_nope/events")).StatusCode);
    }

    [Fact]
    public async Task Events_after_a_sequence_number_are_filtered()
    {
        var id = (string)(await (await _client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;
        await _client.PostJsonAsync($"/v1/handoffs/{id}/end", new { reason = "done" });

        var all = (await (await _client.GetAsync($"/v1/handoffs/{id}/events")).ReadNodeAsync()).AsArray();
        var ended = all.Single(e => (string)e!["type"]! == "handoff.ended")!;
        Assert.Equal("user", (string)ended["data"]!["endedBy"]!);
        Assert.Equal("done", (string)ended["data"]!["reason"]!);

        var after = (await (await _client.GetAsync($"/v1/handoffs/{id}/events?after={(long)ended["seq"]!}")).ReadNodeAsync()).AsArray();
        Assert.DoesNotContain(after, e => (long)e!["seq"]! <= (long)ended["seq"]!);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync($"/v1/handoffs/{id}/events?after=abc")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_v1_api()
    {
        using var anonymous = stack.CreateClient(apiKey: null);

        var doc = await (await anonymous.GetAsync("/openapi/v1.json")).ReadNodeAsync();

        var paths = doc["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/v1/handoffs"));
        Assert.True(paths.ContainsKey("/v1/handoffs/{id}/events"));
        Assert.True(paths.ContainsKey("/v1/channels"));
    }

    [Fact]
    public async Task Health_and_alive_answer()
    {
        using var anonymous = stack.CreateClient(apiKey: null);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/alive")).StatusCode);
    }

    private sealed record ChannelDto(string Name, List<string> Queues);
}
