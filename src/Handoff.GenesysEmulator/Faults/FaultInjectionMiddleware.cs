using Handoff.GenesysEmulator.Genesys;
using Handoff.GenesysEmulator.Notifications;
using Microsoft.Net.Http.Headers;

namespace Handoff.GenesysEmulator.Faults;

/// <summary>
/// Applies <see cref="FaultRegistry"/> rules to the Genesys-compatible routes only: <c>/oauth</c>, <c>/api/v2</c> and
/// the notification sockets under <c>/channels</c>. The control API, the agent desk and the health endpoints are never
/// faulted. A hit waits <c>delayMs</c>, then answers the rule's status with the Genesys error body (and
/// <c>Retry-After</c> when set), or, for a delay-only rule, serves the request normally.
/// </summary>
internal sealed partial class FaultInjectionMiddleware(
    RequestDelegate next, FaultRegistry faults, TimeProvider time, ILogger<FaultInjectionMiddleware> logger)
{
    private static readonly PathString[] GenesysRoutes = ["/oauth", "/api/v2", NotificationsApi.StreamingPath];

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (faults.IsEmpty
            || !GenesysRoutes.Any(route => request.Path.StartsWithSegments(route, StringComparison.OrdinalIgnoreCase))
            || faults.Match(request.Path.Value ?? "/", request.Method) is not { } fault)
        {
            await next(context);
            return;
        }

        LogFault(logger, fault.FaultId, request.Method, request.Path.Value ?? "/", fault.Status ?? 0, fault.Delay.TotalMilliseconds);
        if (fault.Delay > TimeSpan.Zero)
        {
            await Task.Delay(fault.Delay, time, context.RequestAborted);
        }

        if (fault.Status is not { } status)
        {
            await next(context);
            return;
        }

        if (fault.RetryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers[HeaderNames.RetryAfter] = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await GenesysErrors.Fault(status, fault.RetryAfterSeconds).ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Fault {FaultId} applied to {Method} {Path}: status {Status} (0 = none) after {DelayMs} ms")]
    private static partial void LogFault(ILogger logger, string faultId, string method, string path, int status, double delayMs);
}
