namespace Handoff.Core.Dispatch;

/// <summary>The wait before a delivery's next attempt, shared by the outbox and the callback dispatchers.</summary>
internal static class RetryDelay
{
    /// <summary>
    /// <paramref name="baseDelay"/> doubled per attempt after the first, plus <paramref name="jitterMs"/>, at most
    /// <paramref name="maxDelay"/>; a longer <paramref name="retryAfter"/> from the other side wins. Capped before it becomes
    /// a <see cref="TimeSpan"/>: from ~41 attempts on, the doubled delay is longer than any TimeSpan.
    /// </summary>
    public static TimeSpan For(int attempts, TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan? retryAfter, double jitterMs = 0)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Min(maxDelay.TotalMilliseconds, (baseDelay.TotalMilliseconds * Math.Pow(2, attempts - 1)) + jitterMs));
        return retryAfter is { } after && after > delay ? after : delay;
    }
}
