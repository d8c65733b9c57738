namespace Handoff.GenesysEmulator.AgentDesk;

/// <summary>
/// Serves the agent desk at <c>/</c>: one self-contained HTML page (embedded in the assembly, so it works whatever the
/// content root) that drives the control API.
/// </summary>
internal static class AgentDeskPage
{
    private const string ResourceName = "Handoff.GenesysEmulator.AgentDesk.index.html";

    public static IEndpointRouteBuilder MapAgentDesk(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", Get).ExcludeFromDescription();
        return routes;
    }

    private static IResult Get()
    {
        var stream = typeof(AgentDeskPage).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing.");
        return TypedResults.Stream(stream, "text/html; charset=utf-8");
    }
}
