using Handoff.GenesysEmulator.State;
using Handoff.GenesysEmulator.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Control;

/// <summary>
/// <c>/emulator/...</c>: the agent's side of Genesys (send, type, disconnect) plus inspection and knobs for tests.
/// Not a Genesys API; no token needed. Errors are ProblemDetails.
/// </summary>
internal static partial class ControlApi
{
    /// <summary>The agent UI limit for Open Messaging replies (fact sheet §9).</summary>
    public const int MaxAgentTextLength = 4000;

    public static IEndpointRouteBuilder MapControlApi(this IEndpointRouteBuilder routes)
    {
        var control = routes.MapGroup("/emulator").WithTags("Emulator control");

        control.MapGet("/conversations", GetConversations);
        control.MapGet("/conversations/{conversationId}", GetConversation);
        control.MapPost("/conversations/{conversationId}/agent-messages", SendAgentMessage);
        control.MapPost("/conversations/{conversationId}/agent-typing", SendAgentTyping);
        control.MapPost("/conversations/{conversationId}/disconnect", Disconnect);
        control.MapPost("/conversations/{conversationId}/agent-join", AgentJoin);
        control.MapPost("/conversations/{conversationId}/transfer", Transfer);
        control.MapPost("/conversations/{conversationId}/trigger", TriggerAsync);

        control.MapGet("/agents", GetAgents);
        control.MapGet("/queues", GetQueues);
        control.MapPut("/queues/{queueId}", PutQueue);

        control.MapGet("/notifications", GetNotifications);
        control.MapPost("/notifications/socket-closing", SocketClosing);
        control.MapPost("/notifications/drop", DropSockets);

        control.MapGet("/faults", GetFaults);
        control.MapPost("/faults", AddFault);
        control.MapDelete("/faults", ClearFaults);
        control.MapDelete("/faults/{faultId}", RemoveFault);

        control.MapGet("/webhooks", GetWebhookDeliveries);
        control.MapGet("/webhooks/{messageId}", GetWebhookDelivery);
        control.MapPost("/webhooks/{messageId}/redeliver", Redeliver);

        control.MapGet("/integrations", GetIntegrations);
        control.MapGet("/integrations/{integrationId}", GetIntegration);
        control.MapPut("/integrations/{integrationId}", PutIntegration);

        control.MapPost("/tokens/revoke", RevokeTokens);
        control.MapGet("/stats", GetStats);
        return routes;
    }

    internal static Ok<IReadOnlyList<ConversationView>> GetConversations(ConversationStore conversations, ControlViews views) =>
        TypedResults.Ok(views.Conversations(conversations.GetAll()));

    internal static Results<Ok<ConversationView>, ProblemHttpResult> GetConversation(
        string conversationId, ConversationStore conversations, ControlViews views) =>
        conversations.Find(conversationId) is { } conversation
            ? TypedResults.Ok(views.Conversation(conversation))
            : ConversationNotFound(conversationId);

