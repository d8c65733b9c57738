using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Handoff.Channels.Genesys.Notifications;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// <c>POST /channels/genesys/webhook</c>: the integration's Outbound Notification Webhook URL. Reads the raw body, verifies
/// <c>X-Hub-Signature-256</c> when <c>Channels:Genesys:WebhookSecret</c> is set (or <c>WebhookSecretPrevious</c>, during a
/// rotation), maps the body, looks up the agent's real name and hands it to the inbox.
/// Answers 200 fast for anything authentic and parsable (Genesys retries 429/5xx and a non-2xx can break the chat);
/// 401 for a missing or wrong signature, 413 for an oversized body, 400 for a body that is not JSON.
/// </summary>
public sealed partial class GenesysWebhookEndpoints : IChannelEndpoints
{
    public const string WebhookPath = "/webhook";

    public string Channel => GenesysChannel.Name;

    public void Map(IEndpointRouteBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapPost(WebhookPath, HandleAsync)
            .WithName("GenesysWebhook")
            .WithSummary("Genesys Cloud Open Messaging outbound notifications (agent messages, typing, receipts).")
            // Genesys cannot authenticate to us; the HMAC signature is the authentication.
            .AllowAnonymous();
    }

    internal static async Task<Results<Ok<WebhookAck>, ProblemHttpResult>> HandleAsync(
        HttpContext context,
        [FromServices] IChannelInbox inbox,
        [FromServices] IOptionsMonitor<GenesysOptions> options,
        [FromServices] TimeProvider timeProvider,
        [FromServices] ILogger<GenesysWebhookEndpoints> logger,
        [FromServices] GenesysAgentNames? names = null,
        [FromServices] GenesysConversationRegistry? conversations = null)
    {
        // names and conversations are the module's own services; a host without them (a bare test host) relays with the
        // integration name and watches nothing.
        var cancellationToken = context.RequestAborted;
        using var activity = GenesysTelemetry.ActivitySource.StartActivity("genesys.webhook");
        var current = options.CurrentValue;

        var body = await ReadBodyAsync(context.Request, GenesysApi.MaxWebhookBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Reject(activity, logger, GenesysTelemetry.RejectionReasons.TooLarge, StatusCodes.Status413PayloadTooLarge,
                "Webhook body too large", $"The body exceeds {GenesysApi.MaxWebhookBodyBytes} bytes.");
        }

        if (!string.IsNullOrEmpty(current.WebhookSecret))
        {
            var header = context.Request.Headers[GenesysApi.SignatureHeader].ToString();
            switch (GenesysWebhookSignature.Verify(body, header, current.WebhookSecret, current.WebhookSecretPrevious))
            {
                case SignatureCheck.Missing:
                    return Reject(activity, logger, GenesysTelemetry.RejectionReasons.SignatureMissing, StatusCodes.Status401Unauthorized,
                        "Missing webhook signature", $"The {GenesysApi.SignatureHeader} header is required.");
                case SignatureCheck.Invalid:
                    return Reject(activity, logger, GenesysTelemetry.RejectionReasons.SignatureInvalid, StatusCodes.Status401Unauthorized,
                        "Invalid webhook signature", $"The {GenesysApi.SignatureHeader} header does not match the body.");
            }
        }

        WebhookMessage? message;
        try
        {
            message = JsonSerializer.Deserialize<WebhookMessage>(body, GenesysApi.Json);
        }
        catch (JsonException)
        {
            message = null;
        }

        if (message is null)
        {
            return Reject(activity, logger, GenesysTelemetry.RejectionReasons.BadJson, StatusCodes.Status400BadRequest,
                "Webhook body is not valid JSON", "Expected a Genesys Open Messaging outbound message object.");
        }

        GenesysTelemetry.RecordWebhook(message.Type);
        activity?.SetTag(GenesysTelemetry.HandoffIdTag, message.Channel?.To?.Id);
        activity?.SetTag(GenesysTelemetry.IntegrationIdTag, message.Channel?.Id);
        activity?.SetTag(GenesysTelemetry.ConversationIdTag, message.ConversationId);
        activity?.SetTag(GenesysTelemetry.MessageIdTag, message.Id);

        var mapping = GenesysWebhookMapper.Map(message, current, timeProvider.GetUtcNow());
        if (mapping.Inbound is not { } inbound)
        {
            LogIgnored(logger, message.Type, message.Id, mapping.IgnoredReason);
            return Ack(activity, "ignored");
        }

        if (names is not null)
        {
            inbound = await WithAgentNameAsync(inbound, message, names, cancellationToken).ConfigureAwait(false);
        }

        var result = await inbox.AcceptAsync(inbound, cancellationToken).ConfigureAwait(false);
        if (result is InboxResult.Accepted or InboxResult.Duplicate && message.ConversationId is { Length: > 0 } conversationId)
        {
            // A conversation id first learned here (the start did not return one) is watched from now on.
            conversations?.Watch(inbound.HandoffId, conversationId);
        }

        switch (result)
        {
            case InboxResult.UnknownHandoff:
                LogUnknownHandoff(logger, inbound.HandoffId, inbound.Kind, inbound.ExternalId);
                break;
            case InboxResult.HandoffEnded:
                LogHandoffEnded(logger, inbound.HandoffId, inbound.Kind, inbound.ExternalId);
                break;
            default:
                LogAccepted(logger, inbound.HandoffId, inbound.Kind, inbound.ExternalId, result);
                break;
        }

        return Ack(activity, result switch
        {
            InboxResult.Accepted => "accepted",
            InboxResult.Duplicate => "duplicate",
            InboxResult.UnknownHandoff => "unknownHandoff",
            InboxResult.HandoffEnded => "handoffEnded",
            _ => "ignored",
        });
    }

