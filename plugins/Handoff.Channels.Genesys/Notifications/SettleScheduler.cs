using Microsoft.Extensions.Logging;

namespace Handoff.Channels.Genesys.Notifications;

/// <summary>
/// Runs one evaluation per key a settle window after the first signal: signals arriving while one is pending are absorbed
/// (the evaluation reads the latest state anyway); a signal arriving while it runs schedules another one, a window later.
/// An evaluation that could not finish (it returns false, e.g. Genesys did not answer) is retried, a window later, up to
/// <see cref="MaxAttempts"/> times in a row. Never decides on a single event: it only ever wakes the evaluation up.
/// </summary>
internal sealed partial class SettleScheduler(
    TimeProvider time,
    Func<TimeSpan> window,
    Func<string, CancellationToken, Task<bool>> evaluate,
    ILogger logger) : IDisposable
{
    public const int MaxAttempts = 3;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Keys with an evaluation pending or running.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>True while <paramref name="key"/> waits out its window (its timer is set), false while it runs or when idle.</summary>
    internal bool IsWaiting(string key)
    {
        lock (_gate)
        {
            return _entries.TryGetValue(key, out var entry) && !entry.Running;
        }
    }

    public void Schedule(string key)
    {
        Task delay;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            if (_entries.TryGetValue(key, out var entry))
            {
                if (entry.Running)
                {
                    entry.Again = true;
                }

                return;
            }

            _entries[key] = new Entry();
            delay = Delay();
        }

        _ = RunAsync(key, delay);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping.Cancel();
        }

        _stopping.Dispose();
    }

    /// <summary>The window's timer, set when this is called (under the lock, so <see cref="IsWaiting"/> implies it is set).</summary>
    private Task Delay()
    {
        var settle = window();
        return settle > TimeSpan.Zero ? Task.Delay(settle, time, _stopping.Token) : Task.CompletedTask;
    }

    private async Task RunAsync(string key, Task delay)
    {
        var failures = 0;
        var token = _stopping.Token;
        while (true)
        {
            try
            {
                await delay.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Remove(key);
                return;
            }

            lock (_gate)
            {
                _entries[key].Running = true;
            }

            bool done;
            try
            {
                done = await evaluate(key, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Remove(key);
                return;
            }
            catch (Exception ex)
            {
                LogEvaluationFailed(logger, ex, key);
                done = false;
            }

            failures = done ? 0 : failures + 1;
            lock (_gate)
            {
                var entry = _entries[key];
                var retry = !done && failures < MaxAttempts;
                if ((entry.Again || retry) && !_stopping.IsCancellationRequested)
                {
                    entry.Again = false;
                    entry.Running = false;
                    delay = Delay();
                    continue;
                }

                _entries.Remove(key);
            }

            if (!done)
            {
                LogGaveUp(logger, key, failures);
            }

            return;
        }
    }

    private void Remove(string key)
    {
        lock (_gate)
        {
            _entries.Remove(key);
        }
    }

    private sealed class Entry
    {
        public bool Running { get; set; }

        public bool Again { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Deciding what happened to Genesys conversation {ConversationId} failed")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception, string conversationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not decide what happened to Genesys conversation {ConversationId} after {Attempts} attempts; the periodic check will try again")]
    private static partial void LogGaveUp(ILogger logger, string conversationId, int attempts);
}
