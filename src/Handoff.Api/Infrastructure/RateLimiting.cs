using System.Globalization;
using System.Threading.RateLimiting;
using Handoff.Channels;
using Microsoft.AspNetCore.RateLimiting;

namespace Handoff.Api.Infrastructure;

/// <summary>Section <c>Handoff:RateLimit</c>: requests per API client (token bucket), so one noisy bot can't starve the others.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Handoff:RateLimit";

    /// <summary>Sustained requests per second per client.</summary>
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>Burst size per client.</summary>
    public int Burst { get; set; } = 200;
}

internal static class RateLimiting
{
    public const string PerClientPolicy = "per-client";

    public static IServiceCollection AddPerClientRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName)
            .Validate(o => o.RequestsPerSecond >= 1, $"{RateLimitOptions.SectionName}:{nameof(RateLimitOptions.RequestsPerSecond)} must be at least 1.")
            .Validate(o => o.Burst >= 1, $"{RateLimitOptions.SectionName}:{nameof(RateLimitOptions.Burst)} must be at least 1.")
            .ValidateOnStart()
            .KeepLastValidOnReload();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PerClientPolicy, context =>
            {
                var client = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name ?? "anonymous" : "anonymous";
                // The settings are part of the partition's key: after a configuration reload each client gets a bucket with
                // the new ones (the old bucket is dropped once idle), without a restart.
                var options = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<RateLimitOptions>>().CurrentValue;
                return RateLimitPartition.GetTokenBucketLimiter(new ClientBucket(client, options.Burst, options.RequestsPerSecond), bucket => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = bucket.Burst,
                    TokensPerPeriod = bucket.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"This API key is over its request rate; retry after {seconds} s.",
                        Type = "https://tools.ietf.org/html/rfc6585#section-4",
                    },
                });
            };
        });
        return services;
    }

    /// <summary>A client's token bucket, keyed by the settings it was made with.</summary>
    private readonly record struct ClientBucket(string Client, int Burst, int RequestsPerSecond);
}
