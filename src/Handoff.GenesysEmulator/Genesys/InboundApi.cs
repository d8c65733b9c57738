using System.Diagnostics.CodeAnalysis;
using Handoff.GenesysEmulator.State;
using Handoff.GenesysEmulator.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>
/// <c>/api/v2/conversations/messages/{integrationId}/inbound/open/{message|receipt|event}</c> (fact sheet §3): the bot
/// side talking to Genesys.
/// </summary>
internal static partial class InboundApi
{
    public static RouteGroupBuilder MapInbound(this RouteGroupBuilder api)
    {
        var inbound = api.MapGroup("/conversations/messages/{integrationId}/inbound/open").WithTags("Genesys inbound");
        inbound.MapPost("/message", PostMessage).WithName("PostInboundOpenMessage");
        inbound.MapPost("/receipt", PostReceipt).WithName("PostInboundOpenReceipt");
        inbound.MapPost("/event", PostEvent).WithName("PostInboundOpenEvent");
        return api;
    }

    /// <summary>
    /// A user message: joins or starts the conversation of (integration, <c>from.id</c>), merges custom attributes,
    /// answers the normalized message and queues the <c>Delivered</c> receipt webhook.
    /// </summary>
    internal static Results<Ok<OpenNormalizedMessage>, JsonHttpResult<GenesysError>> PostMessage(
        string integrationId,
        string? prefetchConversationId,
        GenesysBody<OpenInboundMessageRequest> body,
        [AsParameters] InboundServices services)
    {
        if (!TryParseFlag(prefetchConversationId, out var prefetch))
        {
            return GenesysErrors.InvalidValue("prefetchConversationId must be true or false.");
        }

        if (Prepare<OpenInboundMessageRequest, InboundMessageCommand>(integrationId, body, services, InboundValidation.TryValidate, out var integration, out var command) is { } error)
        {
            return error;
        }

        var result = services.Conversations.AcceptInboundMessage(
            integration.Id, integration.RoutingQueueId, command.User, command.CustomAttributes, command.Text, command.Content, command.Time, command.ClientMessageId);
        var conversation = result.Conversation;
        if (result.Repeated)
        {
            services.Stats.InboundDuplicateIgnored();
        }
        else
        {
            services.Stats.InboundMessageAccepted();
        }

        if (result.ConversationCreated)
        {
            LogConversationCreated(services.Logger(), conversation.Id, integration.Id, integration.Name);
        }

        LogInboundMessage(services.Logger(), result.Message.Id, conversation.Id, command.ClientMessageId);
        if (!result.Repeated)
        {
            services.Webhooks.Enqueue(
                integration.Id, conversation.Id, services.Payloads.InboundReceipt(integration, conversation, result.Message));
        }

        return TypedResults.Ok(new OpenNormalizedMessage
        {
            Id = result.Message.Id,
            Channel = new OpenChannel
            {
                Id = integration.Id,
                MessageId = command.ClientMessageId,
                Time = command.Time,
                From = ToAddress(command.User),
                To = new OpenAddress { Id = integration.Id, IdType = OpenMessaging.Opaque },
            },
            Type = OpenMessaging.TextType,
            Text = command.Text,
            Content = command.Content.Count == 0 ? null : [.. command.Content.Select(OpenContents.From)],
            Direction = OpenMessaging.Inbound,
            Metadata = command.Metadata,
            // Documented as "the conversationId context for the message"; returned only when asked for (§3.1).
            ConversationId = prefetch ? conversation.Id : null,
        });
    }

    /// <summary>A receipt for an agent message: recorded on that message when the id is known.</summary>
    internal static Results<Ok<OpenNormalizedMessage>, JsonHttpResult<GenesysError>> PostReceipt(
        string integrationId,
        GenesysBody<OpenInboundReceiptRequest> body,
        [AsParameters] InboundServices services)
    {
        if (Prepare<OpenInboundReceiptRequest, InboundReceiptCommand>(integrationId, body, services, InboundValidation.TryValidate, out var integration, out var command) is { } error)
        {
            return error;
        }

        var time = command.Time ?? services.Time.GetUtcNow();
        var conversationId = services.Conversations.RecordReceipt(
            integration.Id, command.MessageId, new MessageReceipt(command.Status, command.Reasons, time));
        services.Stats.InboundReceiptAccepted();
        if (conversationId is null)
        {
            // Genesys accepts receipts asynchronously; an unknown id is logged, not rejected.
            LogUnknownReceipt(services.Logger(), command.Status, command.MessageId);
        }
        else
        {
            LogReceipt(services.Logger(), command.Status, command.MessageId, conversationId);
        }

        return TypedResults.Ok(new OpenNormalizedMessage
        {
            Id = command.MessageId,
            Channel = new OpenChannel
            {
                Id = integration.Id,
                Time = time,
                To = command.To with { IdType = command.To.IdType ?? OpenMessaging.Opaque },
                From = new OpenAddress { Id = integration.Id, IdType = OpenMessaging.Opaque },
            },
            Type = OpenMessaging.ReceiptType,
            Status = command.Status,
            Reasons = command.Reasons.Count == 0 ? null : [.. command.Reasons.Select(r => new OpenReason { Code = r.Code, Message = r.Message })],
            IsFinalReceipt = command.IsFinalReceipt,
            Direction = OpenMessaging.Outbound,
            ConversationId = conversationId,
        });
    }

