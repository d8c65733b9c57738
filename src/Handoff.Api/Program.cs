using Handoff.Api.Apis;
using Handoff.Api.Extensions;
using Handoff.Api.Infrastructure;
using Handoff.Api.Playground;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

// Telemetry, health, resilience, service discovery.
builder.AddServiceDefaults();

// Options, store, outbox dispatcher, API-key auth, ProblemDetails, OpenAPI.
builder.AddApplicationServices();

// Channel plugins found by assembly scanning (plugins/*).
builder.AddChannelPlugins();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

// /health and /alive.
app.MapDefaultEndpoints();

// OpenAPI at /openapi/v1.json; a browsable reference at /scalar in Development.
app.MapOpenApi();
if (app.Environment.IsDevelopment())
{
    app.MapScalarApiReference();
}

// The v1 API for bot platforms: every call needs X-Api-Key.
app.MapHandoffApi().RequireAuthorization().RequireRateLimiting(RateLimiting.PerClientPolicy);
app.MapChannelsApi().RequireAuthorization().RequireRateLimiting(RateLimiting.PerClientPolicy);
app.MapQueuesApi().RequireAuthorization().RequireRateLimiting(RateLimiting.PerClientPolicy);

// Inbound webhooks of channel plugins, under /channels/{name}.
app.MapChannelEndpoints();

if (app.Environment.IsDevelopment()) app.MapPlayground();

app.Run();
