using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys.Notifications;

/// <summary>
/// Decides what happened to watched conversations and tells core. Every signal — a notification event (socket), a
/// Process Automation trigger, a reconnect, a periodic check — only wakes the decision up; after
/// <see cref="GenesysOptions.EndSettleWindow"/> it reads the conversation's participants and applies
/// <see cref="ConversationVerdict.Decide"/>: an agent leaving is an ending only if nobody took over. Facts are handed to the
/// inbox with stable ids, so whichever path (or replica) finds one first, the bot hears it once.
/// </summary>
internal sealed partial class GenesysConversationMonitor : IDisposable
{
    private readonly GenesysConversationRegistry _registry;
    private readonly IChannelInbox _inbox;
    private readonly IChannelHandoffDirectory _directory;
    private readonly GenesysClientFactory _clients;
    private readonly GenesysAgentNames _names;
    private readonly TimeProvider _time;
    private readonly ILogger<GenesysConversationMonitor> _logger;
    private readonly SettleScheduler _scheduler;
    private readonly SemaphoreSlim _resync = new(1, 1);

    public GenesysConversationMonitor(
        GenesysConversationRegistry registry,
        IChannelInbox inbox,
        IChannelHandoffDirectory directory,
        GenesysClientFactory clients,
        GenesysAgentNames names,
        IOptionsMonitor<GenesysOptions> options,
        TimeProvider time,
        ILogger<GenesysConversationMonitor> logger)
    {
        _registry = registry;
        _inbox = inbox;
        _directory = directory;
        _clients = clients;
        _names = names;
        _time = time;
        _logger = logger;
        _scheduler = new SettleScheduler(time, () => options.CurrentValue.EndSettleWindow, EvaluateAsync, logger);
    }

    /// <summary>Decisions pending or running (for tests and diagnostics).</summary>
    public int Pending => _scheduler.Pending;

    /// <summary>Something happened on <paramref name="conversationId"/>: decide once it settled. Unwatched conversations are ignored.</summary>
    public void Notify(string conversationId)
    {
        if (_registry.Find(conversationId) is not null)
        {
            _scheduler.Schedule(conversationId);
        }
    }

    /// <summary>After a reconnect (events during the outage are lost): decide every watched conversation again.</summary>
    public void NotifyAll()
    {
        foreach (var watched in _registry.All)
        {
            _scheduler.Schedule(watched.ConversationId);
        }
    }

    /// <summary>
    /// As <see cref="Notify"/>, for a conversation this process may not know yet (started by another replica): re-reads the
    /// active handoffs first. False when no active handoff has that conversation.
    /// </summary>
    public async Task<bool> NotifyAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (_registry.Find(conversationId) is null)
        {
            await ResyncAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_registry.Find(conversationId) is null)
        {
            return false;
        }

