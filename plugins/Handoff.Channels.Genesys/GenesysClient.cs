using System.Globalization;
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

    // ---- Open Messaging inbound (section 3) ---------------------------------------------------------------------

    internal Task<GenesysResult<OpenInboundResponse>> SendInboundMessageAsync(
        string integrationId, OpenInboundMessage body, bool prefetchConversationId, CancellationToken cancellationToken) =>
        SendAsync<OpenInboundResponse>(HttpMethod.Post, GenesysApi.InboundMessagePath(integrationId, prefetchConversationId), body,
            Integration(integrationId, GenesysApi.InboundPermission), cancellationToken);

    internal Task<GenesysResult<OpenInboundResponse>> SendInboundEventAsync(
        string integrationId, OpenInboundEvent body, CancellationToken cancellationToken) =>
        SendAsync<OpenInboundResponse>(HttpMethod.Post, GenesysApi.InboundEventPath(integrationId), body,
            Integration(integrationId, GenesysApi.InboundPermission), cancellationToken);

    internal Task<GenesysResult<OpenInboundResponse>> SendInboundReceiptAsync(
        string integrationId, OpenInboundReceipt body, CancellationToken cancellationToken) =>
        SendAsync<OpenInboundResponse>(HttpMethod.Post, GenesysApi.InboundReceiptPath(integrationId), body,
            Integration(integrationId, GenesysApi.InboundPermission), cancellationToken);

    internal Task<GenesysResult<OpenIntegration>> GetIntegrationAsync(string integrationId, CancellationToken cancellationToken) =>
        SendAsync<OpenIntegration>(HttpMethod.Get, GenesysApi.IntegrationPath(integrationId), null,
            Integration(integrationId, GenesysApi.IntegrationViewPermission), cancellationToken);

    // ---- Conversations, users, queues (section 11.5-11.7) ---------------------------------------------------------

    internal Task<GenesysResult<MessageConversation>> GetConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        SendAsync<MessageConversation>(HttpMethod.Get, GenesysApi.ConversationPath(conversationId), null,
            new GenesysCall($"conversation {conversationId}", GenesysApi.MessageViewPermission), cancellationToken);

    /// <summary>Disconnects one participant (the customer, to end the conversation from the bot side).</summary>
    internal Task<GenesysResult<object>> DisconnectParticipantAsync(string conversationId, string participantId, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Patch, GenesysApi.ParticipantPath(conversationId, participantId), new ParticipantStateRequest(GenesysApi.DisconnectedState),
            new GenesysCall($"participant {participantId} of conversation {conversationId}", GenesysApi.DisconnectPermission), cancellationToken);

    internal Task<GenesysResult<MessageDetails>> GetMessageDetailsAsync(string messageId, CancellationToken cancellationToken) =>
        SendAsync<MessageDetails>(HttpMethod.Get, GenesysApi.MessageDetailsPath(messageId), null,
            new GenesysCall($"message {messageId}", GenesysApi.MessageViewPermission), cancellationToken);

    internal Task<GenesysResult<GenesysUser>> GetUserAsync(string userId, CancellationToken cancellationToken) =>
        SendAsync<GenesysUser>(HttpMethod.Get, GenesysApi.UserPath(userId), null,
            new GenesysCall($"user {userId}", GenesysApi.UserViewPermission), cancellationToken);

    internal Task<GenesysResult<EstimatedWaitTimes>> GetEstimatedWaitAsync(string queueId, CancellationToken cancellationToken) =>
        SendAsync<EstimatedWaitTimes>(HttpMethod.Get, GenesysApi.EstimatedWaitPath(queueId), null, Queue(queueId, GenesysApi.QueueViewPermission), cancellationToken);

    internal Task<GenesysResult<QueueObservations>> QueryQueueObservationsAsync(string queueId, CancellationToken cancellationToken) =>
        SendAsync<QueueObservations>(HttpMethod.Post, GenesysApi.QueueObservationsPath,
            new QueueObservationQuery(
                new QueueObservationFilter("and", [new("queueId", queueId), new("mediaType", GenesysApi.MediaTypeMessage)]),
                [GenesysApi.MetricOnQueueUsers]),
            Queue(queueId, GenesysApi.QueueObservationPermission), cancellationToken);

    // ---- Notifications (section 11.1) -------------------------------------------------------------------------------

    internal Task<GenesysResult<NotificationChannel>> CreateNotificationChannelAsync(CancellationToken cancellationToken) =>
        SendAsync<NotificationChannel>(HttpMethod.Post, GenesysApi.NotificationChannelsPath, new { },
            new GenesysCall("the notification channel", "none (any OAuth client may create channels)"), cancellationToken);

    /// <summary>Success while the channel exists; a permanent 404 once it expired or was evicted.</summary>
    internal Task<GenesysResult<object>> CheckNotificationChannelAsync(string channelId, CancellationToken cancellationToken) =>
        SendAsync<object>(HttpMethod.Head, GenesysApi.NotificationChannelPath(channelId), null,
            new GenesysCall($"notification channel {channelId}", "none"), cancellationToken);

    /// <summary>Replaces the channel's whole topic list.</summary>
    internal Task<GenesysResult<ChannelTopicListing>> SetSubscriptionsAsync(string channelId, IReadOnlyList<string> topics, CancellationToken cancellationToken) =>
        SendAsync<ChannelTopicListing>(HttpMethod.Put, GenesysApi.SubscriptionsPath(channelId), topics.Select(t => new ChannelTopicRequest(t)).ToArray(),
            new GenesysCall($"notification channel {channelId}", "the permission of the v2.detail.events topics"), cancellationToken);

    // The texts are only needed when a call fails: built then, not for every call.
    private GenesysCall Integration(string integrationId, string permission) => new(
        "integration", integrationId, permission,
        () => $"integration {integrationId} not found in this Genesys org " +
              $"(check Channels:Genesys:Queues:{options.CurrentValue.FindQueueByIntegrationId(integrationId)?.Key ?? "<queue>"}:IntegrationId)");

    private GenesysCall Queue(string queueId, string permission) => new(
        "queue", queueId, permission,
        () => $"queue {queueId} not found in this Genesys org " +
              $"(check Channels:Genesys:Queues:{options.CurrentValue.FindQueueByQueueId(queueId)?.Key ?? "<queue>"}:QueueId)");

    private async Task<GenesysResult<T>> SendAsync<T>(HttpMethod method, string path, object? body, GenesysCall call, CancellationToken cancellationToken)
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
            var result = await MapAsync<T>(response, call, cancellationToken).ConfigureAwait(false);
            return request.Options.TryGetValue(GenesysResilienceHandler.Retried, out var retried) && retried ? result with { Retried = true } : result;
        }
        catch (GenesysAuthenticationException ex)
        {
            LogCallFailed(logger, method.Method, call.Subject, "credentials rejected", null, null);
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

    private async Task<GenesysResult<T>> MapAsync<T>(HttpResponseMessage response, GenesysCall call, CancellationToken cancellationToken)
        where T : class
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            return GenesysResult<T>.Success(await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false), status);
        }

        var error = await ReadAsync<GenesysErrorBody>(response, cancellationToken).ConfigureAwait(false);
        var contextId = error?.ContextId;
        LogCallFailed(logger, response.RequestMessage?.Method.Method ?? "?", call.Subject, error?.Code ?? status.ToString(CultureInfo.InvariantCulture), status, contextId);
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
            HttpStatusCode.Forbidden => $"Genesys answered 403: the OAuth client's role lacks permission {call.Permission}{context}.",
            HttpStatusCode.NotFound => $"Genesys answered 404: {call.NotFoundReason?.Invoke() ?? call.Subject + " not found"}{context}.",
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
        if (typeof(T) == typeof(object) || response.Content.Headers.ContentLength == 0)
        {
            return null;
        }

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
        Message = "Genesys {Method} for {Subject} failed: {Code} (status {Status}, contextId {ContextId})")]
    private static partial void LogCallFailed(ILogger logger, string method, string subject, string code, int? status, string? contextId);
}

