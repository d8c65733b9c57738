using Handoff.GenesysEmulator.State;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary><c>GET /api/v2/users/{userId}</c>: the agents the emulator knows (fact sheet §11.6).</summary>
internal static class UsersApi
{
    public static RouteGroupBuilder MapUsers(this RouteGroupBuilder api)
    {
        api.MapGet("/users/{userId}", GetUser).WithTags("Genesys users").WithName("GetUser");
        return api;
    }

    internal static Results<Ok<UserResponse>, JsonHttpResult<GenesysError>> GetUser(string userId, AgentDirectory agents) =>
        agents.Find(userId) is { } agent
            ? TypedResults.Ok(new UserResponse(agent.UserId, agent.Name, agent.Email, "active", SelfUri(agent.UserId)))
            : GenesysErrors.NotFound($"User {userId} was not found.");

    public static UserReference Reference(string userId, string? name) => new(userId, name, SelfUri(userId));

    private static string SelfUri(string userId) => $"/api/v2/users/{userId}";
}