        _scheduler.Schedule(conversationId);
        return true;
    }

    /// <summary>
    /// Re-reads the channel's active handoffs: watches the conversation of each (after a restart, or one another replica
    /// started) and stops watching handoffs that ended meanwhile. Returns how many were newly watched.
    /// </summary>
    public async Task<int> ResyncAsync(CancellationToken cancellationToken)
    {
        await _resync.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var readAt = _time.GetUtcNow();
            var active = await _directory.GetActiveAsync(GenesysChannel.Name, cancellationToken).ConfigureAwait(false);
            var added = 0;
            var activeIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in active)
            {
                activeIds.Add(entry.Handoff.Id);
                if (entry.Handoff.State.GetValueOrDefault(GenesysAdapter.ConversationIdStateKey) is { Length: > 0 } conversationId
                    && _registry.Watch(entry.Handoff.Id, conversationId))
                {
                    added++;
                }
            }

            // Only drop what was watched before the read began: one added meanwhile may belong to a handoff the read missed.
            foreach (var watched in _registry.All.Where(w => !activeIds.Contains(w.HandoffId) && w.Since < readAt))
            {
                _registry.Unwatch(watched.ConversationId);
            }

            if (added > 0)
            {
                LogResynced(_logger, added, _registry.Count);
            }

            return added;
        }
        finally
        {
            _resync.Release();
        }
    }

    public void Dispose()
    {
        _scheduler.Dispose();
        _resync.Dispose();
    }

    /// <summary>Reads the participants and tells the inbox what they say. False when Genesys could not be asked (retried).</summary>
    internal async Task<bool> EvaluateAsync(string conversationId, CancellationToken cancellationToken)
    {
        if (_registry.Find(conversationId) is not { } watched)
        {
            return true;
        }

        var result = await _clients.Create().GetConversationAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            if (result.Outcome == GenesysOutcome.Permanent)
            {
                // 404 or 403: asking again will not help; the handoff ends by itself (user end, inactivity timeout).
                LogUnreadable(_logger, conversationId, watched.HandoffId, result.Reason);
                _registry.Unwatch(conversationId);
                return true;
            }

            LogReadFailed(_logger, conversationId, result.Reason);
            return false;
        }

        var verdict = ConversationVerdict.Decide(result.Value?.Participants);
        LogVerdict(_logger, conversationId, watched.HandoffId, verdict.Kind, verdict.Reason);
        GenesysTelemetry.RecordVerdict(verdict.Kind.ToString().ToLowerInvariant());
        if (verdict.Kind is VerdictKind.Open or VerdictKind.Unknown)
        {
            return true;
        }

        var inbound = await ToInboundAsync(watched, verdict, cancellationToken).ConfigureAwait(false);
        var outcome = await _inbox.AcceptAsync(inbound, cancellationToken).ConfigureAwait(false);
        if (verdict.Kind == VerdictKind.Ended || outcome is InboxResult.UnknownHandoff or InboxResult.HandoffEnded)
        {
            _registry.Unwatch(conversationId);
        }

        return true;
    }

    private async Task<ChannelInbound> ToInboundAsync(WatchedConversation watched, ConversationVerdict verdict, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var id = verdict.ExternalId(watched.ConversationId);
        return verdict.Kind switch
        {
            VerdictKind.Ended => new ChannelInbound(GenesysChannel.Name, watched.HandoffId,
                verdict.EndedByAgent ? InboundKind.AgentEnded : InboundKind.ConversationEnded, id, now)
            {
                Reason = verdict.EndedByAgent ? null : verdict.Reason,
            },
            VerdictKind.Transferred => new ChannelInbound(GenesysChannel.Name, watched.HandoffId, InboundKind.AgentTransferred, id, now)
            {
                PreviousAgentDisplayName = await NameAsync(verdict.From, cancellationToken).ConfigureAwait(false),
                AgentDisplayName = await NameAsync(verdict.To, cancellationToken).ConfigureAwait(false),
                Reason = verdict.Reason,
            },
            _ => new ChannelInbound(GenesysChannel.Name, watched.HandoffId, InboundKind.Requeued, id, now)
            {
                PreviousAgentDisplayName = await NameAsync(verdict.From, cancellationToken).ConfigureAwait(false),
                Reason = verdict.Reason,
            },
        };
    }

    /// <summary>An agent leg's name: <c>user.name</c>, else the user looked up by id, else the participant's own <c>name</c>.</summary>
    private async Task<string?> NameAsync(MessageParticipant? participant, CancellationToken cancellationToken)
    {
        if (participant is null)
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(participant.User?.Name))
        {
            return participant.User.Name.Trim();
        }

        var userId = participant.User?.Id ?? participant.UserId;
        var looked = userId is { Length: > 0 } ? await _names.ForUserAsync(userId, cancellationToken).ConfigureAwait(false) : null;
        return looked ?? (string.IsNullOrWhiteSpace(participant.Name) ? null : participant.Name.Trim());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Watching {Added} more Genesys conversation(s) from the active handoffs ({Total} in all)")]
    private static partial void LogResynced(ILogger logger, int added, int total);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Genesys conversation {ConversationId} (handoff {HandoffId}): {Verdict} {Reason}")]
    private static partial void LogVerdict(ILogger logger, string conversationId, string handoffId, VerdictKind verdict, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read Genesys conversation {ConversationId}: {Reason}; will try again")]
    private static partial void LogReadFailed(ILogger logger, string conversationId, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped watching Genesys conversation {ConversationId} of handoff {HandoffId}: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string conversationId, string handoffId, string? reason);
}
