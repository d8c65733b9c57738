using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Typed client for the Genesys Cloud Platform API (base address = the API base URL). Bearer auth is added by
/// <see cref="GenesysAuthHandler"/>; transient faults are retried by the resilience handler around it. Every call returns a
/// <see cref="GenesysResult{T}"/> (success, transient or permanent with an operator-readable reason) instead of throwing,
/// except when the caller's own token is cancelled.
/// </summary>
public sealed partial class GenesysClient(
    HttpClient http,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider timeProvider,
    ILogger<GenesysClient> logger)
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    internal Task<GenesysResult<OpenInboundResponse>> SendInboundMessageAsync(
        string integrationId, OpenInboundMessage body, bool prefetchConversationId, CancellationToken cancellationToken) =>
        SendAsync<OpenInboundResponse>(HttpMethod.Post, GenesysApi.InboundMessagePath(integrationId, prefetchConversationId), body, integrationId,
            GenesysApi.InboundPermission, cancellationToken);

    internal Task<GenesysResult<OpenInboundResponse>> SendInboundEventAsync(
        string integrationId, OpenInboundEvent body, CancellationToken cancellationToken) =>
        SendAsync<OpenInboundResponse>(HttpMethod.Post, GenesysApi.InboundEventPath(integrationId), body, integrationId,
            GenesysApi.InboundPermission, cancellationToken);

    internal Task<GenesysResult<OpenInboundResponse>> SendInboundReceiptAsync(
        string integrationId, OpenInboundReceipt body, CancellationToken cancellationToken) =>
        SendAsync<OpenInboundResponse>(HttpMethod.Post, GenesysApi.InboundReceiptPath(integrationId), body, integrationId,
            GenesysApi.InboundPermission, cancellationToken);

    internal Task<GenesysResult<OpenIntegration>> GetIntegrationAsync(string integrationId, CancellationToken cancellationToken) =>
        SendAsync<OpenIntegration>(HttpMethod.Get, GenesysApi.IntegrationPath(integrationId), null, integrationId,
            GenesysApi.IntegrationViewPermission, cancellationToken);

    private async Task<GenesysResult<T>> SendAsync<T>(
        HttpMethod method, string path, object? body, string integrationId, string permission, CancellationToken cancellationToken)
        where T : class
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            // Bytes, not a stream: the auth handler and the resilience handler may send this request more than once.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), GenesysApi.Json));
            request.Content.Headers.ContentType = JsonContentType;
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            return await MapAsync<T>(response, integrationId, permission, cancellationToken).ConfigureAwait(false);
        }
        catch (GenesysAuthenticationException ex)
        {
            LogCallFailed(logger, method.Method, integrationId, "credentials rejected", null, null);
            return GenesysResult<T>.Permanent(ex.Message, (int)HttpStatusCode.Unauthorized);
        }
        catch (GenesysTokenUnavailableException ex)
        {
            return GenesysResult<T>.Transient(ex.Message, null, ex.RetryAfter);
        }
        catch (BrokenCircuitException)
        {
            return GenesysResult<T>.Transient("Calls to Genesys are paused after repeated failures (circuit open).", null, null);
        }
        catch (TimeoutRejectedException)
        {
            return GenesysResult<T>.Transient("Genesys did not answer in time.", null, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return GenesysResult<T>.Transient("Genesys did not answer in time.", null, null);
        }
        catch (HttpRequestException ex)
        {
            return GenesysResult<T>.Transient($"Could not reach Genesys at {http.BaseAddress}: {ex.Message}", null, null);
        }
    }

    private async Task<GenesysResult<T>> MapAsync<T>(
        HttpResponseMessage response, string integrationId, string permission, CancellationToken cancellationToken)
        where T : class
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return GenesysResult<T>.Success(await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false), status);
        }

        var error = await ReadAsync<GenesysErrorBody>(response, cancellationToken).ConfigureAwait(false);
        var contextId = error?.ContextId;
        LogCallFailed(logger, response.RequestMessage?.Method.Method ?? "?", integrationId, error?.Code ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture), status, contextId);
        var context = contextId is { Length: > 0 } ? $" (Genesys contextId {contextId})" : string.Empty;

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return GenesysResult<T>.Transient($"Genesys rate limit reached (429){context}.", status, ReadRetryAfter(response, timeProvider), contextId);
        }

        if (status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)
        {
            return GenesysResult<T>.Transient($"Genesys answered {status}{Describe(error)}{context}.", status, ReadRetryAfter(response, timeProvider), contextId);
        }

        var reason = response.StatusCode switch
        {
            HttpStatusCode.BadRequest => $"Genesys rejected the request (400{Code(error)}): {error?.Message ?? "no message"}{context}.",
            HttpStatusCode.Unauthorized =>
                $"Genesys rejected the access token even after fetching a new one (401): credentials rejected; check the OAuth client " +
                $"(Channels:Genesys:ClientId/ClientSecret) and that it belongs to this org and region{context}.",
            HttpStatusCode.Forbidden => $"Genesys answered 403: the OAuth client's role lacks permission {permission}{context}.",
            HttpStatusCode.NotFound =>
                $"Genesys answered 404: integration {integrationId} not found in this Genesys org " +
                $"(check Channels:Genesys:Queues:{options.CurrentValue.FindQueueByIntegrationId(integrationId)?.Key ?? "<queue>"}:IntegrationId){context}.",
            _ => $"Genesys answered {status}{Describe(error)}{context}.",
        };
        return GenesysResult<T>.Permanent(reason, status, contextId);
    }

    internal static TimeSpan? ReadRetryAfter(HttpResponseMessage response, TimeProvider timeProvider)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - timeProvider.GetUtcNow() : null);
        return delay is { } d ? (d < TimeSpan.Zero ? TimeSpan.Zero : d) : null;
    }

    private static string Code(GenesysErrorBody? error) => error?.Code is { Length: > 0 } code ? " " + code : string.Empty;

    private static string Describe(GenesysErrorBody? error) =>
        error?.Message is { Length: > 0 } message ? $"{Code(error)}: {message}" : Code(error);

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(GenesysApi.Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            // Empty body or not JSON.
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Genesys {Method} for integration {IntegrationId} failed: {Code} (status {Status}, contextId {ContextId})")]
    private static partial void LogCallFailed(ILogger logger, string method, string integrationId, string code, int? status, string? contextId);
}

