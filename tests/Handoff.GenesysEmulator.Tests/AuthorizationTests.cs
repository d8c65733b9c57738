using System.Net;
using Handoff.GenesysEmulator.Tests.Infrastructure;
using Handoff.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Handoff.GenesysEmulator.Tests;

public sealed class AuthorizationTests(GenesysEmulatorFixture emulator) : IClassFixture<GenesysEmulatorFixture>
{
    [Fact]
    public async Task Api_without_a_token_answers_401_authentication_required_in_the_Genesys_error_body()
    {
        using var api = new GenesysApi(emulator.CreateClient());

        using var response = await api.GetAsync(GenesysApi.IntegrationsPath);

        await GenesysAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "authentication.required");
    }

    [Fact]
    public async Task Api_with_a_token_that_was_never_issued_answers_401_bad_credentials()
    {
        using var api = new GenesysApi(emulator.CreateClient()) { Token = "not-a-real-token" };

        using var response = await api.PostMessageAsync(
            GenesysEmulatorFixture.SupportIntegrationId, Bodies.Message(Bodies.NewUserId()));

        await GenesysAssert.ErrorAsync(response, HttpStatusCode.Unauthorized, "bad.credentials");
    }

    [Fact]
    public async Task An_unknown_api_path_answers_in_the_Genesys_error_body_after_authentication()
    {
        using var anonymous = new GenesysApi(emulator.CreateClient());
        using var authenticated = await GenesysApi.ConnectAsync(emulator);

        using var withoutToken = await anonymous.GetAsync("api/v2/no/such/resource");
        using var withToken = await authenticated.GetAsync("api/v2/no/such/resource.json");

        await GenesysAssert.ErrorAsync(withoutToken, HttpStatusCode.Unauthorized, "authentication.required");
        await GenesysAssert.ErrorAsync(withToken, HttpStatusCode.NotFound, "not.found");
    }

    [Fact]
    public async Task A_revoked_token_answers_401_until_the_client_fetches_a_new_one()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        using (var before = await api.GetAsync(GenesysApi.IntegrationsPath))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var revoked = await emulator.Control.RevokeTokensAsync();

        Assert.True(revoked >= 1);
        using (var afterRevoke = await api.GetAsync(GenesysApi.IntegrationsPath))
        {
            await GenesysAssert.ErrorAsync(afterRevoke, HttpStatusCode.Unauthorized, "bad.credentials");
        }

        api.Token = await api.RequestTokenAsync();
        using var refreshed = await api.GetAsync(GenesysApi.IntegrationsPath);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
    }
}

/// <summary>The emulator on a fake clock, so token expiry is tested without waiting.</summary>
public sealed class FakeClockEmulatorFixture : GenesysEmulatorFixture
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 3, 1, 14, 0, 0, TimeSpan.Zero));

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

public sealed class TokenExpiryTests(FakeClockEmulatorFixture emulator) : IClassFixture<FakeClockEmulatorFixture>
{
    [Fact]
    public async Task A_token_expires_after_its_lifetime()
    {
        using var api = await GenesysApi.ConnectAsync(emulator);
        emulator.Clock.Advance(TimeSpan.FromSeconds(86_399));
        using (var stillValid = await api.GetAsync(GenesysApi.IntegrationsPath))
        {
            Assert.Equal(HttpStatusCode.OK, stillValid.StatusCode);
        }

        emulator.Clock.Advance(TimeSpan.FromSeconds(1));

        using var expired = await api.GetAsync(GenesysApi.IntegrationsPath);
        await GenesysAssert.ErrorAsync(expired, HttpStatusCode.Unauthorized, "bad.credentials");
    }
}
