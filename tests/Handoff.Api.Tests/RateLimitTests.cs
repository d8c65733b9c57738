using System.Net;

namespace Handoff.Api.Tests;

/// <summary>An API stack with a tiny per-client rate limit.</summary>
public sealed class RateLimitedStack : ApiStack
{
    public RateLimitedStack()
    {
        Overrides["Handoff:RateLimit:Burst"] = "3";
        Overrides["Handoff:RateLimit:RequestsPerSecond"] = "1";
    }
}

/// <summary>Each API key has its own token bucket: a noisy client gets 429 with Retry-After, the others don't notice.</summary>
public sealed class RateLimitTests(RateLimitedStack stack) : IClassFixture<RateLimitedStack>
{
    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected()
    {
        using var noisy = stack.CreateClient();
        using var quiet = stack.CreateClient(ApiStack.OtherClientApiKey);

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
        {
            statuses.Add(await noisy.GetAsync("/v1/channels"));
        }

        var limited = statuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(statuses.Count(r => r.StatusCode == HttpStatusCode.OK) is >= 3 and < 8);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, (int)(await limited.ReadNodeAsync())["status"]!);

        Assert.Equal(HttpStatusCode.OK, (await quiet.GetAsync("/v1/channels")).StatusCode);
    }
}