    /// <summary>
    /// The agent's real name for agent messages (message details → user), bounded by the lookup timeout; typing events reuse the
    /// last name seen on the conversation. Whatever cannot be told keeps the mapper's integration name. Flow and bot messages
    /// (<c>originatingEntity: Bot</c>) keep it too: no person wrote them.
    /// </summary>
    private static async Task<ChannelInbound> WithAgentNameAsync(ChannelInbound inbound, WebhookMessage message, GenesysAgentNames names, CancellationToken cancellationToken)
    {
        var conversationId = message.ConversationId;
        if (inbound.Kind == InboundKind.AgentMessage
            && !string.Equals(message.OriginatingEntity, GenesysApi.OriginatingBot, StringComparison.OrdinalIgnoreCase))
        {
            var name = await names.ForMessageAsync(inbound.ExternalId, cancellationToken).ConfigureAwait(false);
            GenesysTelemetry.RecordAgentName(name is not null);
            if (name is null)
            {
                return inbound;
            }

            if (conversationId is { Length: > 0 })
            {
                await names.RememberAsync(conversationId, name, cancellationToken).ConfigureAwait(false);
            }

            return inbound with { AgentDisplayName = name };
        }

        if (inbound.Kind == InboundKind.AgentTyping && conversationId is { Length: > 0 }
            && await names.LastOnConversationAsync(conversationId, cancellationToken).ConfigureAwait(false) is { } last)
        {
            return inbound with { AgentDisplayName = last };
        }

        return inbound;
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes; null when the body is larger.</summary>
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, 16 * 1024));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }

                length += read;
                if (length > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Ok<WebhookAck> Ack(Activity? activity, string result)
    {
        activity?.SetTag("handoff.inbox.result", result);
        return TypedResults.Ok(new WebhookAck(result));
    }

    private static ProblemHttpResult Reject(Activity? activity, ILogger logger, string reason, int status, string title, string detail)
    {
        GenesysTelemetry.RecordRejection(reason);
        activity?.SetTag("genesys.webhook.rejection", reason);
        activity?.SetStatus(ActivityStatusCode.Error, reason);
        LogRejected(logger, reason, status);
        return TypedResults.Problem(title: title, detail: detail, statusCode: status);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys webhook rejected: {Reason} (answered {Status})")]
    private static partial void LogRejected(ILogger logger, string reason, int status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Genesys webhook {Type} {MessageId} acknowledged without relaying: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string? type, string? messageId, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys webhook for unknown handoff {HandoffId} ({Kind} {ExternalId}) acknowledged, not relayed")]
    private static partial void LogUnknownHandoff(ILogger logger, string handoffId, InboundKind kind, string externalId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys webhook for ended handoff {HandoffId} ({Kind} {ExternalId}) acknowledged, not relayed")]
    private static partial void LogHandoffEnded(ILogger logger, string handoffId, InboundKind kind, string externalId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Genesys webhook for handoff {HandoffId} ({Kind} {ExternalId}): {Result}")]
    private static partial void LogAccepted(ILogger logger, string handoffId, InboundKind kind, string externalId, InboxResult result);
}

/// <summary>The webhook's 200 body: <c>{ "result": "accepted|duplicate|unknownHandoff|handoffEnded|ignored" }</c>.</summary>
internal sealed record WebhookAck(string Result);
