using Handoff.GenesysEmulator.AgentDesk;
using Handoff.GenesysEmulator.Control;
using Handoff.GenesysEmulator.Faults;
using Handoff.GenesysEmulator.Genesys;
using Handoff.GenesysEmulator.Infrastructure;
using Handoff.GenesysEmulator.Notifications;

var builder = WebApplication.CreateBuilder(args);

// OpenTelemetry (Handoff.* sources), health checks, service discovery, HTTP client defaults.
builder.AddServiceDefaults();

// Emulator options (section "Emulator", validated on start), in-memory state and the webhook pipeline.
builder.AddGenesysEmulator();

var app = builder.Build();

// Unhandled exceptions and empty error responses become ProblemDetails.
app.UseExceptionHandler();
app.UseStatusCodePages();

// Fault rules from POST /emulator/faults, applied to the Genesys-compatible routes only.
app.UseMiddleware<FaultInjectionMiddleware>();

// The notification channels' sockets (/channels/{channelId}).
app.UseWebSockets();

// Genesys-compatible surface: POST /oauth/token and the Bearer-protected /api/v2 routes.
app.MapGenesysOAuth();
app.MapGenesysApi();
app.MapNotificationStreaming();

// Control API for the agent desk and tests: /emulator/...
app.MapControlApi();

// The agent desk page at /.
app.MapAgentDesk();

// /health and /alive.
app.MapDefaultEndpoints();

app.Run();
