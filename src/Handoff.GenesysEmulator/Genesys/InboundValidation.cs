using System.Diagnostics.CodeAnalysis;
using Handoff.GenesysEmulator.Infrastructure;
using Handoff.GenesysEmulator.State;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>A validated inbound user message.</summary>
internal sealed record InboundMessageCommand(
    EndUser User,
    DateTimeOffset Time,
    string? ClientMessageId,
    string? Text,
    IReadOnlyList<MessageAttachment> Content,
    IReadOnlyDictionary<string, string>? CustomAttributes,
    IReadOnlyDictionary<string, string>? Metadata);

/// <summary>A validated receipt for an agent message.</summary>
internal sealed record InboundReceiptCommand(
    string MessageId,
    string Status,
    OpenAddress To,
    DateTimeOffset? Time,
    IReadOnlyList<ReceiptReason> Reasons,
    bool IsFinalReceipt);

/// <summary>A validated typing event.</summary>
internal sealed record InboundEventCommand(EndUser User, DateTimeOffset Time, IReadOnlyList<OpenEvent> Events);

/// <summary>
/// Validation of the three inbound bodies. The first problem is reported, naming the field by its JSON path
/// (e.g. <c>channel.from.id</c>), as Genesys reports one error per response.
/// </summary>
internal static class InboundValidation
{
    public static bool TryValidate(
        OpenInboundMessageRequest request,
        [NotNullWhen(true)] out InboundMessageCommand? command,
        [NotNullWhen(false)] out ValidationFailure? failure)
    {
        command = null;
        if (!TryValidateSender(request.Channel, out var user, out var time, out failure))
        {
            return false;
        }

        var content = new List<MessageAttachment>();
        for (var i = 0; i < (request.Content?.Count ?? 0); i++)
        {
            if (!TryValidateContent(request.Content![i], $"content[{i}]", out var attachment, out failure))
            {
                return false;
            }

            content.Add(attachment);
        }

        if (string.IsNullOrEmpty(request.Text) && content.Count == 0)
        {
            failure = ValidationFailure.Required("text or content");
            return false;
        }

        command = new InboundMessageCommand(
            user,
            time,
            string.IsNullOrEmpty(request.Channel!.MessageId) ? null : request.Channel.MessageId,
            request.Text,
            content,
            request.Channel.Metadata?.CustomAttributes,
            request.Metadata);
        return true;
    }

    public static bool TryValidate(
        OpenInboundReceiptRequest request,
        [NotNullWhen(true)] out InboundReceiptCommand? command,
        [NotNullWhen(false)] out ValidationFailure? failure)
    {
        command = null;
        failure = null;
        if (string.IsNullOrWhiteSpace(request.Id))
        {
            failure = ValidationFailure.Required("id");
            return false;
        }

        if (string.IsNullOrWhiteSpace(request.Status))
        {
            failure = ValidationFailure.Required("status");
            return false;
        }

        // Only Delivered and Failed may be posted (§3.2). Enum values are matched exactly, as documented.
        if (!OpenMessaging.InboundReceiptStatuses.Contains(request.Status, StringComparer.Ordinal))
        {
            failure = ValidationFailure.Invalid(
                $"status must be one of {string.Join(", ", OpenMessaging.InboundReceiptStatuses)}; got '{request.Status}'.");
            return false;
        }

        if (request.Channel is null)
        {
            failure = ValidationFailure.Required("channel");
            return false;
        }

        if (string.IsNullOrWhiteSpace(request.Channel.To?.Id))
        {
            failure = ValidationFailure.Required("channel.to.id");
            return false;
        }

        DateTimeOffset? time = null;
        if (request.Channel.Time is not null)
        {
            if (!Timestamps.TryParseIso8601(request.Channel.Time, out var parsed))
            {
                failure = ValidationFailure.Invalid("channel.time must be an ISO-8601 date-time.");
                return false;
            }

            time = parsed;
        }

        var reasons = new List<ReceiptReason>();
        for (var i = 0; i < (request.Reasons?.Count ?? 0); i++)
        {
            var reason = request.Reasons![i];
            if (reason.Code is not null && !OpenMessaging.ReasonCodes.Contains(reason.Code, StringComparer.Ordinal))
            {
                failure = ValidationFailure.Invalid($"reasons[{i}].code '{reason.Code}' is not a known reason code.");
                return false;
            }

            reasons.Add(new ReceiptReason(reason.Code, reason.Message));
        }

        command = new InboundReceiptCommand(
            request.Id, request.Status, request.Channel.To!, time, reasons, request.IsFinalReceipt ?? true);
        return true;
    }

