using System.Text.Json;
using Handoff.Core.Domain;

namespace Handoff.Api.Apis;

// The v1 wire contract bot platforms code against. Unknown JSON fields are ignored; wrong types are refused with the field named.

public sealed record StartHandoffRequest
{
    /// <summary>Channel name, e.g. <c>genesys</c> (see <c>GET /v1/channels</c>).</summary>
    public string? Channel { get; init; }

    /// <summary>Queue name configured for the channel.</summary>
    public string? Queue { get; init; }

    public HandoffUserDto? User { get; init; }

    /// <summary>What the user and the bot said before the handoff, oldest first.</summary>
    public List<TranscriptEntryDto>? Transcript { get; init; }

    /// <summary>Free string attributes shown to the agent (and passed to the contact center's routing).</summary>
    public Dictionary<string, string>? Attributes { get; init; }

    /// <summary>Optional: every event of this handoff is also POSTed here, signed with the client's callback secret.</summary>
    public string? CallbackUrl { get; init; }
}

public sealed record HandoffUserDto(string? Id, string? Nickname = null, string? FirstName = null, string? LastName = null, string? Email = null);

public sealed record TranscriptEntryDto(string? From, string? Text, DateTimeOffset? Time);

/// <param name="Id">Optional client message id: the same id twice is relayed once.</param>
/// <param name="Text">The text; optional when <paramref name="Attachments"/> are given.</param>
/// <param name="Attachments">Files the user sent, by URL (the contact center fetches them).</param>
public sealed record SendMessageRequest(string? Id, string? Text, List<AttachmentDto>? Attachments = null);

/// <summary>A file by URL. <c>mediaType</c>: image, video, audio, file or link (guessed from <c>mime</c> when absent).</summary>
public sealed record AttachmentDto(string? Url, string? MediaType = null, string? Mime = null, string? Filename = null, long? Size = null);

public sealed record EndHandoffRequest(string? Reason);

public sealed record AgentDto(string DisplayName);

public sealed record HandoffResponse(
    string Id,
    string Channel,
    string Queue,
    HandoffStatus Status,
    HandoffUserDto User,
    IReadOnlyDictionary<string, string> Attributes,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? EndedAt,
    string? EndReason,
    string? EndedBy,
    AgentDto? Agent,
    string? CallbackUrl)
{
    public static HandoffResponse From(HandoffRecord h) => new(
        h.Id,
        h.Channel,
        h.Queue,
        h.Status,
        new HandoffUserDto(h.User.Id, h.User.Nickname, h.User.FirstName, h.User.LastName, h.User.Email),
        h.Attributes,
        h.CreatedAt,
        h.UpdatedAt,
        h.EndedAt,
        h.EndReason,
        h.EndedBy,
        h.AgentDisplayName is { } name ? new AgentDto(name) : null,
        h.CallbackUrl);
}

/// <param name="Status"><c>accepted</c> (stored, waiting to be relayed), <c>sent</c>, <c>failed</c>.</param>
public sealed record MessageAccepted(string Id, string Status);

public sealed record EventResponse(long Seq, string Type, DateTimeOffset Time, JsonElement Data)
{
    public static EventResponse From(HandoffEvent e)
    {
        using var doc = JsonDocument.Parse(e.DataJson);
        return new(e.Seq, e.Type, e.Time, doc.RootElement.Clone());
    }
}

public sealed record ChannelResponse(string Name, IReadOnlyList<string> Queues);

/// <summary>Body of a 409 when the user already has an active handoff on the queue.</summary>
public sealed record ConflictDetails(string Title, string Detail, string HandoffId, HandoffResponse Handoff);

/// <summary><c>GET /v1/queues/{name}/availability</c>. Figures are null when the contact center did not say.</summary>
public sealed record QueueAvailabilityResponse(string Queue, string Channel, int? AgentsOnQueue, int? AgentsIdle, int? EstimatedWaitSeconds);