    /// <summary>
    /// The agent replies: stores the message and queues the Text webhook. The sender is the named agent, else the connected
    /// one, else the default agent, who joins first when nobody is connected. Attachments go in <c>content[]</c>.
    /// </summary>
    internal static Results<Accepted<MessageView>, ValidationProblem, ProblemHttpResult> SendAgentMessage(
        string conversationId, AgentMessageRequest request, [AsParameters] AgentServices services)
    {
        var errors = new Dictionary<string, string[]>();
        var attachments = ReadAttachments(request.Attachments, errors);
        if (string.IsNullOrWhiteSpace(request.Text) && attachments.Count == 0 && !errors.ContainsKey("attachments"))
        {
            errors["text"] = ["Text is required (unless the message has attachments)."];
        }

        if (request.Text is { Length: > MaxAgentTextLength })
        {
            errors["text"] = [$"Text must be at most {MaxAgentTextLength} characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var agent = services.Agents.Resolve(request.AgentName, request.UserId);
        var text = string.IsNullOrEmpty(request.Text) ? null : request.Text;
        var result = services.Conversations.AddAgentMessage(conversationId, agent, text, attachments);
        if (Reject(result, conversationId) is { } problem)
        {
            return problem;
        }

        var (conversation, message) = (result.Conversation!, result.Message!);
        var integration = ResolveIntegration(services.Integrations, conversation);
        services.Webhooks.Enqueue(conversation.IntegrationId, conversation.Id, services.Payloads.AgentText(integration, conversation, message));
        LogAgentMessage(services.Logger(), message.Id, conversation.Id);
        return TypedResults.Accepted($"/emulator/conversations/{conversation.Id}", services.Views.Message(message));
    }

    /// <summary>The agent is typing: queues the typing Event webhook.</summary>
    internal static Results<Accepted<AgentTypingView>, ProblemHttpResult> SendAgentTyping(
        string conversationId, [AsParameters] AgentServices services)
    {
        var result = services.Conversations.GetForAgent(conversationId);
        if (Reject(result, conversationId) is { } problem)
        {
            return problem;
        }

        var conversation = result.Conversation!;
        var integration = ResolveIntegration(services.Integrations, conversation);
        var payload = services.Payloads.AgentTyping(integration, conversation);
        services.Webhooks.Enqueue(conversation.IntegrationId, conversation.Id, payload);
        LogAgentTyping(services.Logger(), conversation.Id);
        return TypedResults.Accepted(
            $"/emulator/webhooks/{payload.MessageId}", new AgentTypingView(payload.MessageId, conversation.Id));
    }

    /// <summary>
    /// The agent ends the conversation: the agent leg leaves (<c>client</c>, user.end), then the system disconnects the
    /// customer (customer.end). No webhook: Genesys does not announce the end on Open Messaging (fact sheet §6).
    /// </summary>
    internal static Results<Ok<ConversationView>, ProblemHttpResult> Disconnect(
        string conversationId, ConversationStore conversations, ControlViews views, ILoggerFactory loggers)
    {
        if (conversations.Disconnect(conversationId) is not { } conversation)
        {
            return ConversationNotFound(conversationId);
        }

        LogDisconnected(loggers.CreateLogger(typeof(ControlApi)), conversation.Id);
        return TypedResults.Ok(views.Conversation(conversation));
    }

    internal static Ok<IReadOnlyList<WebhookDeliveryView>> GetWebhookDeliveries(WebhookDeliveryLog log) =>
        TypedResults.Ok<IReadOnlyList<WebhookDeliveryView>>([.. log.GetAll().Select(ControlViews.Delivery)]);

    internal static Results<Ok<WebhookDeliveryView>, ProblemHttpResult> GetWebhookDelivery(string messageId, WebhookDeliveryLog log) =>
        log.Find(messageId) is { } delivery ? TypedResults.Ok(ControlViews.Delivery(delivery)) : DeliveryNotFound(messageId);

    /// <summary>Sends a recorded delivery again, byte for byte, as a Genesys retry would look to the receiver.</summary>
    internal static Results<Accepted<WebhookDeliveryView>, ProblemHttpResult> Redeliver(string messageId, WebhookOutbox outbox) =>
        outbox.Redeliver(messageId) is { } delivery
            ? TypedResults.Accepted($"/emulator/webhooks/{messageId}", ControlViews.Delivery(delivery))
            : DeliveryNotFound(messageId);

    internal static Ok<IReadOnlyList<IntegrationView>> GetIntegrations(IntegrationRegistry integrations) =>
        TypedResults.Ok<IReadOnlyList<IntegrationView>>([.. integrations.GetAll().Select(ControlViews.Integration)]);

    internal static Results<Ok<IntegrationView>, ProblemHttpResult> GetIntegration(string integrationId, IntegrationRegistry integrations) =>
        integrations.Find(integrationId) is { } integration
            ? TypedResults.Ok(ControlViews.Integration(integration))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Integration not found", detail: $"No integration {integrationId}.");

    /// <summary>
    /// Creates or replaces an integration without a token (tests and local set-ups). An optional <c>queueId</c> routes its
    /// new conversations to that queue; without one the current routing is kept.
    /// </summary>
    internal static Results<Created<IntegrationView>, Ok<IntegrationView>, ValidationProblem> PutIntegration(
        string integrationId, IntegrationPutRequest request, IntegrationRegistry integrations, ILoggerFactory loggers)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            errors["name"] = ["Name is required."];
        }

        Uri? webhookUrl = null;
        if (!string.IsNullOrEmpty(request.WebhookUrl)
            && (!Uri.TryCreate(request.WebhookUrl, UriKind.Absolute, out webhookUrl) || !EmulatorOptionsValidator.IsHttpUrl(webhookUrl)))
        {
            errors["webhookUrl"] = ["WebhookUrl must be an absolute http or https URL."];
        }

        if (request.WebhookSecret is { Length: > 0 and < EmulatorOptionsValidator.MinimumSecretLength })
        {
            errors["webhookSecret"] = ["WebhookSecret must be longer than 15 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var secret = string.IsNullOrEmpty(request.WebhookSecret) ? null : request.WebhookSecret;
        var queueId = string.IsNullOrWhiteSpace(request.QueueId) ? null : request.QueueId.Trim();
        var (integration, created) = integrations.Upsert(integrationId, request.Name!, webhookUrl, secret, queueId);
        LogIntegrationSet(loggers.CreateLogger(typeof(ControlApi)), integration.Id, integration.Name, integration.WebhookUrl?.GetLeftPart(UriPartial.Path) ?? "(none)");
        var view = ControlViews.Integration(integration);
        return created ? TypedResults.Created($"/emulator/integrations/{integration.Id}", view) : TypedResults.Ok(view);
    }

    internal static Ok<RevokedTokensView> RevokeTokens(TokenStore tokens, ILoggerFactory loggers)
    {
        var revoked = tokens.RevokeAll();
        LogTokensRevoked(loggers.CreateLogger(typeof(ControlApi)), revoked);
        return TypedResults.Ok(new RevokedTokensView(revoked));
    }

    internal static Ok<EmulatorStatsSnapshot> GetStats(EmulatorStats stats) => TypedResults.Ok(stats.Snapshot());

    private static ProblemHttpResult? Reject(AgentActionResult result, string conversationId) => result.Status switch
    {
        AgentActionStatus.NotFound => ConversationNotFound(conversationId),
        AgentActionStatus.Disconnected => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Conversation is disconnected",
            detail: $"Conversation {conversationId} is disconnected; the agent can no longer write to it."),
        AgentActionStatus.Conflict => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict, title: "Conflicting agent action", detail: result.Problem),
        _ => null,
    };

