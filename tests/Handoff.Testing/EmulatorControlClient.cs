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
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}",
                inner: null,
                response.StatusCode);
        }

        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} returned an empty body.");
    }

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private sealed record TypingEvent(string Id, string ConversationId);

    private sealed record RevokedTokens(int Revoked);
}
