using Handoff.GenesysEmulator.State;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>
/// The message conversation reads and the bot-side disconnect (fact sheet §11.5-11.6):
/// <c>GET /api/v2/conversations/messages/{conversationId}</c>,
/// <c>PATCH …/{conversationId}/participants/{participantId}</c> and <c>GET …/{messageId}/details</c>.
/// </summary>
internal static partial class ConversationsApi
{
    public static RouteGroupBuilder MapConversations(this RouteGroupBuilder api)
    {
        var messages = api.MapGroup("/conversations/messages").WithTags("Genesys conversations");
        messages.MapGet("/{conversationId}", GetConversation).WithName("GetConversationsMessage");
        messages.MapPatch("/{conversationId}/participants/{participantId}", PatchParticipant).WithName("PatchConversationsMessageParticipant");
        messages.MapGet("/{messageId}/details", GetMessageDetails).WithName("GetConversationsMessageDetails");
        return api;
    }

    internal static Results<Ok<MessageConversationResponse>, JsonHttpResult<GenesysError>> GetConversation(
        string conversationId, ConversationStore conversations) =>
        conversations.Find(conversationId) is { } conversation
            ? TypedResults.Ok(ToResponse(conversation))
            : ConversationNotFound(conversationId);

    /// <summary>Ends one leg: <c>{"state":"disconnected"}</c> answers 202 with no body.</summary>
    internal static Results<Accepted, JsonHttpResult<GenesysError>> PatchParticipant(
        string conversationId,
        string participantId,
        GenesysBody<MediaParticipantRequest> body,
        ConversationStore conversations,
        ILoggerFactory loggers)
    {
        if (body.Value is not { } request)
        {
            return body.Error!;
        }

        if (string.IsNullOrWhiteSpace(request.State))
        {
            return GenesysErrors.From(ValidationFailure.Required("state"));
        }

        if (!string.Equals(request.State, "disconnected", StringComparison.OrdinalIgnoreCase))
        {
            return GenesysErrors.InvalidValue("The emulator only supports state 'disconnected' for a message participant.");
        }

        switch (conversations.DisconnectParticipant(conversationId, participantId))
        {
            case ParticipantUpdateStatus.ConversationNotFound:
                return ConversationNotFound(conversationId);
            case ParticipantUpdateStatus.ParticipantNotFound:
                return GenesysErrors.NotFound($"Participant {participantId} was not found in conversation {conversationId}.");
            default:
                LogParticipantDisconnected(loggers.CreateLogger(typeof(ConversationsApi)), participantId, conversationId);
                return TypedResults.Accepted((string?)null);
        }
    }

    /// <summary><c>MessageData</c> of one message; agent messages carry <c>createdBy</c>.</summary>
    internal static Results<Ok<MessageDataResponse>, JsonHttpResult<GenesysError>> GetMessageDetails(
        string messageId, string? useNormalizedMessage, ConversationStore conversations)
    {
        if (conversations.FindMessage(messageId) is not { } found)
        {
            return GenesysErrors.NotFound($"Message {messageId} was not found.");
        }

        var normalizedOnly = bool.TryParse(useNormalizedMessage, out var flag) && flag;
        var message = found.Message;
        var outbound = message.Direction == MessageDirection.Outbound;
        var content = message.Content.Count == 0 ? null : message.Content.Select(OpenContents.From).ToList();
        return TypedResults.Ok(new MessageDataResponse
        {
            Id = message.Id,
            ConversationId = found.ConversationId,
            Timestamp = message.Time,
            FromAddress = outbound ? found.IntegrationId : found.User.Id,
            ToAddress = outbound ? found.User.Id : found.IntegrationId,
            Direction = outbound ? "outbound" : "inbound",
            TextBody = normalizedOnly ? null : message.Text ?? string.Empty,
            Status = outbound ? "sent" : "received",
            NormalizedMessage = new NormalizedMessageResponse(message.Id, OpenMessaging.TextType, message.Text, content),
            NormalizedReceipts = message.Receipt is { } receipt
                ? [new NormalizedReceiptResponse(
                    message.Id,
                    OpenMessaging.ReceiptType,
                    receipt.Status,
                    receipt.Reasons.Count == 0 ? null : [.. receipt.Reasons.Select(r => new OpenReason { Code = r.Code, Message = r.Message })],
                    OpenMessaging.Outbound,
                    receipt.Time)]
                : null,
            CreatedBy = message.Sender is { } agent ? UsersApi.Reference(agent.UserId, agent.Name) : null,
            SelfUri = $"/api/v2/conversations/messages/{message.Id}/details",
        });
    }

    private static MessageConversationResponse ToResponse(ConversationSnapshot conversation) => new(
        conversation.Id,
        [.. conversation.Participants.Select(p => ToResponse(p, conversation.User))],
        $"/api/v2/conversations/messages/{conversation.Id}");

    private static MessageParticipantResponse ToResponse(ParticipantSnapshot participant, EndUser user)
    {
        var customer = participant.Purpose == ParticipantPurpose.Customer;
        return new MessageParticipantResponse
        {
            Id = participant.Id,
            Name = participant.Name,
            Purpose = customer ? "customer" : "agent",
            State = participant.State.ToString().ToLowerInvariant(),
            Direction = customer ? "inbound" : null,
            UserId = participant.UserId,
            User = participant.UserId is { } userId ? UsersApi.Reference(userId, participant.Name) : null,
            Queue = participant.QueueId is { } queueId ? new EntityReference(queueId) : null,
            DisconnectType = participant.DisconnectType?.ForConversationsApi(),
            StartTime = participant.StartTime,
            StartAlertingTime = participant.StartAlertingTime,
            ConnectedTime = participant.ConnectedTime,
            EndTime = participant.EndTime,
            FromAddress = customer ? new AddressResponse(user.Id) : null,
        };
    }

    private static JsonHttpResult<GenesysError> ConversationNotFound(string conversationId) =>
        GenesysErrors.NotFound($"Conversation {conversationId} was not found.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Participant {ParticipantId} of conversation {ConversationId} disconnected through the API")]
    private static partial void LogParticipantDisconnected(ILogger logger, string participantId, string conversationId);
}