    /// <summary>Validates attachments (absolute http(s) URL, known media type) into stored ones.</summary>
    private static List<MessageAttachment> ReadAttachments(List<AttachmentRequest?>? requested, Dictionary<string, string[]> errors)
    {
        var attachments = new List<MessageAttachment>();
        var problems = new List<string>();
        foreach (var (item, index) in (requested ?? []).Select((a, i) => (a, i)))
        {
            if (item?.Url is not { } text || !Uri.TryCreate(text, UriKind.Absolute, out var url) || !EmulatorOptionsValidator.IsHttpUrl(url))
            {
                problems.Add($"attachments[{index}].url must be an absolute http or https URL.");
                continue;
            }

            var mediaType = item.MediaType is null
                ? InferMediaType(item.Mime)
                : Genesys.OpenMessaging.MediaTypes.FirstOrDefault(m => string.Equals(m, item.MediaType, StringComparison.OrdinalIgnoreCase));
            if (mediaType is null)
            {
                problems.Add($"attachments[{index}].mediaType must be one of {string.Join(", ", Genesys.OpenMessaging.MediaTypes)}.");
                continue;
            }

            if (item.ContentSizeBytes is < 0)
            {
                problems.Add($"attachments[{index}].contentSizeBytes must not be negative.");
                continue;
            }

            var filename = string.IsNullOrWhiteSpace(item.Filename) ? Path.GetFileName(url.AbsolutePath) : item.Filename;
            attachments.Add(new MessageAttachment(
                mediaType, url.ToString(), item.Mime, string.IsNullOrEmpty(filename) ? null : filename, Guid.NewGuid().ToString(), item.ContentSizeBytes));
        }

        if (problems.Count > 0)
        {
            errors["attachments"] = [.. problems];
        }

        return attachments;
    }

    private static string InferMediaType(string? mime) => mime?.Split('/')[0].ToLowerInvariant() switch
    {
        "image" => "Image",
        "video" => "Video",
        "audio" => "Audio",
        _ => "File",
    };

    /// <summary>The conversation's integration, or a stand-in if it was replaced meanwhile under another id.</summary>
    private static Integration ResolveIntegration(IntegrationRegistry integrations, ConversationSnapshot conversation) =>
        integrations.Find(conversation.IntegrationId)
        ?? new Integration(conversation.IntegrationId, conversation.IntegrationId, null, null,
            new Dictionary<string, string>(), conversation.CreatedAt, conversation.CreatedAt);

    private static ProblemHttpResult ConversationNotFound(string conversationId) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Conversation not found", detail: $"No conversation {conversationId}.");

    private static ProblemHttpResult DeliveryNotFound(string messageId) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Webhook delivery not found", detail: $"No webhook delivery for message {messageId}.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent message {MessageId} sent on conversation {ConversationId}")]
    private static partial void LogAgentMessage(ILogger logger, string messageId, string conversationId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Agent typing on conversation {ConversationId}")]
    private static partial void LogAgentTyping(ILogger logger, string conversationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId} disconnected by the agent")]
    private static partial void LogDisconnected(ILogger logger, string conversationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Integration {IntegrationId} ({Name}) set; webhook {WebhookUrl}")]
    private static partial void LogIntegrationSet(ILogger logger, string integrationId, string name, string webhookUrl);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked {Count} access token(s)")]
    private static partial void LogTokensRevoked(ILogger logger, int count);
}

/// <summary>What the agent endpoints need, injected through <c>[AsParameters]</c>.</summary>
internal sealed record AgentServices(
    ConversationStore Conversations,
    AgentDirectory Agents,
    IntegrationRegistry Integrations,
    WebhookPayloadFactory Payloads,
    WebhookOutbox Webhooks,
    ControlViews Views,
    ILoggerFactory Loggers)
{
    public ILogger Logger() => Loggers.CreateLogger(typeof(ControlApi));
}
