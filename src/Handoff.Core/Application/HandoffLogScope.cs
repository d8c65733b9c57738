using System.Collections;
using Microsoft.Extensions.Logging;

namespace Handoff.Core.Application;

/// <summary>
/// The <c>HandoffId</c> logging scope: every log line written while serving a handoff carries its id (one small object per
/// scope, instead of a dictionary).
/// </summary>
public static class HandoffLogScope
{
    public const string Key = "HandoffId";

    public static IDisposable? Begin(ILogger logger, string handoffId)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return logger.BeginScope(new State(handoffId));
    }

    private sealed class State(string handoffId) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => 1;

        public KeyValuePair<string, object> this[int index] =>
            index == 0 ? new(Key, handoffId) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"{Key}:{handoffId}";
    }
}
