using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

/// <summary>
/// Fault injection on the Genesys-compatible routes: by count, by rate, with Retry-After and delays, never on
/// <c>/emulator</c> or <c>/health</c>. Every test starts with no faults.
/// </summary>
public sealed class FaultInjectionTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>, IAsyncLifetime
{
    private const string UserPath = $"api/v2/users/{GenesysEmulatorFixture.DefaultAgentUserId}";

    public Task InitializeAsync() => emulator.Control.ClearFaultsAsync();

    public Task DisposeAsync() => emulator.Control.ClearFaultsAsync();

    [Fact]
    public async Task A_counted_fault_answers_the_next_n_matching_requests_with_the_Genesys_error_body_then_stops()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var before = await emulator.Control.GetStatsAsync();

        var fault = await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/users") { Status = 503, Count = 2 });
        using var first = await api.GetAsync(UserPath);
        using var second = await api.GetAsync(UserPath);
        using var third = await api.GetAsync(UserPath);

        Assert.False(string.IsNullOrEmpty(fault.Id));
        await GenesysAssert.ErrorAsync(first, HttpStatusCode.ServiceUnavailable, "service.unavailable");
        await GenesysAssert.ErrorAsync(second, HttpStatusCode.ServiceUnavailable, "service.unavailable");
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        var listed = Assert.Single(await emulator.Control.GetFaultsAsync());
        Assert.Equal((2, 0), (listed.Injected, listed.Remaining));
        var after = await emulator.Control.GetStatsAsync();
        Assert.Equal(before.FaultsInjected + 2, after.FaultsInjected);
    }

    [Fact]
    public async Task A_429_fault_carries_Retry_After_and_the_rate_limit_code()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/conversations/messages") { Status = 429, RetryAfterSeconds = 7, Count = 1 });
        var userId = Bodies.NewUserId();

        using var limited = await api.PostMessageAsync(GenesysEmulatorFixture.SupportIntegrationId, Bodies.Message(userId));
        using var accepted = await api.PostMessageAsync(GenesysEmulatorFixture.SupportIntegrationId, Bodies.Message(userId));

        Assert.Equal("7", limited.Headers.RetryAfter?.ToString());
        var message = await GenesysAssert.ErrorAsync(limited, HttpStatusCode.TooManyRequests, "too.many.requests");
        Assert.Contains("[7]", message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var conversations = await emulator.Control.GetConversationsAsync();
        Assert.Single(Assert.Single(conversations, c => c.UserId == userId).Messages);
    }

    [Fact]
    public async Task A_method_filter_leaves_other_methods_alone()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/notifications/channels") { Method = "post", Status = 500 });

        using var post = await api.PostAsync(GenesysApi.NotificationChannelsPath, new System.Text.Json.Nodes.JsonObject());
        using var get = await api.GetAsync(GenesysApi.NotificationChannelsPath);

        await GenesysAssert.ErrorAsync(post, HttpStatusCode.InternalServerError, "internal.server.error");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task A_rate_fault_hits_roughly_that_fraction_of_requests()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/users") { Status = 500, Rate = 0.5 });
        const int requests = 200;

        var failures = 0;
        for (var i = 0; i < requests; i++)
        {
            using var response = await api.GetAsync(UserPath);
            if (response.StatusCode == HttpStatusCode.InternalServerError)
            {
                failures++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        Assert.InRange(failures, 60, 140);
        Assert.Equal(failures, Assert.Single(await emulator.Control.GetFaultsAsync()).Injected);
    }

    [Fact]
    public async Task A_delay_only_fault_delays_then_serves_normally_and_a_delayed_status_does_both()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/users") { DelayMs = 300, Count = 1 });
        await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/users") { DelayMs = 300, Status = 502, Count = 1 });

        var watch = Stopwatch.StartNew();
        using var delayed = await api.GetAsync(UserPath);
        var firstElapsed = watch.Elapsed;
        using var delayedError = await api.GetAsync(UserPath);
        var secondElapsed = watch.Elapsed - firstElapsed;
        using var normal = await api.GetAsync(UserPath);

        Assert.Equal(HttpStatusCode.OK, delayed.StatusCode);
        Assert.True(firstElapsed >= TimeSpan.FromMilliseconds(280), $"Took only {firstElapsed.TotalMilliseconds} ms.");
        await GenesysAssert.ErrorAsync(delayedError, HttpStatusCode.BadGateway, "bad.gateway");
        Assert.True(secondElapsed >= TimeSpan.FromMilliseconds(280), $"Took only {secondElapsed.TotalMilliseconds} ms.");
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
    }

    [Fact]
    public async Task A_catch_all_fault_hits_oauth_and_api_but_never_the_control_API_desk_or_health()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        await emulator.Control.AddFaultAsync(new EmulatorFault("/") { Status = 500 });
        using var http = emulator.CreateClient();

        using var token = await api.PostTokenAsync();
        using var user = await api.GetAsync(UserPath);
        using var socket = await http.GetAsync("channels/streaming-0-x");
        using var stats = await http.GetAsync("emulator/stats");
        using var conversations = await http.GetAsync("emulator/conversations");
        using var health = await http.GetAsync("health");
        using var alive = await http.GetAsync("alive");
        using var desk = await http.GetAsync("/");

        Assert.Equal(HttpStatusCode.InternalServerError, token.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, user.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, socket.StatusCode);
        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            new[] { stats.StatusCode, conversations.StatusCode, health.StatusCode, alive.StatusCode, desk.StatusCode });
    }

    [Fact]
    public async Task A_counted_fault_on_the_token_endpoint_fails_one_login_then_lets_the_retry_through()
    {
        using var api = new GenesysApi(emulator.CreateClient());
        await emulator.Control.AddFaultAsync(new EmulatorFault("/oauth/token") { Status = 503, Count = 1 });

        using var failed = await api.PostTokenAsync();
        var token = await api.RequestTokenAsync();

        await GenesysAssert.ErrorAsync(failed, HttpStatusCode.ServiceUnavailable, "service.unavailable");
        Assert.False(string.IsNullOrEmpty(token));
    }

    [Theory]
    [InlineData("""{"path":"/emulator/stats","status":500}""")]
    [InlineData("""{"path":"/health","status":500}""")]
    [InlineData("""{"path":"api/v2","status":500}""")]
    [InlineData("""{"path":"/api/v2","status":200}""")]
    [InlineData("""{"path":"/api/v2","status":500,"rate":1.5}""")]
    [InlineData("""{"path":"/api/v2","status":500,"count":0}""")]
    [InlineData("""{"path":"/api/v2"}""")]
    [InlineData("""{"path":"/api/v2","delayMs":-1}""")]
    public async Task Invalid_fault_rules_are_refused_with_400(string body)
    {
        using var http = emulator.CreateClient();

        using var response = await http.PostAsync("emulator/faults", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await GenesysAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(await emulator.Control.GetFaultsAsync());
    }

    [Fact]
    public async Task Faults_can_be_removed_one_by_one_or_all_at_once()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        var first = await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/users") { Status = 500 });
        await emulator.Control.AddFaultAsync(new EmulatorFault("/api/v2/routing") { Status = 500 });
        using var http = emulator.CreateClient();

        Assert.True(await emulator.Control.RemoveFaultAsync(first.Id!));
        Assert.False(await emulator.Control.RemoveFaultAsync(first.Id!));
        using var user = await api.GetAsync(UserPath);
        Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        Assert.Single(await emulator.Control.GetFaultsAsync());

        await emulator.Control.ClearFaultsAsync();
        Assert.Empty(await emulator.Control.GetFaultsAsync());
        using var created = await http.PostAsJsonAsync("emulator/faults", new { path = "/api/v2/x", status = 500 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.StartsWith("/emulator/faults/", created.Headers.Location?.ToString(), StringComparison.Ordinal);
    }
}
