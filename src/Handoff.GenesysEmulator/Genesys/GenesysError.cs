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
