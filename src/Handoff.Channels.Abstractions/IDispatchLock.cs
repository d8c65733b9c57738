namespace Handoff.Channels;

/// <summary>
/// Which process of a deployment does the work that must happen once, not once per process: several Handoff processes
/// may share one store (replicas, or the old and new process of a deployment that overlap), and only the one holding the
/// store's dispatch lock delivers the outbox and callbacks. A channel's own background work that talks to the contact
/// center or tells the bot something (listening for its notifications, polling, periodic estimates) should run there too:
/// inject it (optional) and start with <see cref="DispatchLockExtensions.HoldAsync"/>. Work triggered by a request or a
/// webhook runs wherever that arrives, as before.
/// </summary>
public interface IDispatchLock
{
    /// <summary>True once this process holds the lock (it keeps it until it stops).</summary>
    bool IsHeld { get; }

    /// <summary>Completes once this process holds the lock; a standby waits until the holder stops or dies.</summary>
    Task WaitAsync(CancellationToken cancellationToken);
}

public static class DispatchLockExtensions
{
    /// <summary>
    /// What a background service does first: waits until this process holds <paramref name="dispatchLock"/> (none
    /// registered, as for a service built on its own in a test: at once). False when <paramref name="stoppingToken"/>
    /// stopped the wait first.
    /// </summary>
    public static async Task<bool> HoldAsync(this IDispatchLock? dispatchLock, CancellationToken stoppingToken)
    {
        if (dispatchLock is null)
        {
            return true;
        }

        try
        {
            await dispatchLock.WaitAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
