using System.Text.Json;
using Handoff.GenesysEmulator.State;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Handoff.GenesysEmulator.Triggers;

/// <summary>
/// The body the emulated Web Services data action posts: the suggested contract of fact sheet §11.8, built from the
/// workflow's top-level inputs. Null fields are left out.
/// </summary>
internal sealed record TriggerPayload(
    string Source,
    string Topic,
    string ConversationId,
    string ParticipantId,
    string? UserId,
    string? DisconnectType,
    long InteractingDurationMs,
    long EventTime)
{
    public const string GenesysTrigger = "genesys-trigger";
}

/// <summary>What the target answered; <see cref="StatusCode"/> is null when it could not be reached.</summary>
internal sealed record TriggerResult(int? StatusCode, string? Error);

/// <summary>
/// Emulates Process Automation trigger → Workflow → Web Services data action (fact sheet §11.8): one POST of
/// <see cref="TriggerPayload"/> with the caller's static headers, no signature and no retry, within the data action
/// timeout (<c>Emulator:Triggers:Timeout</c>).
/// </summary>
internal sealed class TriggerSender(
    IHttpClientFactory clients, IOptionsMonitor<EmulatorOptions> options, IOptions<JsonOptions> json, TimeProvider time)
{
    public const string HttpClientName = "genesys-trigger";
    public const string UserEnd = DetailEventTopics.UserEnd;
    public const string CustomerEnd = DetailEventTopics.CustomerEnd;

    private readonly JsonSerializerOptions _serializer = json.Value.SerializerOptions;

    /// <summary>
    /// The payload for the topic: <c>user.end</c> describes the latest agent leg; <c>customer.end</c> the customer, with
    /// the latest agent's user id when there was one. Null for <c>user.end</c> when no agent ever joined.
    /// </summary>
    public TriggerPayload? Build(ConversationSnapshot conversation, string topic)
    {
        var now = time.GetUtcNow();
        var agent = conversation.LatestAgent;
        var participant = topic == CustomerEnd ? conversation.Customer : agent;
        if (participant is null)
        {
            return null;
        }

        var end = participant.EndTime ?? now;
        return new TriggerPayload(
            TriggerPayload.GenesysTrigger,
            topic,
            conversation.Id,
            participant.Id,
            agent?.UserId,
            participant.DisconnectType?.ForDetailEvents(),
            participant.ConnectedTime is { } connected ? Math.Max(0, (long)(end - connected).TotalMilliseconds) : 0,
            end.ToUnixTimeMilliseconds());
    }

    public async Task<TriggerResult> SendAsync(
        Uri url, TriggerPayload payload, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(payload, _serializer));
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.Remove(name);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        var timeout = options.CurrentValue.Triggers.Timeout;
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, linked.Token);
            return new TriggerResult((int)response.StatusCode, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TriggerResult(null, $"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException exception)
        {
            return new TriggerResult(null, exception.Message);
        }
    }
}