internal enum GenesysOutcome
{
    Success,
    Transient,
    Permanent,
}

/// <summary>The outcome of one Genesys call, in our terms.</summary>
internal sealed record GenesysResult<T>(
    GenesysOutcome Outcome,
    T? Value,
    int? StatusCode,
    string? Reason,
    string? ContextId,
    TimeSpan? RetryAfter)
    where T : class
{
    public bool IsSuccess => Outcome == GenesysOutcome.Success;

    public static GenesysResult<T> Success(T? value, int status) => new(GenesysOutcome.Success, value, status, null, null, null);

    public static GenesysResult<T> Transient(string reason, int? status, TimeSpan? retryAfter, string? contextId = null) =>
        new(GenesysOutcome.Transient, null, status, reason, contextId, retryAfter);

    public static GenesysResult<T> Permanent(string reason, int? status, string? contextId = null) =>
        new(GenesysOutcome.Permanent, null, status, reason, contextId, null);

    /// <summary>As a <see cref="DeliveryResult"/> (state only on success).</summary>
    public DeliveryResult ToDelivery(IReadOnlyDictionary<string, string>? state = null) => Outcome switch
    {
        GenesysOutcome.Success => DeliveryResult.Ok(state),
        GenesysOutcome.Transient => DeliveryResult.Transient(Reason ?? "Genesys is temporarily unavailable.", RetryAfter),
        _ => DeliveryResult.Permanent(Reason ?? "Genesys rejected the request."),
    };
}