    /// <summary>A typing event: records "customer is typing" on the conversation (joining or starting it).</summary>
    internal static Results<Ok<OpenNormalizedMessage>, JsonHttpResult<GenesysError>> PostEvent(
        string integrationId,
        GenesysBody<OpenInboundEventRequest> body,
        [AsParameters] InboundServices services)
    {
        if (Prepare<OpenInboundEventRequest, InboundEventCommand>(integrationId, body, services, InboundValidation.TryValidate, out var integration, out var command) is { } error)
        {
            return error;
        }

        var (conversation, created) = services.Conversations.RecordCustomerTyping(integration.Id, integration.RoutingQueueId, command.User);
        services.Stats.InboundEventAccepted();
        if (created)
        {
            LogConversationCreated(services.Logger(), conversation.Id, integration.Id, integration.Name);
        }

        LogCustomerTyping(services.Logger(), conversation.Id);
        return TypedResults.Ok(new OpenNormalizedMessage
        {
            Id = Guid.NewGuid().ToString("N"),
            Channel = new OpenChannel
            {
                Id = integration.Id,
                MessageId = body.Value!.Channel?.MessageId,
                Time = command.Time,
                From = ToAddress(command.User),
                To = new OpenAddress { Id = integration.Id, IdType = OpenMessaging.Opaque },
            },
            Type = OpenMessaging.EventType,
            Events = command.Events,
            Direction = OpenMessaging.Inbound,
        });
    }

    private static bool TryParseFlag(string? text, out bool value)
    {
        value = false;
        return string.IsNullOrEmpty(text) || bool.TryParse(text, out value);
    }

    /// <summary>Validates <paramref name="request"/> into a command (each inbound route has its own overload).</summary>
    private delegate bool Validator<TRequest, TCommand>(TRequest request, [NotNullWhen(true)] out TCommand? command, [NotNullWhen(false)] out ValidationFailure? failure)
        where TCommand : class;

    /// <summary>
    /// What every inbound route checks first, in Genesys's order: the body parses, the integration exists, the fields
    /// validate. Returns the Genesys error to answer, or null with the integration and the command.
    /// </summary>
    private static JsonHttpResult<GenesysError>? Prepare<TRequest, TCommand>(
        string integrationId,
        GenesysBody<TRequest> body,
        InboundServices services,
        Validator<TRequest, TCommand> validate,
        out Integration integration,
        out TCommand command)
        where TRequest : class
        where TCommand : class
    {
        integration = null!;
        command = null!;
        if (body.Value is not { } request)
        {
            return body.Error!;
        }

        if (services.Integrations.Find(integrationId) is not { } found)
        {
            return UnknownIntegration(integrationId);
        }

        if (!validate(request, out var validated, out var failure))
        {
            return GenesysErrors.From(failure);
        }

        integration = found;
        command = validated;
        return null;
    }

    private static JsonHttpResult<GenesysError> UnknownIntegration(string integrationId) =>
        GenesysErrors.NotFound($"Open messaging integration {integrationId} was not found.");

    private static OpenAddress ToAddress(EndUser user) => new()
    {
        Id = user.Id,
        IdType = user.IdType,
        Nickname = user.Nickname,
        FirstName = user.FirstName,
        LastName = user.LastName,
        Email = user.Email,
        Image = user.Image,
    };

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Conversation {ConversationId} created on integration {IntegrationId} ({IntegrationName})")]
    private static partial void LogConversationCreated(
        ILogger logger, string conversationId, string integrationId, string integrationName);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Inbound message {MessageId} (client id {ClientMessageId}) accepted on conversation {ConversationId}")]
    private static partial void LogInboundMessage(ILogger logger, string messageId, string conversationId, string? clientMessageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Receipt {Status} recorded for message {MessageId} on conversation {ConversationId}")]
    private static partial void LogReceipt(ILogger logger, string status, string messageId, string conversationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receipt {Status} for unknown agent message {MessageId} accepted and ignored")]
    private static partial void LogUnknownReceipt(ILogger logger, string status, string messageId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Customer typing on conversation {ConversationId}")]
    private static partial void LogCustomerTyping(ILogger logger, string conversationId);
}

/// <summary>What the inbound handlers need, injected through <c>[AsParameters]</c>.</summary>
internal sealed record InboundServices(
    IntegrationRegistry Integrations,
    ConversationStore Conversations,
    WebhookOutbox Webhooks,
    WebhookPayloadFactory Payloads,
    EmulatorStats Stats,
    TimeProvider Time,
    ILoggerFactory Loggers)
{
    public ILogger Logger() => Loggers.CreateLogger(typeof(InboundApi));
}
