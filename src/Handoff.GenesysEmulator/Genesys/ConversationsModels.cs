namespace Handoff.GenesysEmulator.Genesys;

// Wire models of the Conversations, Users, Routing and Analytics reads (fact sheet §11.5-11.7). Nulls are never written.

/// <summary><c>MessageConversation</c> (§11.5).</summary>
internal sealed record MessageConversationResponse(string Id, IReadOnlyList<MessageParticipantResponse> Participants, string SelfUri);

/// <summary>
/// <c>MessageMediaParticipant</c>. Genesys nests the agent as <c>user{id,name}</c>; the flat <c>userId</c> is written too
/// for clients that read the generic <c>Participant</c> shape.
/// </summary>
internal sealed record MessageParticipantResponse
{
    public required string Id { get; init; }
    public string? Name { get; init; }
    public required string Purpose { get; init; }
    public required string State { get; init; }
    public string? Direction { get; init; }
    public string Type { get; init; } = "open";
    public string? UserId { get; init; }
    public UserReference? User { get; init; }
    public EntityReference? Queue { get; init; }
    public string? DisconnectType { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public DateTimeOffset? StartAlertingTime { get; init; }
    public DateTimeOffset? ConnectedTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public AddressResponse? FromAddress { get; init; }
}

internal sealed record EntityReference(string Id);

internal sealed record UserReference(string Id, string? Name, string SelfUri);

internal sealed record AddressResponse(string AddressNormalized);

/// <summary><c>MediaParticipantRequest</c>: only <c>state</c> is acted on.</summary>
internal sealed record MediaParticipantRequest(string? State);

/// <summary><c>MessageData</c> (§11.6).</summary>
internal sealed record MessageDataResponse
{
    public required string Id { get; init; }
    public required string ConversationId { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required string FromAddress { get; init; }
    public required string ToAddress { get; init; }
    public required string Direction { get; init; }
    public string MessengerType { get; init; } = "open";

    /// <summary>Deprecated; left out with <c>useNormalizedMessage=true</c>.</summary>
    public string? TextBody { get; init; }

    public required string Status { get; init; }
    public required NormalizedMessageResponse NormalizedMessage { get; init; }
    public IReadOnlyList<NormalizedReceiptResponse>? NormalizedReceipts { get; init; }
    public UserReference? CreatedBy { get; init; }
    public required string SelfUri { get; init; }
}

internal sealed record NormalizedMessageResponse(string Id, string Type, string? Text, IReadOnlyList<OpenContent>? Content);

internal sealed record NormalizedReceiptResponse(
    string Id, string Type, string Status, IReadOnlyList<OpenReason>? Reasons, string Direction, DateTimeOffset Timestamp);

/// <summary><c>User</c> (§11.6); only the fields the emulator knows.</summary>
internal sealed record UserResponse(string Id, string Name, string? Email, string State, string SelfUri);

/// <summary><c>EstimatedWaitTimePredictions</c> (§11.7).</summary>
internal sealed record EstimatedWaitTimeResponse(IReadOnlyList<WaitTimePrediction> Results);

internal sealed record WaitTimePrediction(string Intent, string Formula, int EstimatedWaitTimeSeconds);

/// <summary><c>QueueObservationQuery</c>: the filter and the metrics asked for.</summary>
internal sealed record QueueObservationQueryRequest(QueueObservationFilter? Filter, List<string?>? Metrics, List<string?>? DetailMetrics);

internal sealed record QueueObservationFilter(string? Type, List<QueueObservationPredicate?>? Predicates, List<QueueObservationFilter?>? Clauses);

internal sealed record QueueObservationPredicate(string? Type, string? Dimension, string? Operator, string? Value);

/// <summary><c>QueueObservationQueryResponse</c>.</summary>
internal sealed record QueueObservationResponse(IReadOnlyList<QueueObservationResult> Results);

internal sealed record QueueObservationResult(IReadOnlyDictionary<string, string> Group, IReadOnlyList<ObservationMetric> Data);

internal sealed record ObservationMetric(string Metric, string? Qualifier, ObservationStats Stats);

internal sealed record ObservationStats(long Count);
