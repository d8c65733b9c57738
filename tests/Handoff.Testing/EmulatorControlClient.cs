using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Handoff.Testing;

/// <summary>
/// Typed client of the emulator's control API (<c>/emulator/...</c>): act as the agent, inspect conversations and
/// webhook deliveries, revoke tokens, read counters. Non-success answers throw <see cref="HttpRequestException"/>
/// carrying the status code and the response body.
/// </summary>
public sealed class EmulatorControlClient(HttpClient http) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public HttpClient HttpClient => http;

    public async Task<IReadOnlyList<EmulatorConversation>> GetConversationsAsync(CancellationToken cancellationToken = default) =>
        await GetAsync<List<EmulatorConversation>>("emulator/conversations", cancellationToken);

    /// <summary>The conversation, or null when the emulator does not know it.</summary>
    public Task<EmulatorConversation?> GetConversationAsync(string conversationId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<EmulatorConversation>($"emulator/conversations/{Escape(conversationId)}", cancellationToken);

    /// <summary>Polls until a conversation matches <paramref name="predicate"/> (default timeout 10 s).</summary>
    /// <exception cref="TimeoutException">No conversation matched in time; the message lists what was seen.</exception>
    public async Task<EmulatorConversation> WaitForConversationAsync(
        Func<EmulatorConversation, bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? DefaultWaitTimeout;
        var deadline = DateTimeOffset.UtcNow + limit;
        IReadOnlyList<EmulatorConversation> seen;
        do
        {
            seen = await GetConversationsAsync(cancellationToken);
            if (seen.FirstOrDefault(predicate) is { } match)
            {
                return match;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
        while (DateTimeOffset.UtcNow < deadline);

        var summary = seen.Count == 0
            ? "none"
            : string.Join("; ", seen.Select(c => $"{c.Id} user={c.UserId} state={c.State} messages={c.Messages.Count}"));
        throw new TimeoutException(
            $"No emulator conversation matched within {limit.TotalSeconds:0.#} s. Conversations seen ({seen.Count}): {summary}.");
    }

    /// <summary>The agent replies; the emulator queues the Text webhook. Returns the stored message.</summary>
    public async Task<EmulatorMessage> SendAgentMessageAsync(
        string conversationId, string text, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync(
            $"emulator/conversations/{Escape(conversationId)}/agent-messages", new { text }, Json, cancellationToken);
        return await ReadAsync<EmulatorMessage>(response, cancellationToken);
    }

    /// <summary>
    /// An agent message from a named agent (null: the connected agent, else the default one), optionally with
    /// attachments (then <paramref name="text"/> may be empty). An agent who is not connected joins first (user.start);
    /// a different agent than the connected one is refused (409).
    /// </summary>
    public async Task<EmulatorMessage> SendAgentMessageAsync(
        string conversationId,
        string text,
        string? agentName,
        IReadOnlyList<EmulatorAttachment>? attachments = null,
        string? userId = null,
        CancellationToken cancellationToken = default)
    {
        var body = new
        {
            text,
            agentName,
            userId,
            attachments = attachments?.Select(a => new { a.Url, a.MediaType, a.Mime, a.Filename, a.ContentSizeBytes }).ToList(),
        };
        using var response = await http.PostAsJsonAsync(
            $"emulator/conversations/{Escape(conversationId)}/agent-messages", body, Json, cancellationToken);
        return await ReadAsync<EmulatorMessage>(response, cancellationToken);
    }

    /// <summary>An agent picks the conversation up (user.start): the named one, else the default agent.</summary>
    public async Task<EmulatorConversation> AgentJoinAsync(
        string conversationId, string? name = null, string? userId = null, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync(
            $"emulator/conversations/{Escape(conversationId)}/agent-join", new { name, userId }, Json, cancellationToken);
        return await ReadAsync<EmulatorConversation>(response, cancellationToken);
    }

    /// <summary>
    /// Transfers away from the current agent (user.end with TRANSFER). <paramref name="kind"/> <c>blind</c>: the target (or
    /// another agent) joins at once; <c>requeue</c>: a new leg waits in the queue until the next agent message or join.
    /// </summary>
    public async Task<EmulatorConversation> TransferAsync(
        string conversationId,
        string? toAgentName = null,
        string kind = "blind",
        string? toUserId = null,
        CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync(
            $"emulator/conversations/{Escape(conversationId)}/transfer", new { toAgentName, toUserId, kind }, Json, cancellationToken);
        return await ReadAsync<EmulatorConversation>(response, cancellationToken);
    }

    /// <summary>
    /// Posts what a Process Automation trigger's data action would send for the conversation's latest agent
    /// (<paramref name="topic"/> <c>user.end</c> or <c>customer.end</c>) to <paramref name="url"/>, with static headers.
    /// </summary>
    public async Task<EmulatorTriggerResult> TriggerAsync(
        string conversationId,
        Uri url,
        string topic = "user.end",
        IReadOnlyDictionary<string, string>? headers = null,
        CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync(
            $"emulator/conversations/{Escape(conversationId)}/trigger", new { url = url.ToString(), topic, headers }, Json, cancellationToken);
        return await ReadAsync<EmulatorTriggerResult>(response, cancellationToken);
    }

    public async Task<IReadOnlyList<EmulatorAgent>> GetAgentsAsync(CancellationToken cancellationToken = default) =>
        await GetAsync<List<EmulatorAgent>>("emulator/agents", cancellationToken);

    public async Task<IReadOnlyList<EmulatorQueue>> GetQueuesAsync(CancellationToken cancellationToken = default) =>
        await GetAsync<List<EmulatorQueue>>("emulator/queues", cancellationToken);

    /// <summary>Creates or replaces a queue's name and staffing (estimated wait, agents on queue, idle agents).</summary>
    public async Task<EmulatorQueue> PutQueueAsync(
        string queueId,
        string name,
        int estimatedWaitSeconds,
        int onQueueAgents,
        int idleAgents,
        CancellationToken cancellationToken = default)
    {
        using var response = await http.PutAsJsonAsync(
            $"emulator/queues/{Escape(queueId)}", new { name, estimatedWaitSeconds, onQueueAgents, idleAgents }, Json, cancellationToken);
        return await ReadAsync<EmulatorQueue>(response, cancellationToken);
    }

    /// <summary>Channels, subscriptions, connected sockets and event counters of the Notifications API.</summary>
    public Task<EmulatorNotifications> GetNotificationsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<EmulatorNotifications>("emulator/notifications", cancellationToken);

    /// <summary>
    /// Sends <c>v2.system.socket_closing</c> to every notification socket and closes them <paramref name="after"/> later.
    /// Returns how many sockets were told.
    /// </summary>
    public async Task<int> SocketClosingAsync(TimeSpan after, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync(
            "emulator/notifications/socket-closing", new { afterMs = (int)after.TotalMilliseconds }, Json, cancellationToken);
        return (await ReadAsync<SocketCount>(response, cancellationToken)).Sockets;
    }

    /// <summary>Aborts every notification socket with no close frame; returns how many there were.</summary>
    public async Task<int> DropSocketsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync("emulator/notifications/drop", content: null, cancellationToken);
        return (await ReadAsync<SocketCount>(response, cancellationToken)).Sockets;
    }

    /// <summary>Adds a fault rule; returns it with its id.</summary>
    public async Task<EmulatorFault> AddFaultAsync(EmulatorFault fault, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("emulator/faults", fault, Json, cancellationToken);
        return await ReadAsync<EmulatorFault>(response, cancellationToken);
    }

    public async Task<IReadOnlyList<EmulatorFault>> GetFaultsAsync(CancellationToken cancellationToken = default) =>
        await GetAsync<List<EmulatorFault>>("emulator/faults", cancellationToken);

    /// <summary>Removes one fault rule; false when it did not exist.</summary>
    public async Task<bool> RemoveFaultAsync(string faultId, CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync($"emulator/faults/{Escape(faultId)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    /// <summary>Removes every fault rule.</summary>
    public async Task ClearFaultsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync("emulator/faults", cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>The agent types; the emulator queues the typing Event webhook. Returns the event's message id.</summary>
    public async Task<string> SendAgentTypingAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync(
            $"emulator/conversations/{Escape(conversationId)}/agent-typing", content: null, cancellationToken);
        return (await ReadAsync<TypingEvent>(response, cancellationToken)).Id;
    }

    /// <summary>The agent ends the conversation (no webhook, as on Genesys).</summary>
    public async Task<EmulatorConversation> DisconnectAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync(
            $"emulator/conversations/{Escape(conversationId)}/disconnect", content: null, cancellationToken);
        return await ReadAsync<EmulatorConversation>(response, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> GetWebhookDeliveriesAsync(CancellationToken cancellationToken = default) =>
        await GetAsync<List<WebhookDelivery>>("emulator/webhooks", cancellationToken);

    public Task<WebhookDelivery?> GetWebhookDeliveryAsync(string messageId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<WebhookDelivery>($"emulator/webhooks/{Escape(messageId)}", cancellationToken);

    /// <summary>
    /// Polls until the delivery of <paramref name="messageId"/> matches <paramref name="predicate"/>
    /// (default: it has finished, i.e. is no longer pending).
    /// </summary>
    public async Task<WebhookDelivery> WaitForWebhookDeliveryAsync(
        string messageId,
        Func<WebhookDelivery, bool>? predicate = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        predicate ??= d => d.IsCompleted;
        var limit = timeout ?? DefaultWaitTimeout;
        var deadline = DateTimeOffset.UtcNow + limit;
        WebhookDelivery? last;
        do
        {
            last = await GetWebhookDeliveryAsync(messageId, cancellationToken);
            if (last is not null && predicate(last))
            {
                return last;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
        while (DateTimeOffset.UtcNow < deadline);

        var state = last is null ? "unknown" : $"outcome={last.Outcome} attempts={last.Attempts} lastStatus={last.LastStatusCode}";
        throw new TimeoutException(
            $"The webhook delivery of message {messageId} did not match within {limit.TotalSeconds:0.#} s ({state}).");
    }

    /// <summary>Sends a recorded delivery again with the identical body and signature.</summary>
    public async Task<WebhookDelivery> RedeliverAsync(string messageId, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync($"emulator/webhooks/{Escape(messageId)}/redeliver", content: null, cancellationToken);
        return await ReadAsync<WebhookDelivery>(response, cancellationToken);
    }

    /// <summary>Revokes every access token issued so far; returns how many were live.</summary>
    public async Task<int> RevokeTokensAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsync("emulator/tokens/revoke", content: null, cancellationToken);
        return (await ReadAsync<RevokedTokens>(response, cancellationToken)).Revoked;
    }

    public Task<EmulatorStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<EmulatorStats>("emulator/stats", cancellationToken);

    public async Task<IReadOnlyList<EmulatorIntegration>> GetIntegrationsAsync(CancellationToken cancellationToken = default) =>
        await GetAsync<List<EmulatorIntegration>>("emulator/integrations", cancellationToken);

    public Task<EmulatorIntegration?> GetIntegrationAsync(string integrationId, CancellationToken cancellationToken = default) =>
        GetOrNullAsync<EmulatorIntegration>($"emulator/integrations/{Escape(integrationId)}", cancellationToken);

    /// <summary>Creates or replaces an integration (no token needed).</summary>
    public async Task<EmulatorIntegration> PutIntegrationAsync(
        string integrationId, string name, Uri? webhookUrl, string? webhookSecret, CancellationToken cancellationToken = default)
    {
        using var response = await http.PutAsJsonAsync(
            $"emulator/integrations/{Escape(integrationId)}",
            new { name, webhookUrl = webhookUrl?.ToString(), webhookSecret },
            Json,
            cancellationToken);
        return await ReadAsync<EmulatorIntegration>(response, cancellationToken);
    }

    /// <summary>Creates or replaces an integration routed to <paramref name="queueId"/> (no token needed).</summary>
    public async Task<EmulatorIntegration> PutIntegrationAsync(
        string integrationId,
        string name,
        Uri? webhookUrl,
        string? webhookSecret,
        string? queueId,
        CancellationToken cancellationToken = default)
    {
        using var response = await http.PutAsJsonAsync(
            $"emulator/integrations/{Escape(integrationId)}",
            new { name, webhookUrl = webhookUrl?.ToString(), webhookSecret, queueId },
            Json,
            cancellationToken);
        return await ReadAsync<EmulatorIntegration>(response, cancellationToken);
    }

    public void Dispose() => http.Dispose();

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    private async Task<T?> GetOrNullAsync<T>(string path, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await http.GetAsync(path, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<T>(response, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} returned an empty body.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}",
                inner: null,
                response.StatusCode);
        }
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private sealed record TypingEvent(string Id, string ConversationId);

    private sealed record RevokedTokens(int Revoked);

    private sealed record SocketCount(int Sockets);
}
