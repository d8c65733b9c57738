using Handoff.GenesysEmulator.Faults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Control;

// Fault injection rules for the Genesys-compatible routes.
internal static partial class ControlApi
{
    /// <summary>Paths a fault can never reach; a rule aimed at them is refused rather than silently ignored.</summary>
    private static readonly string[] UnfaultablePrefixes = ["/emulator", "/health", "/alive"];

    internal static Ok<IReadOnlyList<FaultView>> GetFaults(FaultRegistry faults) =>
        TypedResults.Ok<IReadOnlyList<FaultView>>([.. faults.GetAll().Select(ControlViews.Fault)]);

    internal static Results<Created<FaultView>, ValidationProblem> AddFault(FaultRequest request, FaultRegistry faults, ILoggerFactory loggers)
    {
        var errors = new Dictionary<string, string[]>();
        var path = request.Path?.Trim();
        if (string.IsNullOrEmpty(path) || !path.StartsWith('/'))
        {
            errors["path"] = ["Path must be a path prefix starting with '/', e.g. /api/v2/conversations/messages."];
        }
        else if (UnfaultablePrefixes.Any(prefix => path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
        {
            errors["path"] = ["Faults apply to the Genesys-compatible routes only (/oauth, /api/v2, /channels)."];
        }

        if (request.Status is { } status && status is < 400 or > 599)
        {
            errors["status"] = ["Status must be an HTTP error status (400-599)."];
        }

        if (request.Rate is { } rate && (double.IsNaN(rate) || rate is < 0 or > 1))
        {
            errors["rate"] = ["Rate must be between 0.0 and 1.0."];
        }

        if (request.Count is < 1)
        {
            errors["count"] = ["Count must be at least 1."];
        }

        if (request.DelayMs is < 0 or > 300_000)
        {
            errors["delayMs"] = ["DelayMs must be between 0 and 300000."];
        }

        if (request.RetryAfterSeconds is < 0)
        {
            errors["retryAfterSeconds"] = ["RetryAfterSeconds must not be negative."];
        }

        if (request.Status is null && request.DelayMs is null or 0)
        {
            errors["status"] = ["Give a status, a delayMs, or both."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var method = string.IsNullOrWhiteSpace(request.Method) ? null : request.Method.Trim().ToUpperInvariant();
        var fault = faults.Add(new FaultRule(path!, method, request.Status, request.Rate, request.Count, request.DelayMs, request.RetryAfterSeconds));
        LogFaultAdded(loggers.CreateLogger(typeof(ControlApi)), fault.Id, method ?? "*", path!, request.Status ?? 0);
        return TypedResults.Created($"/emulator/faults/{fault.Id}", ControlViews.Fault(fault));
    }

    internal static NoContent ClearFaults(FaultRegistry faults)
    {
        faults.Clear();
        return TypedResults.NoContent();
    }

    internal static Results<NoContent, ProblemHttpResult> RemoveFault(string faultId, FaultRegistry faults) =>
        faults.Remove(faultId)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Fault not found", detail: $"No fault {faultId}.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Fault {FaultId} added: {Method} {Path} → {Status} (0 = delay only)")]
    private static partial void LogFaultAdded(ILogger logger, string faultId, string method, string path, int status);
}
