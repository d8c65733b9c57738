using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// The agent's real name (section 8, 11.6): <c>GET …/messages/{messageId}/details</c> → <c>createdBy.name</c>, else
/// <c>GET /api/v2/users/{createdBy.id}</c>, cached in <see cref="HybridCache"/> per message and per user. Every lookup is
/// bounded by <see cref="GenesysOptions.AgentNameLookupTimeout"/> so the webhook still answers fast; a failed, slow or
/// forbidden lookup returns null and the caller shows the integration name instead. After a 403 the lookups pause for a
/// while (one warning, not one failed call per message).
/// </summary>
internal sealed partial class GenesysAgentNames(
    HybridCache cache,
    GenesysClientFactory clients,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider time,
    ILogger<GenesysAgentNames> logger)
{
    private static readonly TimeSpan ForbiddenPause = TimeSpan.FromMinutes(5);

    private static readonly HybridCacheEntryOptions MessageEntry = new() { Expiration = TimeSpan.FromMinutes(30), LocalCacheExpiration = TimeSpan.FromMinutes(30) };
    private static readonly HybridCacheEntryOptions UserEntry = new() { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) };
    private static readonly HybridCacheEntryOptions ConversationEntry = new() { Expiration = TimeSpan.FromHours(12), LocalCacheExpiration = TimeSpan.FromHours(12) };

    private static readonly HybridCacheEntryOptions PeekOptions = new()
    {
        Flags = HybridCacheEntryFlags.DisableDistributedCache | HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableUnderlyingData,
    };

    private long _pausedUntilTicks;

    /// <summary>Who wrote <paramref name="messageId"/>, or null when it cannot be told in time (use the integration name).</summary>
    public Task<string?> ForMessageAsync(string messageId, CancellationToken cancellationToken) =>
        BoundedAsync(ct => cache.GetOrCreateAsync(
            $"handoff:genesys:message-agent:{messageId}", (Self: this, MessageId: messageId),
            static (state, token) => state.Self.LookupMessageAsync(state.MessageId, token),
            MessageEntry, cancellationToken: ct), "message " + messageId, cancellationToken);

    /// <summary>The name of user (agent) <paramref name="userId"/>, or null when it cannot be told in time.</summary>
    public Task<string?> ForUserAsync(string userId, CancellationToken cancellationToken) =>
        BoundedAsync(ct => UserAsync(userId, ct), "user " + userId, cancellationToken);

    /// <summary>Remembers who is writing on a conversation, for typing events (they carry no message to look up).</summary>
    public ValueTask RememberAsync(string conversationId, string displayName, CancellationToken cancellationToken) =>
        cache.SetAsync(ConversationKey(conversationId), displayName, ConversationEntry, cancellationToken: cancellationToken);

    /// <summary>The last agent name seen on <paramref name="conversationId"/>, if any (no call to Genesys).</summary>
    public ValueTask<string?> LastOnConversationAsync(string conversationId, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync<string?>(ConversationKey(conversationId), static _ => ValueTask.FromResult<string?>(null), PeekOptions, cancellationToken: cancellationToken);

    private async Task<string?> BoundedAsync(Func<CancellationToken, ValueTask<string?>> lookup, string subject, CancellationToken cancellationToken)
    {
        if (time.GetUtcNow().UtcTicks < Interlocked.Read(ref _pausedUntilTicks))
        {
            return null;
        }

        var timeout = options.CurrentValue.AgentNameLookupTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var name = await lookup(linked.Token).ConfigureAwait(false);
            return string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogTimedOut(logger, subject, timeout);
            return null;
        }
        catch (AgentLookupException ex)
        {
            if (ex.Forbidden)
            {
                Interlocked.Exchange(ref _pausedUntilTicks, (time.GetUtcNow() + ForbiddenPause).UtcTicks);
                LogForbidden(logger, ex.Message, ForbiddenPause);
            }
            else
            {
                LogFailed(logger, subject, ex.Message);
            }

            return null;
        }
    }

    private ValueTask<string?> UserAsync(string userId, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(
            $"handoff:genesys:user-name:{userId}", (Self: this, UserId: userId),
            static (state, token) => state.Self.LookupUserAsync(state.UserId, token),
            UserEntry, cancellationToken: cancellationToken);

    /// <summary>Throws on failure, so HybridCache stores only real answers ("" = nobody is named).</summary>
    private async ValueTask<string?> LookupMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        var details = await clients.Create().GetMessageDetailsAsync(messageId, cancellationToken).ConfigureAwait(false);
        if (!details.IsSuccess)
        {
            throw new AgentLookupException(details.Reason ?? "message details unavailable", details.StatusCode == 403);
        }

        var createdBy = details.Value?.CreatedBy;
        if (!string.IsNullOrWhiteSpace(createdBy?.Name))
        {
            return createdBy.Name.Trim();
        }

        return createdBy?.Id is { Length: > 0 } userId ? await UserAsync(userId, cancellationToken).ConfigureAwait(false) ?? string.Empty : string.Empty;
    }

    private async ValueTask<string?> LookupUserAsync(string userId, CancellationToken cancellationToken)
    {
        var user = await clients.Create().GetUserAsync(userId, cancellationToken).ConfigureAwait(false);
        if (!user.IsSuccess)
        {
            throw new AgentLookupException(user.Reason ?? "user unavailable", user.StatusCode == 403);
        }

        return user.Value?.Name?.Trim() ?? string.Empty;
    }

    private static string ConversationKey(string conversationId) => $"handoff:genesys:conversation-agent:{conversationId}";

    private sealed class AgentLookupException(string message, bool forbidden) : Exception(message)
    {
        public bool Forbidden { get; } = forbidden;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent name lookup for {Subject} took longer than {Timeout}; showing the integration name")]
    private static partial void LogTimedOut(ILogger logger, string subject, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent name lookup for {Subject} failed ({Reason}); showing the integration name")]
    private static partial void LogFailed(ILogger logger, string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent names cannot be looked up: {Reason} Showing integration names; trying again in {Pause}")]
    private static partial void LogForbidden(ILogger logger, string reason, TimeSpan pause);
}
