using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests;

public sealed class OAuthTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    [Fact]
    public async Task Issues_a_bearer_token_for_good_client_credentials()
    {
        using var api = new GenesysApi(emulator.CreateClient());

        using var response = await api.PostTokenAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("access_token").GetString()));
        Assert.Equal("bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(86400, body.GetProperty("expires_in").GetInt32());
    }

    [Theory]
    [InlineData(GenesysEmulatorFixture.ClientId, "wrong-secret")]
    [InlineData("someone-else", GenesysEmulatorFixture.ClientSecret)]
    [InlineData(null, null)]
    public async Task Rejects_bad_or_missing_client_credentials_with_401_invalid_client(string? clientId, string? clientSecret)
    {
        using var api = new GenesysApi(emulator.CreateClient());

        using var response = await api.PostTokenAsync(clientId, clientSecret);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("description").GetString()));
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Rejects_another_grant_type_with_400()
    {
        using var api = new GenesysApi(emulator.CreateClient());

        using var response = await api.PostTokenAsync(grantType: "password");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unsupported_grant_type", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Counts_every_token_request_in_the_stats()
    {
        using var api = new GenesysApi(emulator.CreateClient());
        var before = await emulator.Control.GetStatsAsync();

        (await api.PostTokenAsync()).Dispose();
        (await api.PostTokenAsync(clientSecret: "wrong")).Dispose();

        var after = await emulator.Control.GetStatsAsync();
        Assert.Equal(before.TokenRequests + 2, after.TokenRequests);
    }
}
