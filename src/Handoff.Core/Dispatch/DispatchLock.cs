using Handoff.Channels;
using Handoff.Core.Application;
using Handoff.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Dispatch;

/// <summary>
/// Makes one process at a time the dispatcher of a store: the outbox and the callbacks are delivered only by the process
/// that holds the store's dispatch lock (<see cref="IHandoffStore.TryTakeDispatchLock"/>). Every process sharing the store
/// accepts requests and webhooks and stores them; the one holding the lock delivers what any of them stored (work another
/// process stored is found within ~0.1 s: <see cref="OtherProcessesWatch"/>). The others stand by, trying again every
/// <see cref="OutboxOptions.PollInterval"/>, and one of them takes over once the holder stops or dies.
/// </summary>
/// <remarks>
/// Without it two processes on one database (two replicas, or the old and the new process of a deployment that overlap)
/// would each stream the same handoff's head item and deliver it twice. The outbox dispatcher and the callback dispatcher
/// share this one lock, and so do channels' background services (<see cref="IDispatchLock"/>): the first to ask takes it for
/// the whole process, and it is held until the process stops.
/// </remarks>
public sealed partial class DispatchLock(IHandoffStore store, IOptions<OutboxOptions> options, TimeProvider time, ILogger<DispatchLock> logger) : IDispatchLock, IDisposable
{
    /// <summary>The "lock" of a store no other process can share: always held, nothing to release.</summary>
    public static IDisposable NotShared { get; } = new Nothing();

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _acquiring;
    private IDisposable? _lock;
    private bool _disposed;

    /// <summary>True once this process holds the lock (it keeps it until it is disposed).</summary>
    public bool IsHeld => _held.Task.IsCompletedSuccessfully;

    /// <summary>Returns once this process holds the lock; the first call starts trying to take it.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _acquiring ??= AcquireAsync(_stopping.Token);
        }

        return _held.Task.WaitAsync(cancellationToken);
    }

    private async Task AcquireAsync(CancellationToken stopping)
    {
        var told = false;
        while (!stopping.IsCancellationRequested)
        {
            IDisposable? taken = null;
            try
            {
                taken = store.TryTakeDispatchLock();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogTakeFailed(logger, ex);
            }

            if (taken is not null)
            {
                lock (_gate)
                {
                    if (_disposed)
                    {
                        taken.Dispose();
                        return;
                    }

                    _lock = taken;
                }

                HandoffMetrics.DispatchLockHeld(true);
                if (told)
                {
                    LogTookOver(logger, LockName);
                }
                else
                {
                    LogHeld(logger, LockName);
                }

                _held.TrySetResult();
                return;
            }

            if (!told)
            {
                told = true;
                LogStandingBy(logger, LockName, options.Value.PollInterval.TotalSeconds);
            }

            try
            {
                await Task.Delay(options.Value.PollInterval, time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string LockName => store.DispatchLockName;

    public void Dispose()
    {
        IDisposable? held;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            held = _lock;
            _lock = null;
        }

        _stopping.Cancel();
        if (held is not null)
        {
            held.Dispose();
            HandoffMetrics.DispatchLockHeld(false);
        }

        _stopping.Dispose();
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose()
        {
        }
    }

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "This process delivers the outbox and the callbacks (it holds the dispatch lock {LockName}).")]
    private static partial void LogHeld(ILogger logger, string lockName);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Warning,
        Message = "Another process delivers the outbox and the callbacks of this store (it holds the dispatch lock {LockName}): this one stores what it accepts and tries to take over every {RetrySeconds} s.")]
    private static partial void LogStandingBy(ILogger logger, string lockName, double retrySeconds);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Warning, Message = "The dispatch lock {LockName} was released by the process that held it: this process delivers the outbox and the callbacks now.")]
    private static partial void LogTookOver(ILogger logger, string lockName);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Error, Message = "Could not take the dispatch lock; trying again.")]
    private static partial void LogTakeFailed(ILogger logger, Exception exception);
}