/// <summary>What a call is about, for operator-readable failures.</summary>
/// <param name="What">The kind of thing addressed (<c>integration</c>, <c>queue</c>) or the whole subject.</param>
/// <param name="Id">Its id, when <paramref name="What"/> is only the kind.</param>
/// <param name="Permission">The permission a 403 means is missing.</param>
/// <param name="NotFoundReason">What a 404 means, naming the setting to check (built only then); default "<see cref="Subject"/> not found".</param>
internal sealed record GenesysCall(string What, string? Id, string Permission, Func<string>? NotFoundReason = null)
{
    public GenesysCall(string subject, string permission)
        : this(subject, null, permission)
    {
    }

    /// <summary>What was addressed, e.g. <c>integration 5f2b…</c>.</summary>
    public string Subject => Id is null ? What : $"{What} {Id}";
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

    /// <summary>The call was sent more than once: Genesys pushed back (429, 5xx, no answer in time) before this outcome.</summary>
    public bool Retried { get; init; }

    public bool IsNotFound => Outcome == GenesysOutcome.Permanent && StatusCode == (int)HttpStatusCode.NotFound;

    public static GenesysResult<T> Success(T? value, int status) => new(GenesysOutcome.Success, value, status, null, null, null);

    public static GenesysResult<T> Transient(string reason, int? status, TimeSpan? retryAfter, string? contextId = null) =>
        new(GenesysOutcome.Transient, null, status, reason, contextId, retryAfter);

    public static GenesysResult<T> Permanent(string reason, int? status, string? contextId = null) =>
        new(GenesysOutcome.Permanent, null, status, reason, contextId, null);

    /// <summary>As a <see cref="DeliveryResult"/> (state only on success).</summary>
    public DeliveryResult ToDelivery(IReadOnlyDictionary<string, string>? state = null) => Outcome switch
    {
        GenesysOutcome.Success => DeliveryResult.Ok(state) with { Throttled = Retried },
        GenesysOutcome.Transient => DeliveryResult.Transient(Reason ?? "Genesys is temporarily unavailable.", RetryAfter),
        _ => DeliveryResult.Permanent(Reason ?? "Genesys rejected the request."),
    };

    /// <summary>The same failure for another result type.</summary>
    public GenesysResult<TOther> As<TOther>() where TOther : class => new(Outcome, null, StatusCode, Reason, ContextId, RetryAfter);
}
