using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>The standard Genesys error body (fact sheet §3.1): every /api/v2 error uses it.</summary>
internal sealed record GenesysError(
    string Message,
    string Code,
    int Status,
    string ContextId,
    IReadOnlyList<object> Details,
    IReadOnlyList<object> Errors);

/// <summary>Builds Genesys error responses; each gets a fresh <c>contextId</c> as Genesys does.</summary>
internal static class GenesysErrors
{
    /// <summary>Malformed request or a required field missing.</summary>
    public static JsonHttpResult<GenesysError> BadRequest(string message) =>
        Create(StatusCodes.Status400BadRequest, "bad.request", message);

    /// <summary>A field is present but its value is not acceptable.</summary>
    public static JsonHttpResult<GenesysError> InvalidValue(string message) =>
        Create(StatusCodes.Status400BadRequest, "invalid.value", message);

    public static JsonHttpResult<GenesysError> NotFound(string message) =>
        Create(StatusCodes.Status404NotFound, "not.found", message);

    public static JsonHttpResult<GenesysError> AuthenticationRequired() => Create(
        StatusCodes.Status401Unauthorized,
        "authentication.required",
        "No authentication bearer token specified in authorization header.");

    public static JsonHttpResult<GenesysError> BadCredentials() =>
        Create(StatusCodes.Status401Unauthorized, "bad.credentials", "Invalid login credentials.");

    public static JsonHttpResult<GenesysError> TooLarge(long limit) => Create(
        StatusCodes.Status413PayloadTooLarge,
        "request.entity.too.large",
        $"The request is larger than the {limit} bytes allowed.");

    /// <summary>An injected fault: the status with the code Genesys uses for it.</summary>
    public static JsonHttpResult<GenesysError> Fault(int status, int? retryAfterSeconds) => status switch
    {
        StatusCodes.Status429TooManyRequests => Create(
            status,
            "too.many.requests",
            $"Rate limit exceeded the maximum. Retry the request in [{retryAfterSeconds ?? 1}] seconds"),
        StatusCodes.Status400BadRequest => Create(status, "bad.request", "Injected fault: bad request."),
        StatusCodes.Status401Unauthorized => Create(status, "bad.credentials", "Invalid login credentials."),
        StatusCodes.Status403Forbidden => Create(status, "missing.permissions", "Injected fault: missing permissions."),
        StatusCodes.Status404NotFound => Create(status, "not.found", "The requested resource was not found."),
        StatusCodes.Status502BadGateway => Create(status, "bad.gateway", "Injected fault: bad gateway."),
        StatusCodes.Status503ServiceUnavailable => Create(status, "service.unavailable", "The service is currently unavailable."),
        StatusCodes.Status504GatewayTimeout => Create(status, "gateway.timeout", "The request timed out."),
        >= 500 => Create(status, "internal.server.error", "The server encountered an unexpected condition."),
        _ => Create(status, "fault.injected", $"Injected fault: HTTP {status}."),
    };

    /// <summary>Maps a validation failure to the matching error code.</summary>
    public static JsonHttpResult<GenesysError> From(ValidationFailure failure) =>
        failure.Missing ? BadRequest(failure.Message) : InvalidValue(failure.Message);

    private static JsonHttpResult<GenesysError> Create(int status, string code, string message) => TypedResults.Json(
        new GenesysError(message, code, status, Guid.NewGuid().ToString(), [], []),
        statusCode: status);
}

/// <summary>A request validation failure; <see cref="Missing"/> distinguishes "required" from "invalid".</summary>
internal sealed record ValidationFailure(string Message, bool Missing)
{
    public static ValidationFailure Required(string field) => new($"{field} is required.", Missing: true);

    public static ValidationFailure Invalid(string message) => new(message, Missing: false);
}
