using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>
/// A JSON request body for the Genesys API, read without throwing: malformed JSON becomes a Genesys
/// <c>400 bad.request</c> (never a 500 or a ProblemDetails), bodies above Genesys' 512000-byte limit a 413.
/// </summary>
internal sealed class GenesysBody<T>
    where T : class
{
    /// <summary>Genesys' <c>request.bytes.max</c> (fact sheet §9).</summary>
    public const long MaxBytes = 512_000;

    private GenesysBody(T? value, JsonHttpResult<GenesysError>? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    /// <summary>The response to send when the body could not be read; null when <see cref="Value"/> is set.</summary>
    public JsonHttpResult<GenesysError>? Error { get; }

    public static async ValueTask<GenesysBody<T>?> BindAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > MaxBytes)
        {
            return new GenesysBody<T>(null, GenesysErrors.TooLarge(MaxBytes));
        }

        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, context.RequestAborted);
            return value is null
                ? new GenesysBody<T>(null, GenesysErrors.BadRequest("A JSON request body is required."))
                : new GenesysBody<T>(value, null);
        }
        catch (JsonException exception)
        {
            var where = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? string.Empty : $" at {exception.Path}";
            return new GenesysBody<T>(null, GenesysErrors.BadRequest($"The request body is not valid JSON for this operation{where}."));
        }
    }
}
