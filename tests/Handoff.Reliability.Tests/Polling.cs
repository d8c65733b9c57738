namespace Handoff.Reliability.Tests;

internal static class Polling
{
    /// <summary>Polls <paramref name="probe"/> until it returns a value satisfying <paramref name="done"/>; throws with <paramref name="describe"/> of the last value on timeout.</summary>
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, Func<T, string> describe, TimeSpan? interval = null)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout.TotalSeconds:0} s: {describe(value)}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits until <paramref name="probe"/> returns the same value for <paramref name="quiet"/> (at most <paramref name="timeout"/>): traffic has settled.</summary>
    public static async Task<T> UntilStableAsync<T>(Func<Task<T>> probe, TimeSpan quiet, TimeSpan timeout)
        where T : IEquatable<T>
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var last = await probe();
        var since = DateTimeOffset.UtcNow;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            var current = await probe();
            if (!current.Equals(last))
            {
                last = current;
                since = DateTimeOffset.UtcNow;
            }
            else if (DateTimeOffset.UtcNow - since >= quiet)
            {
                break;
            }
        }

        return last;
    }
}
