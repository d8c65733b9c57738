using Handoff.GenesysEmulator.Notifications;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>The Genesys-compatible <c>/api/v2</c> surface; every endpoint requires a Bearer token.</summary>
internal static class GenesysApi
{
    public static IEndpointRouteBuilder MapGenesysApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/v2").AddEndpointFilter<BearerTokenFilter>();
        api.MapIntegrations();
        api.MapInbound();
        api.MapConversations();
        api.MapUsers();
        api.MapQueues();
        api.MapNotifications();

        // Unknown /api/v2 paths answer in the Genesys error body too, not with a ProblemDetails.
        api.MapFallback("{*path}", () => GenesysErrors.NotFound("The requested resource was not found.")).ExcludeFromDescription();
        return routes;
    }
}
