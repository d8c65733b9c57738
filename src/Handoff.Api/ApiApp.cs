namespace Handoff.Api;

/// <summary>Marker type naming this assembly (for <c>WebApplicationFactory&lt;ApiApp&gt;</c>, where <c>Program</c> would be ambiguous).</summary>
public sealed class ApiApp;