    public static bool TryValidate(
        OpenInboundEventRequest request,
        [NotNullWhen(true)] out InboundEventCommand? command,
        [NotNullWhen(false)] out ValidationFailure? failure)
    {
        command = null;
        if (!TryValidateSender(request.Channel, out var user, out var time, out failure))
        {
            return false;
        }

        if (request.Events is not { Count: > 0 })
        {
            failure = ValidationFailure.Required("events");
            return false;
        }

        for (var i = 0; i < request.Events.Count; i++)
        {
            var eventType = request.Events[i]?.EventType;
            if (string.IsNullOrEmpty(eventType))
            {
                failure = ValidationFailure.Required($"events[{i}].eventType");
                return false;
            }

            // OpenMessageEvent allows only Typing (§3.3).
            if (eventType != OpenMessaging.Typing)
            {
                failure = ValidationFailure.Invalid($"events[{i}].eventType must be Typing; got '{eventType}'.");
                return false;
            }
        }

        command = new InboundEventCommand(user, time, request.Events);
        return true;
    }

    /// <summary>Checks <c>channel.from</c> and <c>channel.time</c>, shared by messages and events.</summary>
    private static bool TryValidateSender(
        OpenInboundChannel? channel,
        [NotNullWhen(true)] out EndUser? user,
        out DateTimeOffset time,
        [NotNullWhen(false)] out ValidationFailure? failure)
    {
        user = null;
        time = default;
        failure = null;
        if (channel is null)
        {
            failure = ValidationFailure.Required("channel");
            return false;
        }

        var from = channel.From;
        if (from is null)
        {
            failure = ValidationFailure.Required("channel.from");
            return false;
        }

        if (string.IsNullOrWhiteSpace(from.Id))
        {
            failure = ValidationFailure.Required("channel.from.id");
            return false;
        }

        if (string.IsNullOrWhiteSpace(from.IdType))
        {
            failure = ValidationFailure.Required("channel.from.idType");
            return false;
        }

        // Docs examples also use lowercase ("email"), so idType is matched case-insensitively (§3.1).
        var idType = OpenMessaging.IdTypes.FirstOrDefault(t => string.Equals(t, from.IdType, StringComparison.OrdinalIgnoreCase));
        if (idType is null)
        {
            failure = ValidationFailure.Invalid(
                $"channel.from.idType must be one of {string.Join(", ", OpenMessaging.IdTypes)}; got '{from.IdType}'.");
            return false;
        }

        if (string.IsNullOrWhiteSpace(channel.Time))
        {
            failure = ValidationFailure.Required("channel.time");
            return false;
        }

        if (!Timestamps.TryParseIso8601(channel.Time, out time))
        {
            failure = ValidationFailure.Invalid("channel.time must be an ISO-8601 date-time.");
            return false;
        }

        user = new EndUser(from.Id, idType, from.Nickname, from.FirstName, from.LastName, from.Email, from.Image);
        return true;
    }

    private static bool TryValidateContent(
        OpenContent? item,
        string path,
        [NotNullWhen(true)] out MessageAttachment? attachment,
        [NotNullWhen(false)] out ValidationFailure? failure)
    {
        attachment = null;
        failure = null;
        if (item?.ContentType is { } contentType
            && !string.Equals(contentType, OpenMessaging.Attachment, StringComparison.OrdinalIgnoreCase))
        {
            failure = ValidationFailure.Invalid($"{path}.contentType must be Attachment; got '{contentType}'.");
            return false;
        }

        var source = item?.Attachment;
        if (source is null)
        {
            failure = ValidationFailure.Required($"{path}.attachment");
            return false;
        }

        var mediaType = OpenMessaging.MediaTypes.FirstOrDefault(
            t => string.Equals(t, source.MediaType, StringComparison.OrdinalIgnoreCase));
        if (mediaType is null)
        {
            failure = string.IsNullOrEmpty(source.MediaType)
                ? ValidationFailure.Required($"{path}.attachment.mediaType")
                : ValidationFailure.Invalid(
                    $"{path}.attachment.mediaType must be one of {string.Join(", ", OpenMessaging.MediaTypes)}.");
            return false;
        }

        if (string.IsNullOrWhiteSpace(source.Url))
        {
            failure = ValidationFailure.Required($"{path}.attachment.url");
            return false;
        }

        if (!Uri.TryCreate(source.Url, UriKind.Absolute, out _))
        {
            failure = ValidationFailure.Invalid($"{path}.attachment.url must be an absolute URL.");
            return false;
        }

        attachment = new MessageAttachment(mediaType, source.Url, source.Mime, source.Filename, source.Id);
        return true;
    }
}
