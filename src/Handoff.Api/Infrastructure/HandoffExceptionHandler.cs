using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Handoff.Api.Infrastructure;

/// <summary>
/// Turns a bad request body (malformed JSON, a wrong type, a body too large) into a 4xx ProblemDetails naming the
/// field, instead of a 500. Anything else falls through to the default handler.
/// </summary>
internal sealed class HandoffExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var status = bad.StatusCode;
        var detail = bad.InnerException switch
        {
            JsonException json when json.Path is { Length: > 0 } path => $"The request body is invalid at '{ToField(path)}': {Describe(json)}",
            JsonException json => $"The request body is not valid JSON: {Describe(json)}",
            _ => status == StatusCodes.Status413PayloadTooLarge ? "The request body is too large." : bad.Message,
        };

        httpContext.Response.StatusCode = status;
        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = status == 413 ? "Payload too large" : "Bad request", Detail = detail },
        };
        if (bad.InnerException is JsonException { Path: { Length: > 0 } field })
        {
            context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]> { [ToField(field)] = ["Invalid value or type."] };
        }

        return await problemDetails.TryWriteAsync(context);
    }

    /// <summary><c>$.user.id</c> → <c>user.id</c>.</summary>
    private static string ToField(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static string Describe(JsonException json)
    {
        // The serializer's message can echo the body; keep only its first sentence, which names the problem.
        var message = json.Message;
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] + "." : message;
    }
}
